package dev.llmkit.model.transformer;

import dev.llmkit.tensor.Tensor;

/**
 * The keys and values of every layer for the positions a session holds: per layer two tensors
 * (capacity, kvDim), row p = position p. Sized to the need: it starts small and doubles (copying what
 * it holds) up to the context length, never beyond.
 */
final class KvCache {

  private final int nLayers;
  private final int kvDim;
  private final int maxCapacity;
  private Tensor[] keys;
  private Tensor[] values;
  private int capacity;

  /**
   * @param nLayers number of blocks
   * @param kvDim nKvHeads * headDim
   * @param maxCapacity the context length: the cache never holds more positions
   */
  KvCache(int nLayers, int kvDim, int maxCapacity) {
    this.nLayers = nLayers;
    this.kvDim = kvDim;
    this.maxCapacity = maxCapacity;
    this.keys = new Tensor[nLayers];
    this.values = new Tensor[nLayers];
    this.capacity = 0;
  }

  /** Positions the cache can hold without growing. */
  int capacity() {
    return capacity;
  }

  /**
   * Makes room for {@code needed} positions, keeping the first {@code held} rows: the capacity
   * becomes at least {@code needed}, a power of two (at least {@code minCapacity}) or the context length.
   */
  void ensureCapacity(int needed, int held, int minCapacity) {
    if (needed <= capacity) {
      return;
    }
    if (needed > maxCapacity) {
      throw new IllegalStateException(
          "KV cache of " + maxCapacity + " positions cannot hold " + needed);
    }
    int cap = Math.max(Math.max(16, minCapacity), capacity * 2);
    while (cap < needed) {
      cap *= 2;
    }
    cap = Math.min(cap, maxCapacity);
    for (int l = 0; l < nLayers; l++) {
      keys[l] = grow(keys[l], cap, held);
      values[l] = grow(values[l], cap, held);
    }
    capacity = cap;
  }

  private Tensor grow(Tensor old, int cap, int held) {
    Tensor t = Tensor.zeros(cap, kvDim);
    if (old != null && held > 0) {
      t.buffer().put(0, old.buffer(), 0, held * kvDim);
    }
    return t;
  }

  /** Layer {@code l}'s keys: (capacity, kvDim). */
  Tensor keys(int l) {
    return keys[l];
  }

  /** Layer {@code l}'s values: (capacity, kvDim). */
  Tensor values(int l) {
    return values[l];
  }

  /**
   * Copies k and v (rows 0..count-1 of (≥count, kvDim) tensors) into layer l's rows pos..pos+count-1.
   */
  void write(int l, int pos, Tensor k, Tensor v, int count) {
    keys[l].buffer().put(pos * kvDim, k.buffer(), 0, count * kvDim);
    values[l].buffer().put(pos * kvDim, v.buffer(), 0, count * kvDim);
  }

  /** Drops the memory. */
  void release() {
    keys = new Tensor[nLayers];
    values = new Tensor[nLayers];
    capacity = 0;
  }
}
