package dev.llmkit.tensor;

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
      for (int r = r0; r < r1; r++) {
        int base = r * c;
        float m = rowMean(px, base, c);
        float rs = rowRstd(px, base, c, m, eps);
        for (int i = 0; i < c; i++) {
          float n = (px.get(base + i) - m) * rs;
          if (pw != null) {
            n *= pw.get(i);
          }
          if (pb != null) {
            n += pb.get(i);
          }
          po.put(base + i, n);
        }
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
        for (int r = r0; r < r1; r++) {
          float m = rowMean(px, r * c, c);
          pm.put(r, m);
          ps.put(r, rowRstd(px, r * c, c, m, eps));
        }
      });
    }
    if (dx != null) {
      FloatBuffer pdx = dx.buffer();
      // dx_i += rstd · (dnorm_i − mean(dnorm) − norm_i · mean(dnorm · norm)), dnorm = weight · dout
      Parallel.forRange(rows, 6L * c, (r0, r1) -> {
        for (int r = r0; r < r1; r++) {
          int base = r * c;
          float m = pm.get(r);
          float rs = ps.get(r);
          double sumDnorm = 0;
          double sumDnormNorm = 0;
          for (int i = 0; i < c; i++) {
            float norm = (px.get(base + i) - m) * rs;
            float dnorm = pw == null ? pg.get(base + i) : pw.get(i) * pg.get(base + i);
            sumDnorm += dnorm;
            sumDnormNorm += dnorm * norm;
          }
          float meanDnorm = (float) (sumDnorm / c);
          float meanDnormNorm = (float) (sumDnormNorm / c);
          for (int i = 0; i < c; i++) {
            float norm = (px.get(base + i) - m) * rs;
            float dnorm = pw == null ? pg.get(base + i) : pw.get(i) * pg.get(base + i);
            pdx.put(base + i, pdx.get(base + i) + (dnorm - meanDnorm - norm * meanDnormNorm) * rs);
          }
        }
      });
    }
    if (dweight != null || dbias != null) {
      FloatBuffer pdw = dweight == null ? null : dweight.buffer();
      FloatBuffer pdb = dbias == null ? null : dbias.buffer();
      // Parameter gradients are sums over rows: split by columns so that every column is summed by
      // one thread in row order (reproducible whatever the thread count).
      Parallel.forRange(c, 3L * rows, (c0, c1) -> {
        for (int r = 0; r < rows; r++) {
          int base = r * c;
          float m = pm.get(r);
          float rs = ps.get(r);
          for (int i = c0; i < c1; i++) {
            float g = pg.get(base + i);
            if (pdw != null) {
              pdw.put(i, pdw.get(i) + (px.get(base + i) - m) * rs * g);
            }
            if (pdb != null) {
              pdb.put(i, pdb.get(i) + g);
            }
          }
        }
      });
    }
  }

  /** Mean of {@code x[base .. base+c)}, accumulated in double with four independent partial sums. */
  static float rowMean(FloatBuffer x, int base, int c) {
    double s0 = 0;
    double s1 = 0;
    double s2 = 0;
    double s3 = 0;
    int i = 0;
    for (; i + 3 < c; i += 4) {
      s0 += x.get(base + i);
      s1 += x.get(base + i + 1);
      s2 += x.get(base + i + 2);
      s3 += x.get(base + i + 3);
    }
    for (; i < c; i++) {
      s0 += x.get(base + i);
    }
    return (float) (((s0 + s1) + (s2 + s3)) / c);
  }

  /** {@code 1 / sqrt(var + eps)} of {@code x[base .. base+c)} around mean {@code m} (biased variance). */
  static float rowRstd(FloatBuffer x, int base, int c, float m, float eps) {
    double s0 = 0;
    double s1 = 0;
    int i = 0;
    for (; i + 1 < c; i += 2) {
      double d0 = x.get(base + i) - m;
      double d1 = x.get(base + i + 1) - m;
      s0 += d0 * d0;
      s1 += d1 * d1;
    }
    for (; i < c; i++) {
      double d = x.get(base + i) - m;
      s0 += d * d;
    }
    return (float) (1.0 / Math.sqrt((s0 + s1) / c + eps));
  }
}
