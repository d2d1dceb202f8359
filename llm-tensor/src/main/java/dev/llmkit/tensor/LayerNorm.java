package dev.llmkit.tensor;

import dev.llmkit.tensor.kernel.Parallel;

import java.nio.FloatBuffer;

/**
 * Layer normalisation (Ba et al. 2016) over the last dimension:
 * {@code out = (x - mean) * rstd * weight + bias}, {@code rstd = 1 / sqrt(var + eps)} with the biased
 * variance, as GPT-2 and PyTorch's {@code nn.LayerNorm} compute it.
 *
 * <p>Rows are independent; large inputs are split by rows over the shared pool. Statistics are
 * accumulated in double in a fixed order, so results are reproducible bit for bit.
 */
public final class LayerNorm {

  private LayerNorm() {}

  /**
   * Forward pass.
   *
   * <p>x: (rows, C) -> out: (rows, C); weight, bias: (C); mean, rstd: (rows).
   *
   * @param x input; any leading dimensions are flattened into rows
   * @param weight per-channel gain γ, or null for none (all ones)
   * @param bias per-channel shift β, or null for none
   * @param eps added to the variance (GPT-2: 1e-5)
   * @param out output, same layout as x (may be x itself)
   * @param mean where to save each row's mean for the backward pass, or null
   * @param rstd where to save each row's 1/sqrt(var + eps) for the backward pass, or null
   */
  public static void forward(
      Tensor x, Tensor weight, Tensor bias, float eps, Tensor out, Tensor mean, Tensor rstd) {
    final String op = "LayerNorm.forward";
    ShapeChecks.sameLayout(op, "x", x, "out", out);
    int c = ShapeChecks.cols(x);
    int rows = ShapeChecks.rows(x);
    if (weight != null) {
      ShapeChecks.vectorOf(op, "weight", weight, c, "x", x);
    }
    if (bias != null) {
      ShapeChecks.vectorOf(op, "bias", bias, c, "x", x);
    }
    if (mean != null) {
      ShapeChecks.vectorOf(op, "mean", mean, rows, "x", x);
    }
    if (rstd != null) {
      ShapeChecks.vectorOf(op, "rstd", rstd, rows, "x", x);
    }
    if (!(eps >= 0f)) {
      throw new IllegalArgumentException(op + ": eps must be >= 0, got " + eps);
    }
    FloatBuffer px = x.buffer();
    FloatBuffer pw = weight == null ? null : weight.buffer();
    FloatBuffer pb = bias == null ? null : bias.buffer();
    FloatBuffer po = out.buffer();
    FloatBuffer pm = mean == null ? null : mean.buffer();
    FloatBuffer ps = rstd == null ? null : rstd.buffer();
    Parallel.forRange(rows, 4L * c, (r0, r1) -> {
      float[] xs = RowScratch.get(0, c);
      float[] ws = RowScratch.get(1, c);
      float[] bs = RowScratch.get(2, c);
      RowScratch.loadOr(pw, ws, c, 1f);
      RowScratch.loadOr(pb, bs, c, 0f);
      for (int r = r0; r < r1; r++) {
        int base = r * c;
        px.get(base, xs, 0, c);
        float m = (float) (RowScratch.sum(xs, c) / c);
        float rs = rstd(xs, c, m, eps);
        for (int i = 0; i < c; i++) {
          xs[i] = (xs[i] - m) * rs * ws[i] + bs[i];
        }
        po.put(base, xs, 0, c);
        if (pm != null) {
          pm.put(r, m);
        }
        if (ps != null) {
          ps.put(r, rs);
        }
      }
    });
  }

  /**
   * Backward pass; ADDS into dx, dweight and dbias (callers zero them).
   *
   * <p>dout, x: (rows, C); weight: (C); mean, rstd: (rows) as saved by {@link #forward}; dx: (rows, C);
   * dweight, dbias: (C).
   *
   * @param dout gradient of the loss with respect to the forward output
   * @param x the forward input
   * @param weight the forward gain, or null if the forward had none
   * @param mean saved row means, or null to recompute them from x
   * @param rstd saved row reciprocal standard deviations, or null to recompute them (then with the
   *     {@code eps} of {@link #backward(Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor,
   *     float)}; this overload assumes 1e-5)
   * @param dx input gradient to add into, or null if not needed
   * @param dweight gain gradient to add into, or null
   * @param dbias shift gradient to add into, or null
   */
  public static void backward(
      Tensor dout, Tensor x, Tensor weight, Tensor mean, Tensor rstd, Tensor dx, Tensor dweight,
      Tensor dbias) {
    backward(dout, x, weight, mean, rstd, dx, dweight, dbias, 1e-5f);
  }

  /**
   * As {@link #backward(Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor)}, with the
   * {@code eps} used to recompute the statistics when mean or rstd is null.
   */
  public static void backward(
      Tensor dout, Tensor x, Tensor weight, Tensor mean, Tensor rstd, Tensor dx, Tensor dweight,
      Tensor dbias, float eps) {
    final String op = "LayerNorm.backward";
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
    if (dbias != null) {
      ShapeChecks.vectorOf(op, "dbias", dbias, c, "x", x);
    }
    FloatBuffer px = x.buffer();
    FloatBuffer pg = dout.buffer();
    FloatBuffer pw = weight == null ? null : weight.buffer();
    // Row statistics: the saved ones, or recomputed exactly as the forward pass does.
    final FloatBuffer pm;
    final FloatBuffer ps;
    if (mean != null && rstd != null) {
      ShapeChecks.vectorOf(op, "mean", mean, rows, "x", x);
      ShapeChecks.vectorOf(op, "rstd", rstd, rows, "x", x);
      pm = mean.buffer();
      ps = rstd.buffer();
    } else {
      pm = FloatBuffer.allocate(rows);
      ps = FloatBuffer.allocate(rows);
      Parallel.forRange(rows, 2L * c, (r0, r1) -> {
        float[] xs = RowScratch.get(0, c);
        for (int r = r0; r < r1; r++) {
          px.get(r * c, xs, 0, c);
          float m = (float) (RowScratch.sum(xs, c) / c);
          pm.put(r, m);
          ps.put(r, rstd(xs, c, m, eps));
        }
      });
    }
    if (dx != null) {
      FloatBuffer pdx = dx.buffer();
      // dx_i += rstd · (dnorm_i − mean(dnorm) − norm_i · mean(dnorm · norm)), dnorm = weight · dout
      Parallel.forRange(rows, 6L * c, (r0, r1) -> {
        float[] xs = RowScratch.get(0, c);
        float[] gs = RowScratch.get(1, c);
        float[] ds = RowScratch.get(2, c);
        float[] ws = RowScratch.get(3, c);
        RowScratch.loadOr(pw, ws, c, 1f);
        for (int r = r0; r < r1; r++) {
          int base = r * c;
          float m = pm.get(r);
          float rs = ps.get(r);
          px.get(base, xs, 0, c);
          pg.get(base, gs, 0, c);
          double sumDnorm = 0;
          double sumDnormNorm = 0;
          for (int i = 0; i < c; i++) {
            // xs becomes norm, gs becomes dnorm
            float norm = (xs[i] - m) * rs;
            float dnorm = ws[i] * gs[i];
            xs[i] = norm;
            gs[i] = dnorm;
            sumDnorm += dnorm;
            sumDnormNorm += dnorm * norm;
          }
          float meanDnorm = (float) (sumDnorm / c);
          float meanDnormNorm = (float) (sumDnormNorm / c);
          pdx.get(base, ds, 0, c);
          for (int i = 0; i < c; i++) {
            ds[i] += (gs[i] - meanDnorm - xs[i] * meanDnormNorm) * rs;
          }
          pdx.put(base, ds, 0, c);
        }
      });
    }
    if (dweight != null || dbias != null) {
      FloatBuffer pdw = dweight == null ? null : dweight.buffer();
      FloatBuffer pdb = dbias == null ? null : dbias.buffer();
      // Parameter gradients are sums over rows: split by columns so that every column is summed by
      // one thread in row order (the same result whatever the thread count).
      Parallel.forRange(c, 3L * rows, (c0, c1) -> {
        int w = c1 - c0;
        float[] xs = RowScratch.get(0, w);
        float[] gs = RowScratch.get(1, w);
        float[] aw = RowScratch.get(2, w);
        float[] ab = RowScratch.get(3, w);
        java.util.Arrays.fill(aw, 0, w, 0f);
        java.util.Arrays.fill(ab, 0, w, 0f);
        for (int r = 0; r < rows; r++) {
          int base = r * c + c0;
          float m = pm.get(r);
          float rs = ps.get(r);
          px.get(base, xs, 0, w);
          pg.get(base, gs, 0, w);
          for (int i = 0; i < w; i++) {
            aw[i] += (xs[i] - m) * rs * gs[i];
            ab[i] += gs[i];
          }
        }
        for (int i = 0; i < w; i++) {
          if (pdw != null) {
            pdw.put(c0 + i, pdw.get(c0 + i) + aw[i]);
          }
          if (pdb != null) {
            pdb.put(c0 + i, pdb.get(c0 + i) + ab[i]);
          }
        }
      });
    }
  }

  /** {@code 1 / sqrt(var + eps)} of {@code x[0..c)} around its mean {@code m} (biased variance). */
  static float rstd(float[] x, int c, float m, float eps) {
    return (float) (1.0 / Math.sqrt(RowScratch.sumSquaredDeviations(x, c, m) / c + eps));
  }
}
