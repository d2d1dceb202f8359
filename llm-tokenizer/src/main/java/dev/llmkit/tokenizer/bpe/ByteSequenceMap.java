package dev.llmkit.tokenizer.bpe;

import java.util.Arrays;

/**
 * An open-addressing hash map from byte sequences to non-negative ints, looked up by a slice of a
 * byte array without allocating. Built once, then read-only (safe to share between threads).
 */
public final class ByteSequenceMap {
  private byte[] blob = new byte[1024];
  private int blobLen;
  private int[] offsets = new int[64];
  private int[] lengths = new int[64];
  private int[] values = new int[64];
  private int[] hashes = new int[64];
  private int[] meta = new int[3 * 64]; // per entry: offset, length, value
  private int size;
  private long[] slots = new long[128]; // hash << 32 | (entry index + 1); 0 = empty
  private int mask = 127;

  /** An empty map. */
  public ByteSequenceMap() {}

  /**
   * The number of entries.
   *
   * @return the size
   */
  public int size() {
    return size;
  }

  /**
   * The hash this map uses for a slice (pass it to {@link #get(byte[], int, int, int)} to avoid
   * computing it twice).
   *
   * @param b the array
   * @param off the first byte
   * @param len the number of bytes
   * @return the hash
   */
  public static int hash(byte[] b, int off, int len) {
    long h = 0x9E3779B97F4A7C15L ^ len;
    int i = off;
    int end = off + len;
    for (; i + 4 <= end; i += 4) {
      int w = (b[i] & 0xFF) | (b[i + 1] & 0xFF) << 8 | (b[i + 2] & 0xFF) << 16 | b[i + 3] << 24;
      h = (h ^ w) * 0x100000001B3L;
      h ^= h >>> 29;
    }
    for (; i < end; i++) {
      h = (h ^ b[i]) * 0x100000001B3L;
    }
    h *= 0x9E3779B97F4A7C15L;
    return (int) (h ^ (h >>> 32));
  }

  /**
   * Adds or replaces an entry.
   *
   * @param key the bytes (copied)
   * @param value the value, {@code >= 0}
   */
  public void put(byte[] key, int value) {
    if (value < 0) {
      throw new IllegalArgumentException("value must be >= 0, got " + value);
    }
    int h = hash(key, 0, key.length);
    int s = h & mask;
    while (slots[s] != 0) {
      int e = (int) slots[s] - 1;
      if (hashes[e] == h && lengths[e] == key.length
          && same(blob, offsets[e], key, 0, key.length)) {
        values[e] = value;
        meta[3 * e + 2] = value;
        return;
      }
      s = (s + 1) & mask;
    }
    if (size == offsets.length) {
      offsets = Arrays.copyOf(offsets, size * 2);
      lengths = Arrays.copyOf(lengths, size * 2);
      values = Arrays.copyOf(values, size * 2);
      hashes = Arrays.copyOf(hashes, size * 2);
      meta = Arrays.copyOf(meta, 3 * size * 2);
    }
    if (blobLen + key.length > blob.length) {
      blob = Arrays.copyOf(blob, Math.max(blob.length * 2, blobLen + key.length));
    }
    System.arraycopy(key, 0, blob, blobLen, key.length);
    offsets[size] = blobLen;
    lengths[size] = key.length;
    values[size] = value;
    hashes[size] = h;
    meta[3 * size] = blobLen;
    meta[3 * size + 1] = key.length;
    meta[3 * size + 2] = value;
    blobLen += key.length;
    slots[s] = ((long) h << 32) | (++size & 0xFFFFFFFFL);
    if (size * 2 > slots.length) {
      rehash(slots.length * 2);
    }
  }

  private void rehash(int capacity) {
    slots = new long[capacity];
    mask = capacity - 1;
    for (int e = 0; e < size; e++) {
      int s = hashes[e] & mask;
      while (slots[s] != 0) {
        s = (s + 1) & mask;
      }
      slots[s] = ((long) hashes[e] << 32) | ((e + 1) & 0xFFFFFFFFL);
    }
  }

  /**
   * Looks up a slice.
   *
   * @param b the array
   * @param off the first byte
   * @param len the number of bytes
   * @return the value, or -1 when absent
   */
  public int get(byte[] b, int off, int len) {
    return get(b, off, len, hash(b, off, len));
  }

  /**
   * Looks up a slice whose {@link #hash(byte[], int, int)} is known.
   *
   * @param b the array
   * @param off the first byte
   * @param len the number of bytes
   * @param h the slice's hash
   * @return the value, or -1 when absent
   */
  public int get(byte[] b, int off, int len, int h) {
    int s = h & mask;
    long[] sl = slots;
    while (true) {
      long v = sl[s];
      if (v == 0) {
        return -1;
      }
      if ((int) (v >>> 32) == h) {
        int e = (int) v - 1;
        int entry = 3 * e;
        if (meta[entry + 1] == len && same(blob, meta[entry], b, off, len)) {
          return meta[entry + 2];
        }
      }
      s = (s + 1) & mask;
    }
  }

  private static boolean same(byte[] a, int ao, byte[] b, int bo, int len) {
    if (len > 16) {
      return Arrays.equals(a, ao, ao + len, b, bo, bo + len);
    }
    for (int i = 0; i < len; i++) {
      if (a[ao + i] != b[bo + i]) {
        return false;
      }
    }
    return true;
  }

  /**
   * Looks up a whole array.
   *
   * @param key the bytes
   * @return the value, or -1 when absent
   */
  public int get(byte[] key) {
    return get(key, 0, key.length);
  }
}
