package dev.llmkit.tokenizer.bpe;

import dev.llmkit.tokenizer.IntList;
import java.util.Arrays;

/**
 * The byte-pair merge loop: given the initial symbols of one piece, repeatedly merge the adjacent
 * pair with the lowest rank (the leftmost one on a tie) until no pair merges. This is tiktoken's,
 * Hugging Face's and llama.cpp's rule; SentencePiece's highest-score-first is the same loop with
 * ranks ordered by descending score.
 *
 * <p>Short pieces use an array scan (fast for the usual 2-20 symbols); long pieces use a heap and
 * a linked list, so a piece of n symbols costs O(n log n), never O(n^2).
 *
 * <p>One instance holds scratch arrays: use it from one thread at a time (one per encode call).
 */
public final class BpeMerger {
  private static final int SMALL = 96;
  private static final int NONE = Integer.MAX_VALUE;

  private final PairTable merges;
  private int[] rank = new int[SMALL];
  private int[] result = new int[SMALL];
  // large path
  private int[] prev = new int[0];
  private int[] next = new int[0];
  private long[] heap = new long[0];

  /**
   * A merger over a table of merge rules.
   *
   * @param merges the rules
   */
  public BpeMerger(PairTable merges) {
    this.merges = merges;
  }

  /**
   * Merges the symbols {@code sym[0, n)} in place and appends the final ids to {@code out}.
   *
   * @param sym the initial symbol ids (negative ids never merge); overwritten
   * @param n the number of symbols
   * @param out where the merged ids go
   */
  public void merge(int[] sym, int n, IntList out) {
    if (n <= 1) {
      if (n == 1) {
        out.add(sym[0]);
      }
      return;
    }
    if (n <= SMALL) {
      mergeSmall(sym, n, out);
    } else {
      mergeLarge(sym, n, out);
    }
  }

  private void mergeSmall(int[] sym, int n, IntList out) {
    int[] rk = rank;
    int[] res = result;
    PairTable t = merges;
    // rk[i], res[i]: the rule of the pair (sym[i], sym[i+1]), for i < n-1
    for (int i = 0; i < n - 1; i++) {
      int s = t.find(sym[i], sym[i + 1]);
      if (s < 0) {
        rk[i] = NONE;
      } else {
        rk[i] = t.rank(s);
        res[i] = t.result(s);
      }
    }
    while (n > 1) {
      int best = NONE;
      int bi = -1;
      for (int i = 0; i < n - 1; i++) {
        if (rk[i] < best) {
          best = rk[i];
          bi = i;
        }
      }
      if (bi < 0) {
        break;
      }
      sym[bi] = res[bi];
      // drop symbol bi+1 and pair bi+1 (its old pair with bi+2 becomes pair bi)
      int tail = n - bi - 2;
      if (tail > 0) {
        System.arraycopy(sym, bi + 2, sym, bi + 1, tail);
        System.arraycopy(rk, bi + 2, rk, bi + 1, tail - 1);
        System.arraycopy(res, bi + 2, res, bi + 1, tail - 1);
      }
      n--;
      if (bi < n - 1) {
        int s = t.find(sym[bi], sym[bi + 1]);
        if (s < 0) {
          rk[bi] = NONE;
        } else {
          rk[bi] = t.rank(s);
          res[bi] = t.result(s);
        }
      }
      if (bi > 0) {
        int s = t.find(sym[bi - 1], sym[bi]);
        if (s < 0) {
          rk[bi - 1] = NONE;
        } else {
          rk[bi - 1] = t.rank(s);
          res[bi - 1] = t.result(s);
        }
      }
    }
    out.addAll(sym, 0, n);
  }

  // --- large pieces: doubly linked list of symbols + min-heap of (rank, position) ---

  private int heapSize;

  private void mergeLarge(int[] sym, int n, IntList out) {
    if (prev.length < n) {
      prev = new int[n];
      next = new int[n];
    }
    if (heap.length < n) {
      heap = new long[n];
    }
    heapSize = 0;
    PairTable t = merges;
    for (int i = 0; i < n; i++) {
      prev[i] = i - 1;
      next[i] = i + 1 < n ? i + 1 : -1;
    }
    for (int i = 0; i < n - 1; i++) {
      int s = t.find(sym[i], sym[i + 1]);
      if (s >= 0) {
        push(((long) t.rank(s) << 32) | i);
      }
    }
    while (heapSize > 0) {
      long top = pop();
      int r = (int) (top >>> 32);
      int i = (int) top;
      if (sym[i] == Integer.MIN_VALUE) {
        continue; // removed
      }
      int j = next[i];
      if (j < 0) {
        continue;
      }
      int s = t.find(sym[i], sym[j]);
      if (s < 0 || t.rank(s) != r) {
        continue; // stale entry
      }
      sym[i] = t.result(s);
      sym[j] = Integer.MIN_VALUE;
      int k = next[j];
      next[i] = k;
      if (k >= 0) {
        prev[k] = i;
        int s2 = t.find(sym[i], sym[k]);
        if (s2 >= 0) {
          push(((long) t.rank(s2) << 32) | i);
        }
      }
      int p = prev[i];
      if (p >= 0) {
        int s3 = t.find(sym[p], sym[i]);
        if (s3 >= 0) {
          push(((long) t.rank(s3) << 32) | p);
        }
      }
    }
    for (int i = 0; i >= 0; i = next[i]) {
      out.add(sym[i]);
    }
  }

  private void push(long v) {
    if (heapSize == heap.length) {
      heap = Arrays.copyOf(heap, heap.length * 2 + 16);
    }
    long[] h = heap;
    int i = heapSize++;
    while (i > 0) {
      int parent = (i - 1) >>> 1;
      if (h[parent] <= v) {
        break;
      }
      h[i] = h[parent];
      i = parent;
    }
    h[i] = v;
  }

  private long pop() {
    long[] h = heap;
    long top = h[0];
    long last = h[--heapSize];
    int n = heapSize;
    int i = 0;
    while (true) {
      int c = 2 * i + 1;
      if (c >= n) {
        break;
      }
      if (c + 1 < n && h[c + 1] < h[c]) {
        c++;
      }
      if (h[c] >= last) {
        break;
      }
      h[i] = h[c];
      i = c;
    }
    if (n > 0) {
      h[i] = last;
    }
    return top;
  }
}
