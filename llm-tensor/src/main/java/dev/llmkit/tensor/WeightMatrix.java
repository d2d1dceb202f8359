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

  /** Bytes one product reads from this matrix's storage (what one decode step streams). */
  long bytes();

  /** W as F32, (rows, cols): the stored tensor itself when it is one, else a new dequantized copy. */
  Tensor toTensor();
}
