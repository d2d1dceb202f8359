package dev.llmkit.sampling.grammar;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The vocabulary's decoded pieces as a byte trie, so that tokens sharing a prefix share the work of
 * matching it: a grammar step walks the trie once and abandons a whole subtree at its first rejected
 * byte, instead of matching every piece of the vocabulary from its start.
 *
 * <p>Node 0 is the root. Children of a node are {@code firstChild[n] .. firstChild[n] +
 * childCount[n] - 1}, sorted by byte; {@code label[c]} is the byte leading to child {@code c}; the
 * tokens whose piece ends at node {@code n} are {@code tokens[tokenStart[n] .. tokenStart[n+1])}.
 */
final class TokenTrie {

  final byte[] label;
  final int[] firstChild;
  final int[] childCount;
  final int[] tokenStart;
  final int[] tokens;
  final int vocabSize;

  private TokenTrie(byte[] label, int[] firstChild, int[] childCount, int[] tokenStart, int[] tokens,
      int vocabSize) {
    this.label = label;
    this.firstChild = firstChild;
    this.childCount = childCount;
    this.tokenStart = tokenStart;
    this.tokens = tokens;
    this.vocabSize = vocabSize;
  }

  int nodeCount() {
    return label.length;
  }

  /**
   * Builds the trie; null or empty pieces (special tokens) are left out, so they are never allowed.
   *
   * @param pieces the decoded bytes of each token, indexed by id
   */
  static TokenTrie build(byte[][] pieces) {
    // sort ids by piece bytes; then each node's children are contiguous, in byte order, breadth-free
    Integer[] order = new Integer[pieces.length];
    int m = 0;
    for (int i = 0; i < pieces.length; i++) {
      if (pieces[i] != null && pieces[i].length > 0) {
        order[m++] = i;
      }
    }
    Integer[] ids = Arrays.copyOf(order, m);
    Arrays.sort(ids, (a, b) -> Arrays.compareUnsigned(pieces[a], pieces[b]));
    // build with growable child lists, then flatten breadth-first
    List<int[]> children = new ArrayList<>(); // per node: [byte, child] pairs
    List<List<Integer>> nodeTokens = new ArrayList<>();
    List<Integer> childLists = new ArrayList<>();
    children.add(new int[0]);
    nodeTokens.add(null);
    int[] path = new int[64];
    byte[] prev = new byte[0];
    int prevDepth = 0;
    for (Integer id : ids) {
      byte[] p = pieces[id];
      if (path.length <= p.length) {
        path = Arrays.copyOf(path, p.length * 2 + 1);
      }
      int common = 0;
      int lim = Math.min(prevDepth, p.length);
      while (common < lim && prev[common] == p[common]) {
        common++;
      }
      int node = common == 0 ? 0 : path[common - 1];
      for (int d = common; d < p.length; d++) {
        int child = children.size();
        children.add(new int[0]);
        nodeTokens.add(null);
        int[] c = children.get(node);
        int[] grown = Arrays.copyOf(c, c.length + 2);
        grown[c.length] = p[d] & 0xFF;
        grown[c.length + 1] = child;
        children.set(node, grown);
        node = child;
        path[d] = node;
      }
      if (nodeTokens.get(node) == null) {
        nodeTokens.set(node, new ArrayList<>(1));
      }
      nodeTokens.get(node).add(id);
      prev = p;
      prevDepth = p.length;
    }
    childLists.clear();
    int n = children.size();
    // renumber breadth-first so that children are contiguous
    int[] newId = new int[n];
    int[] queue = new int[n];
    int head = 0;
    int tail = 0;
    queue[tail++] = 0;
    newId[0] = 0;
    while (head < tail) {
      int old = queue[head++];
      int[] c = children.get(old);
      for (int i = 0; i < c.length; i += 2) {
        newId[c[i + 1]] = tail;
        queue[tail++] = c[i + 1];
      }
    }
    byte[] label = new byte[n];
    int[] firstChild = new int[n];
    int[] childCount = new int[n];
    int[] tokenStart = new int[n + 1];
    int[] tokens = new int[m];
    int t = 0;
    for (int k = 0; k < n; k++) {
      int old = queue[k];
      int[] c = children.get(old);
      childCount[k] = c.length / 2;
      firstChild[k] = c.length == 0 ? 0 : newId[c[1]];
      for (int i = 0; i < c.length; i += 2) {
        label[newId[c[i + 1]]] = (byte) c[i];
      }
      tokenStart[k] = t;
      List<Integer> here = nodeTokens.get(old);
      if (here != null) {
        for (int id : here) {
          tokens[t++] = id;
        }
      }
    }
    tokenStart[n] = t;
    return new TokenTrie(label, firstChild, childCount, tokenStart, tokens, pieces.length);
  }
}
