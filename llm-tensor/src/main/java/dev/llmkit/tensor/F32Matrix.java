package dev.llmkit.tensor;

/**
 * A {@link WeightMatrix} read in place from its F32 {@link Tensor} (off-heap or memory-mapped): one
 * row through BLAS sgemv, more rows through sgemm ({@link Matmul#linear}). Costs no extra memory and
 * sees later changes of the tensor (training updates its parameters in place).
 */
public final class F32Matrix implements WeightMatrix {

  private final Tensor w;

  private F32Matrix(Tensor w) {
    this.w = w;
  }

  /**
   * The matrix {@code w: (rows, cols)}, kept (not copied).
   *
   * @throws IllegalArgumentException when {@code w} is null or not 2-D
   */
  public static F32Matrix of(Tensor w) {
    if (w == null || w.rank() != 2) {
      throw new IllegalArgumentException(
          "F32Matrix: expected a 2-D weight matrix, got " + (w == null ? "null" : w.shapeString()));
    }
    return new F32Matrix(w);
  }

  @Override
  public int rows() {
    return w.dim(0);
  }

  @Override
  public int cols() {
    return w.dim(1);
  }

  @Override
  public void linear(Tensor x, Tensor b, Tensor y) {
    // x: (T, cols), w: (rows, cols) -> y: (T, rows)
    Matmul.linear(x, w, b, y);
  }

  @Override
  public long bytes() {
    return 4L * w.length();
  }

  @Override
  public Tensor toTensor() {
    return w;
  }
}
