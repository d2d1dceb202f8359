package dev.llmkit.tensor;

/**
 * The weight W of a linear layer {@code y = x·Wᵀ + b}, stored however suits the kernels: in place in an
 * off-heap {@link Tensor}, as a heap copy for the one-row (decode) kernel, or quantized in GGUF blocks.
 * Implementations are immutable and thread-safe; the kernel (one-row matvec or many-row product) is
 * chosen inside {@link #linear} from the number of rows of x.
 */
public interface WeightMatrix {

  /** Rows of W: the layer's output features. */
  int rows();

  /** Columns of W: the layer's input features. */
  int cols();

  /**
   * y = x·Wᵀ, plus b when b is not null.
   *
   * <p>x: (T, cols), b: (rows) or null -> y: (T, rows), overwritten; y must not alias x.
   */
  void linear(Tensor x, Tensor b, Tensor y);

  /**
   * y = x·Wᵀ (+ b) with every row of x computed exactly as a one-row {@link #linear} computes it, so
   * that a row's result does not depend on the other rows (batched decoding, where each row is a
   * different sequence and must match that sequence decoded alone). This default runs the rows one
   * by one; implementations whose one-row kernel can take several rows per pass over the weights
   * override it, reading the weights once for all rows.
   *
   * <p>x: (T, cols), b: (rows) or null -> y: (T, rows), overwritten; y must not alias x.
   */
  default void linearRows(Tensor x, Tensor b, Tensor y) {
    int n = x.rank() == 2 ? x.dim(0) : 1;
    if (n == 1) {
      linear(x, b, y);
      return;
    }
    for (int i = 0; i < n; i++) {
      linear(x.slice(i, i + 1), b, y.slice(i, i + 1));
    }
  }

  /** Bytes one product reads from this matrix's storage (what one decode step streams). */
  long bytes();

  /** W as F32, (rows, cols): the stored tensor itself when it is one, else a new dequantized copy. */
  Tensor toTensor();
}
