package dev.llmkit.tensor;

import dev.llmkit.tensor.kernel.Parallel;

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
      float[] xs = RowScratch.get(0, c);
      float[] ws = RowScratch.get(1, c);
      RowScratch.loadOr(pw, ws, c, 1f);
      for (int r = r0; r < r1; r++) {
        int base = r * c;
        px.get(base, xs, 0, c);
        float rs = rstd(xs, c, eps);
        for (int i = 0; i < c; i++) {
          xs[i] = xs[i] * rs * ws[i];
        }
        po.put(base, xs, 0, c);
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
        float[] xs = RowScratch.get(0, c);
        for (int r = r0; r < r1; r++) {
          px.get(r * c, xs, 0, c);
          ps.put(r, rstd(xs, c, eps));
        }
      });
    }
    if (dx != null) {
      FloatBuffer pdx = dx.buffer();
      Parallel.forRange(rows, 5L * c, (r0, r1) -> {
        float[] xs = RowScratch.get(0, c);
        float[] gs = RowScratch.get(1, c);
        float[] ds = RowScratch.get(2, c);
        float[] ws = RowScratch.get(3, c);
        RowScratch.loadOr(pw, ws, c, 1f);
        for (int r = r0; r < r1; r++) {
          int base = r * c;
          float rs = ps.get(r);
          px.get(base, xs, 0, c);
          pg.get(base, gs, 0, c);
          for (int i = 0; i < c; i++) {
            gs[i] *= ws[i]; // gs becomes w · dout
          }
          float k = (float) (RowScratch.dot(gs, xs, c) / c) * rs * rs;
          pdx.get(base, ds, 0, c);
          for (int i = 0; i < c; i++) {
            ds[i] += rs * (gs[i] - xs[i] * k);
          }
          pdx.put(base, ds, 0, c);
        }
      });
    }
    if (dweight != null) {
      FloatBuffer pdw = dweight.buffer();
      // Sum over rows split by columns: each column summed by one thread in row order.
      Parallel.forRange(c, 2L * rows, (c0, c1) -> {
        int w = c1 - c0;
        float[] xs = RowScratch.get(0, w);
        float[] gs = RowScratch.get(1, w);
        float[] aw = RowScratch.get(2, w);
        java.util.Arrays.fill(aw, 0, w, 0f);
        for (int r = 0; r < rows; r++) {
          int base = r * c + c0;
          float rs = ps.get(r);
          px.get(base, xs, 0, w);
          pg.get(base, gs, 0, w);
          for (int i = 0; i < w; i++) {
            aw[i] += gs[i] * xs[i] * rs;
          }
        }
        for (int i = 0; i < w; i++) {
          pdw.put(c0 + i, pdw.get(c0 + i) + aw[i]);
        }
      });
    }
  }

  /** {@code 1 / sqrt(mean(x²) + eps)} of {@code x[0..c)}, in double. */
  static float rstd(float[] x, int c, float eps) {
    return (float) (1.0 / Math.sqrt(RowScratch.dot(x, x, c) / c + eps));
  }
}
