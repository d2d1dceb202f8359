package dev.llmkit.tensor;

import java.nio.FloatBuffer;

/**
 * Root-mean-square normalisation (Zhang and Sennrich 2019) over the last dimension, as Llama and
 * llama2.c compute it: {@code out = x · rstd · weight}, {@code rstd = 1 / sqrt(mean(x²) + eps)}.
 *
 * <p>Rows are independent; large inputs are split by rows over the shared pool. Sums are accumulated
 * in double in a fixed order, so results are reproducible bit for bit.
 */
public final class RmsNorm {

  private RmsNorm() {}

  /**
   * Forward pass.
   *
   * <p>x: (rows, C) -> out: (rows, C); weight: (C); rstd: (rows).
   *
   * @param x input; any leading dimensions are flattened into rows
   * @param weight per-channel gain, or null for none (all ones)
   * @param eps added to the mean square (from the model config, e.g. 1e-5 or 1e-6)
   * @param out output, same layout as x (may be x itself)
   * @param rstd where to save each row's 1/sqrt(mean(x²) + eps) for the backward pass, or null
   */
  public static void forward(Tensor x, Tensor weight, float eps, Tensor out, Tensor rstd) {
    final String op = "RmsNorm.forward";
    ShapeChecks.sameLayout(op, "x", x, "out", out);
    int c = ShapeChecks.cols(x);
    int rows = ShapeChecks.rows(x);
    if (weight != null) {
      ShapeChecks.vectorOf(op, "weight", weight, c, "x", x);
    }
    if (rstd != null) {
      ShapeChecks.vectorOf(op, "rstd", rstd, rows, "x", x);
    }
    if (!(eps >= 0f)) {
      throw new IllegalArgumentException(op + ": eps must be >= 0, got " + eps);
    }
    FloatBuffer px = x.buffer();
    FloatBuffer pw = weight == null ? null : weight.buffer();
    FloatBuffer po = out.buffer();
    FloatBuffer ps = rstd == null ? null : rstd.buffer();
    Parallel.forRange(rows, 3L * c, (r0, r1) -> {
      for (int r = r0; r < r1; r++) {
        int base = r * c;
        float rs = rowRstd(px, base, c, eps);
        if (pw != null) {
          for (int i = 0; i < c; i++) {
            po.put(base + i, px.get(base + i) * rs * pw.get(i));
          }
        } else {
          for (int i = 0; i < c; i++) {
            po.put(base + i, px.get(base + i) * rs);
          }
        }
        if (ps != null) {
          ps.put(r, rs);
        }
      }
    });
  }

  /**
   * Backward pass; ADDS into dx and dweight (callers zero them).
   *
   * <p>With {@code r = rstd}: {@code dx_j += r · (w_j·dout_j − x_j · r² · mean_i(dout_i·w_i·x_i))},
   * {@code dweight_i += Σ_rows dout_i · x_i · r}.
   *
   * <p>dout, x: (rows, C); weight: (C); rstd: (rows) as saved by {@link #forward}; dx: (rows, C);
   * dweight: (C).
   *
   * @param dout gradient of the loss with respect to the forward output
   * @param x the forward input
   * @param weight the forward gain, or null if the forward had none
   * @param rstd saved row statistics, or null to recompute them (with eps 1e-5; see the overload)
   * @param dx input gradient to add into, or null if not needed
   * @param dweight gain gradient to add into, or null
   */
  public static void backward(
      Tensor dout, Tensor x, Tensor weight, Tensor rstd, Tensor dx, Tensor dweight) {
    backward(dout, x, weight, rstd, dx, dweight, 1e-5f);
  }

  /**
   * As {@link #backward(Tensor, Tensor, Tensor, Tensor, Tensor, Tensor)}, with the {@code eps} used to
   * recompute rstd when it is null.
   */
  public static void backward(
      Tensor dout, Tensor x, Tensor weight, Tensor rstd, Tensor dx, Tensor dweight, float eps) {
    final String op = "RmsNorm.backward";
    ShapeChecks.sameLayout(op, "x", x, "dout", dout);
    int c = ShapeChecks.cols(x);
    int rows = ShapeChecks.rows(x);
    if (weight != null) {
      ShapeChecks.vectorOf(op, "weight", weight, c, "x", x);
    }
    if (dx != null) {
      ShapeChecks.sameLayout(op, "x", x, "dx", dx);
    }
    if (dweight != null) {
      ShapeChecks.vectorOf(op, "dweight", dweight, c, "x", x);
    }
    FloatBuffer px = x.buffer();
    FloatBuffer pg = dout.buffer();
    FloatBuffer pw = weight == null ? null : weight.buffer();
    final FloatBuffer ps;
    if (rstd != null) {
      ShapeChecks.vectorOf(op, "rstd", rstd, rows, "x", x);
      ps = rstd.buffer();
    } else {
      ps = FloatBuffer.allocate(rows);
      Parallel.forRange(rows, 2L * c, (r0, r1) -> {
        for (int r = r0; r < r1; r++) {
          ps.put(r, rowRstd(px, r * c, c, eps));
        }
      });
    }
    if (dx != null) {
      FloatBuffer pdx = dx.buffer();
      Parallel.forRange(rows, 5L * c, (r0, r1) -> {
        for (int r = r0; r < r1; r++) {
          int base = r * c;
          float rs = ps.get(r);
          double dot = 0;
          for (int i = 0; i < c; i++) {
            float wg = pw == null ? pg.get(base + i) : pw.get(i) * pg.get(base + i);
            dot += wg * px.get(base + i);
          }
          float k = (float) (dot / c) * rs * rs;
          for (int i = 0; i < c; i++) {
            float wg = pw == null ? pg.get(base + i) : pw.get(i) * pg.get(base + i);
            pdx.put(base + i, pdx.get(base + i) + rs * (wg - px.get(base + i) * k));
          }
        }
      });
    }
    if (dweight != null) {
      FloatBuffer pdw = dweight.buffer();
      // Sum over rows split by columns: each column summed by one thread in row order.
      Parallel.forRange(c, 2L * rows, (c0, c1) -> {
        for (int r = 0; r < rows; r++) {
          int base = r * c;
          float rs = ps.get(r);
          for (int i = c0; i < c1; i++) {
            pdw.put(i, pdw.get(i) + pg.get(base + i) * px.get(base + i) * rs);
          }
        }
      });
    }
  }

  /** {@code 1 / sqrt(mean(x²) + eps)} of {@code x[base .. base+c)}, in double. */
  static float rowRstd(FloatBuffer x, int base, int c, float eps) {
    double s0 = 0;
    double s1 = 0;
    double s2 = 0;
    double s3 = 0;
    int i = 0;
    for (; i + 3 < c; i += 4) {
      double a = x.get(base + i);
      double b = x.get(base + i + 1);
      double d = x.get(base + i + 2);
      double e = x.get(base + i + 3);
      s0 += a * a;
      s1 += b * b;
      s2 += d * d;
      s3 += e * e;
    }
    for (; i < c; i++) {
      double a = x.get(base + i);
      s0 += a * a;
    }
    return (float) (1.0 / Math.sqrt(((s0 + s1) + (s2 + s3)) / c + eps));
  }
}
