package dev.llmkit.model.transformer;

import dev.llmkit.tensor.HeapMatrix;
import dev.llmkit.tensor.Matmul;
import dev.llmkit.tensor.Tensor;

/**
 * One linear layer of the model, {@code y = x·wᵀ + b}, with the heap copy of {@code w} that one-row
 * products use when the model made one ({@link DecodeMatrices#HEAP_COPY}).
 *
 * @param w (out, in)
 * @param b (out) or null
 * @param heap copy of w for one-row products, or null
 */
record Linear(Tensor w, Tensor b, HeapMatrix heap) {

  /** The layer over {@code w} and {@code b}, with a heap copy of {@code w} when {@code copy}; null when w is. */
  static Linear of(Tensor w, Tensor b, boolean copy) {
    return w == null ? null : new Linear(w, b, copy ? HeapMatrix.copyOf(w) : null);
  }

  /** x: (T, in) -> y: (T, out); T = 1 reads the heap copy when there is one. */
  void forward(Tensor x, Tensor y) {
    if (heap != null && x.length() == heap.cols()) {
      heap.linear(x, b, y);
    } else {
      Matmul.linear(x, w, b, y);
    }
  }

  /** Bytes a heap copy of w takes. */
  static long copyBytes(Tensor w) {
    return w == null ? 0 : 4L * w.length();
  }
}
