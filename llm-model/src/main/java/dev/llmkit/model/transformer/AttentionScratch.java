package dev.llmkit.model.transformer;

import dev.llmkit.tensor.DecodeAttention;
import dev.llmkit.tensor.Tensor;

/**
 * A session's attention scratch: the decode path's {@link DecodeAttention}, the chunk path's
 * {@link PrefillAttention}, and row-major key and
 * value tensors that a chunk continuing a session (T > 1 at position > 0) hands the general kernel,
 * grown on demand.
 */
final class AttentionScratch {

  final DecodeAttention decode;
  final PrefillAttention prefill;
  private final int kvDim;
  private Tensor keys;
  private Tensor values;

  AttentionScratch(int nHeads, int nKvHeads, int headDim, int contextLength) {
    this.decode = new DecodeAttention(nHeads, nKvHeads, headDim, contextLength);
    this.prefill = new PrefillAttention(nHeads, nKvHeads, headDim);
    this.kvDim = nKvHeads * headDim;
  }

  /** (≥length, kvDim) key tensor. */
  Tensor keys(int length) {
    grow(length);
    return keys;
  }

  /** (≥length, kvDim) value tensor. */
  Tensor values(int length) {
    grow(length);
    return values;
  }

  private void grow(int length) {
    if (keys == null || keys.dim(0) < length) {
      int rows = Integer.highestOneBit(Math.max(length - 1, 1)) << 1;
      keys = Tensor.zeros(rows, kvDim);
      values = Tensor.zeros(rows, kvDim);
    }
  }
}
