package dev.llmkit.tokenizer.trainer;

import dev.llmkit.tokenizer.IntList;
import dev.llmkit.tokenizer.Utf8;
import dev.llmkit.tokenizer.bpe.BytePairTokenizer;
import dev.llmkit.tokenizer.pretokenize.Cl100kPreTokenizer;
import dev.llmkit.tokenizer.pretokenize.PreTokenizer;
import dev.llmkit.tokenizer.tiktoken.TiktokenFile;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * Learns a byte-level BPE from a corpus, as minbpe's {@code RegexTokenizer} does: split the text
 * with a pattern (GPT-4's by default), start from the 256 byte tokens, and repeatedly merge the
 * most frequent adjacent pair into a new token (ids 256, 257, ...). Ties go to the pair seen first
 * in the corpus, so the result equals minbpe's.
 *
 * <p>Distinct chunks are counted once with their frequency, so a pass costs the size of the
 * distinct chunks, not of the corpus.
 */
public final class BpeTrainer {

  /** Progress of a training run. */
  @FunctionalInterface
  public interface Listener {
    /**
     * Called after each merge.
     *
     * @param mergeIndex the merge just learnt (0-based); its token id is 256 + mergeIndex
     * @param numMerges the number of merges asked for
     * @param left the left token's bytes
     * @param right the right token's bytes
     * @param count how often the pair occurred
     */
    void merged(int mergeIndex, int numMerges, byte[] left, byte[] right, long count);
  }

  private BpeTrainer() {}

  /**
   * Trains with GPT-4's split pattern and no special tokens.
   *
   * @param corpus the training text
   * @param numMerges how many merges to learn (the vocabulary has 256 + numMerges tokens)
   * @return the tokenizer
   */
  public static BytePairTokenizer train(String corpus, int numMerges) {
    return train(corpus, numMerges, Cl100kPreTokenizer.INSTANCE, List.of(), null);
  }

  /**
   * Trains a byte-level BPE.
   *
   * @param corpus the training text
   * @param numMerges how many merges to learn, {@code >= 0}; fewer are learnt when no pair is
   *     left
   * @param preTokenizer the split pattern
   * @param specialTokens special tokens, given the ids after the merges, in order
   * @param listener progress, or {@code null}
   * @return the tokenizer: ids 0..255 are bytes, 256 + k is merge k
   * @throws IllegalArgumentException if {@code numMerges} is negative
   */
  public static BytePairTokenizer train(
      String corpus,
      int numMerges,
      PreTokenizer preTokenizer,
      List<String> specialTokens,
      Listener listener) {
    Objects.requireNonNull(corpus, "corpus");
    Objects.requireNonNull(preTokenizer, "preTokenizer");
    if (numMerges < 0) {
      throw new IllegalArgumentException("numMerges must be >= 0, got " + numMerges);
    }
    // distinct chunks in order of first appearance, with their counts
    Map<String, long[]> counts = new LinkedHashMap<>();
    IntList ends = new IntList();
    preTokenizer.split(corpus, 0, corpus.length(), ends);
    int p = 0;
    for (int k = 0; k < ends.size(); k++) {
      int e = ends.get(k);
      counts.computeIfAbsent(corpus.substring(p, e), s -> new long[1])[0]++;
      p = e;
    }
    int nChunks = counts.size();
    int[][] chunks = new int[nChunks][];
    int[] lens = new int[nChunks];
    long[] weights = new long[nChunks];
    int c = 0;
    for (Map.Entry<String, long[]> e : counts.entrySet()) {
      byte[] b = Utf8.bytes(e.getKey());
      chunks[c] = new int[b.length];
      for (int i = 0; i < b.length; i++) {
        chunks[c][i] = b[i] & 0xFF;
      }
      lens[c] = b.length;
      weights[c] = e.getValue()[0];
      c++;
    }
    counts = null;

    List<byte[]> vocab = new ArrayList<>(256 + numMerges);
    for (int b = 0; b < 256; b++) {
      vocab.add(new byte[] {(byte) b});
    }
    List<int[]> merges = new ArrayList<>(numMerges);
    PairCounter counter = new PairCounter();
    for (int m = 0; m < numMerges; m++) {
      counter.clear();
      for (int i = 0; i < nChunks; i++) {
        int[] ch = chunks[i];
        long w = weights[i];
        for (int j = 0; j + 1 < lens[i]; j++) {
          counter.add(ch[j], ch[j + 1], w);
        }
      }
      long best = counter.best();
      if (best < 0) {
        break; // nothing left to merge
      }
      int left = (int) (best >>> 32);
      int right = (int) best;
      int id = 256 + m;
      for (int i = 0; i < nChunks; i++) {
        lens[i] = replace(chunks[i], lens[i], left, right, id);
      }
      byte[] lb = vocab.get(left);
      byte[] rb = vocab.get(right);
      byte[] nb = Arrays.copyOf(lb, lb.length + rb.length);
      System.arraycopy(rb, 0, nb, lb.length, rb.length);
      vocab.add(nb);
      merges.add(new int[] {left, right});
      if (listener != null) {
        listener.merged(m, numMerges, lb, rb, counter.bestCount());
      }
    }
    Map<String, Integer> specials = new LinkedHashMap<>();
    for (String s : specialTokens) {
      specials.put(s, vocab.size() + specials.size());
    }
    OptionalInt eos = specials.containsKey("<|endoftext|>")
        ? OptionalInt.of(specials.get("<|endoftext|>")) : OptionalInt.empty();
    return BytePairTokenizer.fromMerges(
        "bpe(" + merges.size() + " merges)", vocab.toArray(new byte[0][]), merges, false,
        preTokenizer, specials, Map.of(), OptionalInt.empty(), eos, "trainer");
  }

  /** Replaces each non-overlapping (left, right), left to right, by id; returns the new length. */
  private static int replace(int[] ch, int len, int left, int right, int id) {
    int w = 0;
    int r = 0;
    while (r < len) {
      if (r + 1 < len && ch[r] == left && ch[r + 1] == right) {
        ch[w++] = id;
        r += 2;
      } else {
        ch[w++] = ch[r++];
      }
    }
    return w;
  }

  /**
   * Writes the ordinary tokens of a byte-level BPE as a tiktoken rank file (id = rank).
   *
   * @param tokenizer the tokenizer
   * @param file the file
   * @throws IOException if writing fails
   */
  public static void writeTiktoken(BytePairTokenizer tokenizer, Path file) throws IOException {
    byte[][] tokens = new byte[tokenizer.vocabSize()][];
    for (int id = 0; id < tokens.length; id++) {
      if (tokenizer.isOrdinary(id)) {
        tokens[id] = tokenizer.tokenBytes(id);
      }
    }
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    try (OutputStream out = Files.newOutputStream(file)) {
      TiktokenFile.write(tokens, out);
    }
  }

  /** Pair counts with first-insertion order, for minbpe's tie-break. */
  private static final class PairCounter {
    private long[] table = new long[1 << 12]; // key + 1, 0 = empty
    private int[] slotOf = new int[1 << 12];
    private int mask = (1 << 12) - 1;
    private long[] keys = new long[1024];
    private long[] counts = new long[1024];
    private int size;
    private long bestCount;

    void clear() {
      Arrays.fill(table, 0L);
      size = 0;
    }

    private int home(long key) {
      long h = key * 0x9E3779B97F4A7C15L;
      return (int) (h ^ (h >>> 32)) & mask;
    }

    void add(int a, int b, long w) {
      long key = ((long) a << 32) | (b & 0xFFFFFFFFL);
      int s = home(key);
      while (true) {
        long t = table[s];
        if (t == 0) {
          break;
        }
        if (t == key + 1) {
          counts[slotOf[s]] += w;
          return;
        }
        s = (s + 1) & mask;
      }
      if (size == keys.length) {
        keys = Arrays.copyOf(keys, size * 2);
        counts = Arrays.copyOf(counts, size * 2);
      }
      keys[size] = key;
      counts[size] = w;
      table[s] = key + 1;
      slotOf[s] = size++;
      if (size * 2 > table.length) {
        grow();
      }
    }

    private void grow() {
      table = new long[table.length * 2];
      slotOf = new int[table.length];
      mask = table.length - 1;
      for (int i = 0; i < size; i++) {
        int s = home(keys[i]);
        while (table[s] != 0) {
          s = (s + 1) & mask;
        }
        table[s] = keys[i] + 1;
        slotOf[s] = i;
      }
    }

    /** The most frequent pair (first inserted on a tie), or -1. */
    long best() {
      int bi = -1;
      long bc = 0;
      for (int i = 0; i < size; i++) {
        if (counts[i] > bc) {
          bc = counts[i];
          bi = i;
        }
      }
      bestCount = bc;
      return bi < 0 ? -1 : keys[bi];
    }

    long bestCount() {
      return bestCount;
    }
  }
}
