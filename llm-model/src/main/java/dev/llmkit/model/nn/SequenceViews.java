package dev.llmkit.model.nn;

import dev.llmkit.tensor.Tensor;

/**
 * Per-sequence views {@code t.slice(b*block, (b+1)*block)} of (batch*block, ...) buffers, made once per
 * buffer and remembered, so that steps after the first allocate no views.
 */
final class SequenceViews {

  private static final int CAPACITY = 8;

  private final int batch;
  private final int block;
  private final Tensor[] keys = new Tensor[CAPACITY];
  private final Tensor[][] values = new Tensor[CAPACITY][];
  private int next;

  SequenceViews(int batch, int block) {
    this.batch = batch;
    this.block = block;
  }

  /** The views of {@code t}, one per sequence. */
  Tensor[] of(Tensor t) {
    for (int i = 0; i < CAPACITY; i++) {
      if (keys[i] == t) {
        return values[i];
      }
    }
    Tensor[] v = new Tensor[batch];
    for (int b = 0; b < batch; b++) {
      v[b] = t.slice(b * block, (b + 1) * block);
    }
    keys[next] = t;
    values[next] = v;
    next = (next + 1) % CAPACITY;
    return v;
  }
}
