package dev.llmkit.tokenizer.bpe;

import java.util.Arrays;

/**
 * BPE merge rules: the pair of adjacent symbols (left id, right id) to the merge's rank (lower
 * merges first) and the id of the merged symbol. Open addressing on {@code long} keys; built once,
 * then read-only (safe to share between threads).
 */
public final class PairTable {
  private long[] keys;
  private int[] ranks;
  private int[] results;
  private int mask;
  private int shift;
  private int size;

  /** An empty table. */
  public PairTable() {
    allocate(1024);
  }

  private void allocate(int capacity) {
    keys = new long[capacity];
    Arrays.fill(keys, -1L);
    ranks = new int[capacity];
    results = new int[capacity];
    mask = capacity - 1;
    shift = 64 - Integer.numberOfTrailingZeros(capacity);
  }

  private static long key(int left, int right) {
    return ((long) left << 32) | (right & 0xFFFFFFFFL);
  }

  private int home(long key) {
    return (int) ((key * 0x9E3779B97F4A7C15L) >>> shift);
  }

  /**
   * The number of rules.
   *
   * @return the size
   */
  public int size() {
    return size;
  }

  /**
   * Adds a rule; when the pair already has one, the rule with the lower rank is kept.
   *
   * @param left the left symbol id, {@code >= 0}
   * @param right the right symbol id, {@code >= 0}
   * @param rank the priority (lower merges first), {@code >= 0}
   * @param result the merged symbol's id
   */
  public void put(int left, int right, int rank, int result) {
    if (left < 0 || right < 0 || rank < 0) {
      throw new IllegalArgumentException(
          "merge rule needs non-negative ids and rank, got " + left + " " + right + " " + rank);
    }
    long k = key(left, right);
    int s = home(k);
    while (keys[s] != -1L) {
      if (keys[s] == k) {
        if (rank < ranks[s]) {
          ranks[s] = rank;
          results[s] = result;
        }
        return;
      }
      s = (s + 1) & mask;
    }
    keys[s] = k;
    ranks[s] = rank;
    results[s] = result;
    if (++size * 2 > keys.length) {
      long[] ok = keys;
      int[] or = ranks;
      int[] ores = results;
      allocate(keys.length * 2);
      for (int i = 0; i < ok.length; i++) {
        if (ok[i] != -1L) {
          int t = home(ok[i]);
          while (keys[t] != -1L) {
            t = (t + 1) & mask;
          }
          keys[t] = ok[i];
          ranks[t] = or[i];
          results[t] = ores[i];
        }
      }
    }
  }

  /**
   * Finds the rule of a pair.
   *
   * @param left left symbol id (negative ids never merge)
   * @param right right symbol id
   * @return a slot for {@link #rank(int)} and {@link #result(int)}, or -1 when the pair does not
   *     merge
   */
  public int find(int left, int right) {
    if ((left | right) < 0) {
      return -1;
    }
    long k = key(left, right);
    int s = home(k);
    long[] ks = keys;
    while (true) {
      long v = ks[s];
      if (v == k) {
        return s;
      }
      if (v == -1L) {
        return -1;
      }
      s = (s + 1) & mask;
    }
  }

  /**
   * The rank of a found rule.
   *
   * @param slot from {@link #find(int, int)}
   * @return the rank
   */
  public int rank(int slot) {
    return ranks[slot];
  }

  /**
   * The merged id of a found rule.
   *
   * @param slot from {@link #find(int, int)}
   * @return the merged symbol id
   */
  public int result(int slot) {
    return results[slot];
  }
}
