package dev.llmkit.tensor;

/**
 * The keys and values of every layer for the positions a session holds, in the layout the decode
 * step reads fastest: per layer, keys transposed {@code kT[c][p]} (c = kvHead*headDim + d, so each
 * head's keys for one dimension are contiguous over positions) and values row-major {@code v[p][c]},
 * in Java arrays. Sized to the need: it starts small and doubles (copying what it holds) up to the
 * context length, never beyond. Read and written by {@link CachedAttention}; not thread-safe (one per
 * session).
 */
public final class KvCache {

  private final int nLayers;
  private final int kvDim;
  private final int maxCapacity;
  /** Per layer (kvDim, capacity): keys transposed. */
  private float[][] keysT;
  /** Per layer (capacity, kvDim): values. */
  private float[][] values;
  private int capacity;
  /** (kvDim) one key row, for writes of single positions. */
  private final float[] row;

  /**
   * @param nLayers number of blocks
   * @param kvDim nKvHeads * headDim
   * @param maxCapacity the context length: the cache never holds more positions
   */
  public KvCache(int nLayers, int kvDim, int maxCapacity) {
    this.nLayers = nLayers;
    this.kvDim = kvDim;
    this.maxCapacity = maxCapacity;
    this.keysT = new float[nLayers][];
    this.values = new float[nLayers][];
    this.row = new float[kvDim];
  }

  /** Positions the cache can hold without growing. */
  public int capacity() {
    return capacity;
  }

  /**
   * Makes room for {@code needed} positions, keeping the first {@code held}: the capacity becomes
   * at least {@code needed}: a power of two (at least {@code minCapacity} and 64) or the context
   * length, rounded up to {@link DecodeAttention#STRIDE_MULTIPLE}.
   */
  public void ensureCapacity(int needed, int held, int minCapacity) {
    if (needed <= capacity) {
      return;
    }
    if (needed > maxCapacity) {
      throw new IllegalStateException(
          "KV cache of " + maxCapacity + " positions cannot hold " + needed);
    }
    int cap = Math.max(Math.max(DecodeAttention.STRIDE_MULTIPLE, minCapacity), capacity * 2);
    while (cap < needed) {
      cap *= 2;
    }
    // the decode kernel reads whole blocks of positions: the stride is a multiple of its block
    cap = DecodeAttention.paddedStride(Math.min(cap, maxCapacity));
    for (int l = 0; l < nLayers; l++) {
      float[] kt = new float[kvDim * cap];
      float[] v = new float[cap * kvDim];
      if (held > 0) {
        for (int c = 0; c < kvDim; c++) {
          System.arraycopy(keysT[l], c * capacity, kt, c * cap, held);
        }
        System.arraycopy(values[l], 0, v, 0, held * kvDim);
      }
      keysT[l] = kt;
      values[l] = v;
    }
    capacity = cap;
  }

  /** Layer l's keys, transposed: element (c, p) at {@code c * capacity() + p}. */
  float[] keysT(int l) {
    return keysT[l];
  }

  /** Layer l's values: element (p, c) at {@code p * kvDim + c}. */
  float[] values(int l) {
    return values[l];
  }

  /**
   * Stores rows 0..count-1 of k and v, (≥count, kvDim) tensors, as layer l's positions
   * pos..pos+count-1.
   */
  void write(int l, int pos, Tensor k, Tensor v, int count) {
    v.buffer().get(0, values[l], pos * kvDim, count * kvDim);
    float[] kt = keysT[l];
    for (int t = 0; t < count; t++) {
      k.buffer().get(t * kvDim, row, 0, kvDim);
      int p = pos + t;
      for (int c = 0; c < kvDim; c++) {
        kt[c * capacity + p] = row[c];
      }
    }
  }

  /**
   * Copies layer l's positions 0..length-1 into row-major tensors (length, kvDim), as the general
   * attention kernel takes them.
   */
  void copyTo(int l, int length, Tensor k, Tensor v) {
    v.buffer().put(0, values[l], 0, length * kvDim);
    float[] kt = keysT[l];
    for (int p = 0; p < length; p++) {
      for (int c = 0; c < kvDim; c++) {
        row[c] = kt[c * capacity + p];
      }
      k.buffer().put(p * kvDim, row, 0, kvDim);
    }
  }

  /**
   * This cache becomes a copy of {@code other}'s first {@code held} positions (what it held before
   * is forgotten; it grows if needed). Both caches must have the same shape (layers, kvDim).
   *
   * @throws IllegalArgumentException when the shapes differ or held is out of range
   */
  public void copyFrom(KvCache other, int held) {
    if (other.nLayers != nLayers || other.kvDim != kvDim) {
      throw new IllegalArgumentException(
          "KvCache.copyFrom: a cache of " + other.nLayers + " layers x " + other.kvDim
              + " into one of " + nLayers + " x " + kvDim);
    }
    if (held < 0 || held > other.capacity) {
      throw new IllegalArgumentException(
          "KvCache.copyFrom: " + held + " positions of a cache holding room for " + other.capacity);
    }
    if (held == 0) {
      return;
    }
    ensureCapacity(held, 0, 0);
    for (int l = 0; l < nLayers; l++) {
      float[] src = other.keysT[l];
      float[] dst = keysT[l];
      for (int c = 0; c < kvDim; c++) {
        System.arraycopy(src, c * other.capacity, dst, c * capacity, held);
      }
      System.arraycopy(other.values[l], 0, values[l], 0, held * kvDim);
    }
  }

  /**
   * llama.cpp's context shift: forgets positions {@code keep..keep+discard-1} of the {@code held}
   * ones, moves positions {@code keep+discard..held-1} down by {@code discard}, and re-rotates their
   * keys by {@code -discard} positions, in place, recomputing nothing. Rotary rotations compose,
   * {@code R(p - d) = R(-d) R(p)}, so a moved key becomes the key its unrotated projection would
   * give at its new position (up to float rounding); values carry no position and only move. The
   * moved rows keep what attention gave them while the forgotten tokens were still in context:
   * for the first layer (whose keys and values depend on the token and position only) the result
   * equals a fresh forward over the kept tokens, for later layers it does not.
   *
   * @param keep positions kept at the start (llama.cpp's n_keep)
   * @param discard positions forgotten after them, {@code >= 1}
   * @param held positions the cache holds now
   * @param table the model's rotary table (it must cover position {@code discard})
   * @param style the model's pairing of dimensions
   */
  public void shift(int keep, int discard, int held, RopeTable table, RopeStyle style) {
    if (keep < 0 || discard < 1 || keep + discard > held || held > capacity) {
      throw new IllegalArgumentException(
          "KV cache shift: keep " + keep + ", discard " + discard + " of " + held
              + " held positions (capacity " + capacity + ")");
    }
    int headDim = table.headDim();
    if (kvDim % headDim != 0 || discard >= table.maxPositions()) {
      throw new IllegalArgumentException(
          "KV cache shift: kvDim " + kvDim + " and a RopeTable of headDim " + headDim + " over "
              + table.maxPositions() + " positions cannot rotate by " + discard);
    }
    int moved = held - keep - discard;
    int half = headDim / 2;
    boolean adjacent = style == RopeStyle.ADJACENT_PAIRS;
    for (int l = 0; l < nLayers; l++) {
      float[] kt = keysT[l];
      for (int c = 0; c < kvDim; c++) {
        System.arraycopy(kt, c * capacity + keep + discard, kt, c * capacity + keep, moved);
      }
      System.arraycopy(values[l], (keep + discard) * kvDim, values[l], keep * kvDim, moved * kvDim);
      // every moved key, pair i of each head: rotate by the angle of position -discard
      for (int hb = 0; hb < kvDim; hb += headDim) {
        for (int i = 0; i < half; i++) {
          // the pure rotation of the table's angle (a table that scales cos/sin, as YaRN's
          // attention factor does, scales each key once, when it is written, not again here)
          double c0 = table.cos(discard, i);
          double s0 = table.sin(discard, i);
          double r = Math.hypot(c0, s0);
          float cs = (float) (c0 / r);
          float sn = (float) (-s0 / r);
          int a0 = (adjacent ? hb + 2 * i : hb + i) * capacity + keep;
          int b0 = (adjacent ? hb + 2 * i + 1 : hb + i + half) * capacity + keep;
          for (int p = 0; p < moved; p++) {
            float a = kt[a0 + p];
            float b = kt[b0 + p];
            kt[a0 + p] = a * cs - b * sn;
            kt[b0 + p] = a * sn + b * cs;
          }
        }
      }
    }
  }

  /** Drops the memory. */
  public void release() {
    keysT = new float[nLayers][];
    values = new float[nLayers][];
    capacity = 0;
  }
}
