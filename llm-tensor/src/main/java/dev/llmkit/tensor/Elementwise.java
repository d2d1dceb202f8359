package dev.llmkit.tensor;

import dev.llmkit.tensor.kernel.Parallel;

import java.nio.FloatBuffer;

/**
 * Fused elementwise kernels: each is one pass over the memory in a Java loop (one ND4J call per op
 * would cost ~7 µs each), split over the shared pool when the tensor is large.
 *
 * <p>Operands must have the same number of elements and the same last dimension (a {@code (B, T, C)}
 * tensor matches its {@code (B*T, C)} view). An output may be the same tensor as an input.
 */
public final class Elementwise {

  /** Work per element for the pool's serial threshold (see {@link Parallel#forRange}). */
  private static final long WORK_PER_ELEMENT = 1;

  private Elementwise() {}

  /**
   * {@code out = a + b}.
   *
   * <p>a, b, out: (..., C), same layout.
   */
  public static void add(Tensor a, Tensor b, Tensor out) {
    ShapeChecks.sameLayout("Elementwise.add", "a", a, "b", b);
    ShapeChecks.sameLayout("Elementwise.add", "a", a, "out", out);
    FloatBuffer pa = a.buffer();
    FloatBuffer pb = b.buffer();
    FloatBuffer po = out.buffer();
    Parallel.forRange(a.length(), WORK_PER_ELEMENT, (from, to) -> {
      for (int i = from; i < to; i++) {
        po.put(i, pa.get(i) + pb.get(i));
      }
    });
  }

  /**
   * {@code acc += b}.
   *
   * <p>acc, b: (..., C), same layout.
   */
  public static void addInPlace(Tensor acc, Tensor b) {
    ShapeChecks.sameLayout("Elementwise.addInPlace", "acc", acc, "b", b);
    FloatBuffer pa = acc.buffer();
    FloatBuffer pb = b.buffer();
    Parallel.forRange(acc.length(), WORK_PER_ELEMENT, (from, to) -> {
      for (int i = from; i < to; i++) {
        pa.put(i, pa.get(i) + pb.get(i));
      }
    });
  }

  /**
   * {@code out = s · a}.
   *
   * <p>a, out: (..., C), same layout.
   */
  public static void scale(Tensor a, float s, Tensor out) {
    ShapeChecks.sameLayout("Elementwise.scale", "a", a, "out", out);
    FloatBuffer pa = a.buffer();
    FloatBuffer po = out.buffer();
    Parallel.forRange(a.length(), WORK_PER_ELEMENT, (from, to) -> {
      for (int i = from; i < to; i++) {
        po.put(i, s * pa.get(i));
      }
    });
  }

  /**
   * {@code y += alpha · x} (BLAS axpy).
   *
   * <p>x, y: (..., C), same layout.
   */
  public static void axpy(float alpha, Tensor x, Tensor y) {
    ShapeChecks.sameLayout("Elementwise.axpy", "x", x, "y", y);
    FloatBuffer px = x.buffer();
    FloatBuffer py = y.buffer();
    Parallel.forRange(x.length(), WORK_PER_ELEMENT, (from, to) -> {
      for (int i = from; i < to; i++) {
        py.put(i, py.get(i) + alpha * px.get(i));
      }
    });
  }

  /**
   * {@code out = a ⊙ b} (elementwise product).
   *
   * <p>a, b, out: (..., C), same layout.
   */
  public static void mul(Tensor a, Tensor b, Tensor out) {
    ShapeChecks.sameLayout("Elementwise.mul", "a", a, "b", b);
    ShapeChecks.sameLayout("Elementwise.mul", "a", a, "out", out);
    FloatBuffer pa = a.buffer();
    FloatBuffer pb = b.buffer();
    FloatBuffer po = out.buffer();
    Parallel.forRange(a.length(), WORK_PER_ELEMENT, (from, to) -> {
      for (int i = from; i < to; i++) {
        po.put(i, pa.get(i) * pb.get(i));
      }
    });
  }

  /**
   * {@code x[r, :] += bias} for every row r, in place.
   *
   * <p>x: (rows, C), bias: (C).
   */
  public static void addBias(Tensor x, Tensor bias) {
    ShapeChecks.nonNull("Elementwise.addBias", "x", x);
    int c = ShapeChecks.cols(x);
    int rows = ShapeChecks.rows(x);
    ShapeChecks.nonNull("Elementwise.addBias", "bias", bias);
    if (bias.length() != c) {
      throw new IllegalArgumentException(
          "Elementwise.addBias: bias has shape " + bias.shapeString() + " but x has shape "
              + x.shapeString() + " (expected " + c + " elements)");
    }
    FloatBuffer px = x.buffer();
    FloatBuffer pb = bias.buffer();
    Parallel.forRange(rows, c, (r0, r1) -> {
      for (int r = r0; r < r1; r++) {
        int base = r * c;
        for (int i = 0; i < c; i++) {
          px.put(base + i, px.get(base + i) + pb.get(i));
        }
      }
    });
  }

  /**
   * The residual connection {@code out = x + delta} (out may be x, i.e. the residual stream updated in
   * place).
   *
   * <p>x, delta, out: (..., C), same layout.
   */
  public static void residualAdd(Tensor x, Tensor delta, Tensor out) {
    ShapeChecks.sameLayout("Elementwise.residualAdd", "x", x, "delta", delta);
    ShapeChecks.sameLayout("Elementwise.residualAdd", "x", x, "out", out);
    FloatBuffer px = x.buffer();
    FloatBuffer pd = delta.buffer();
    FloatBuffer po = out.buffer();
    Parallel.forRange(x.length(), WORK_PER_ELEMENT, (from, to) -> {
      for (int i = from; i < to; i++) {
        po.put(i, px.get(i) + pd.get(i));
      }
    });
  }

  /**
   * The residual connection with the sublayer's bias fused in: {@code out = x + delta + bias} per row
   * (for a projection computed without its bias).
   *
   * <p>x, delta, out: (rows, C), same layout; bias: (C).
   */
  public static void residualAddBias(Tensor x, Tensor delta, Tensor bias, Tensor out) {
    ShapeChecks.sameLayout("Elementwise.residualAddBias", "x", x, "delta", delta);
    ShapeChecks.sameLayout("Elementwise.residualAddBias", "x", x, "out", out);
    int c = ShapeChecks.cols(x);
    int rows = ShapeChecks.rows(x);
    ShapeChecks.vectorOf("Elementwise.residualAddBias", "bias", bias, c, "x", x);
    FloatBuffer px = x.buffer();
    FloatBuffer pd = delta.buffer();
    FloatBuffer pb = bias.buffer();
    FloatBuffer po = out.buffer();
    Parallel.forRange(rows, c, (r0, r1) -> {
      for (int r = r0; r < r1; r++) {
        int base = r * c;
        for (int i = 0; i < c; i++) {
          po.put(base + i, px.get(base + i) + pd.get(base + i) + pb.get(i));
        }
      }
    });
  }
}
