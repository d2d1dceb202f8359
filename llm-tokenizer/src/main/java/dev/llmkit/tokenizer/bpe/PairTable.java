package dev.llmkit.tokenizer.bpe;

import java.util.Arrays;

/**
 * BPE merge rules: the pair of adjacent symbols (left id, right id) to the merge's rank (lower
 * merges first) and the id of the merged symbol. Open addressing on {@code long} keys, key and
 * value side by side in one array (one cache miss per lookup); built once, then read-only (safe
 * to share between threads).
 */
public final class PairTable {
  private static final long EMPTY = -1L;
  // slot s: table[2s] = key, table[2s+1] = rank << 32 | result
  private long[] table;
  private int mask;
  private int shift;
  private int size;

  /** An empty table. */
  public PairTable() {
    allocate(1024);
  }

  private void allocate(int capacity) {
    table = new long[2 * capacity];
    for (int i = 0; i < table.length; i += 2) {
      table[i] = EMPTY;
    }
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
   * @param result the merged symbol's id, {@code >= 0}
   */
  public void put(int left, int right, int rank, int result) {
    if (left < 0 || right < 0 || rank < 0 || result < 0) {
      throw new IllegalArgumentException(
          "merge rule needs non-negative ids and rank, got " + left + " " + right + " " + rank
              + " " + result);
    }
    long k = key(left, right);
    long v = ((long) rank << 32) | result;
    int s = home(k);
    while (table[2 * s] != EMPTY) {
      if (table[2 * s] == k) {
        if (rank < (int) (table[2 * s + 1] >>> 32)) {
          table[2 * s + 1] = v;
        }
        return;
      }
      s = (s + 1) & mask;
    }
    table[2 * s] = k;
    table[2 * s + 1] = v;
    if (++size * 2 > mask + 1) {
      long[] old = table;
      allocate((mask + 1) * 2);
      for (int i = 0; i < old.length; i += 2) {
        if (old[i] != EMPTY) {
          int t = home(old[i]);
          while (table[2 * t] != EMPTY) {
            t = (t + 1) & mask;
          }
          table[2 * t] = old[i];
          table[2 * t + 1] = old[i + 1];
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
    long[] t = table;
    while (true) {
      long v = t[2 * s];
      if (v == k) {
        return s;
      }
      if (v == EMPTY) {
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
    return (int) (table[2 * slot + 1] >>> 32);
  }

  /**
   * The merged id of a found rule.
   *
   * @param slot from {@link #find(int, int)}
   * @return the merged symbol id
   */
  public int result(int slot) {
    return (int) table[2 * slot + 1];
  }
}
