package dev.llmkit.tensor;

import dev.llmkit.tensor.kernel.Parallel;

import java.nio.FloatBuffer;

/**
 * Row-wise softmax and log-softmax over the last dimension, numerically stable (the row maximum is
 * subtracted before exponentiating; sums are accumulated in double), with their backward passes.
 *
 * <p>Many rows are split by rows over the shared pool. A few very long rows (e.g. one
 * {@code (1, 50257)} logits row while decoding) are split into fixed blocks whose partial maxima and
 * sums are combined in block order, so results never depend on timing or thread count.
 */
public final class Softmax {

  /** Rows at least this long, when there are fewer rows than threads, are split into blocks. */
  static final int BLOCKED_MIN_COLS = 16_384;
  /** Elements per block of the blocked path. */
  private static final int BLOCK = 4_096;

  private Softmax() {}

  /**
   * {@code out[r, i] = exp(x[r, i] − max_r) / Σ_j exp(x[r, j] − max_r)}.
   *
   * <p>x: (rows, C) -> out: (rows, C); out may be x.
   */
  public static void softmax(Tensor x, Tensor out) {
    ShapeChecks.sameLayout("Softmax.softmax", "x", x, "out", out);
    rowwise(x, out, false);
  }

  /**
   * {@code out[r, i] = x[r, i] − max_r − log Σ_j exp(x[r, j] − max_r)}.
   *
   * <p>x: (rows, C) -> out: (rows, C); out may be x.
   */
  public static void logSoftmax(Tensor x, Tensor out) {
    ShapeChecks.sameLayout("Softmax.logSoftmax", "x", x, "out", out);
    rowwise(x, out, true);
  }

  /**
   * Backward of {@link #softmax}; ADDS into dx: {@code dx_i += y_i · (dy_i − Σ_j dy_j · y_j)}.
   *
   * <p>y (the forward output), dy, dx: (rows, C).
   */
  public static void softmaxBackward(Tensor y, Tensor dy, Tensor dx) {
    final String op = "Softmax.softmaxBackward";
    ShapeChecks.sameLayout(op, "y", y, "dy", dy);
    ShapeChecks.sameLayout(op, "y", y, "dx", dx);
    int c = ShapeChecks.cols(y);
    int rows = ShapeChecks.rows(y);
    FloatBuffer py = y.buffer();
    FloatBuffer pg = dy.buffer();
    FloatBuffer pdx = dx.buffer();
    Parallel.forRange(rows, 4L * c, (r0, r1) -> {
      float[] ys = RowScratch.get(0, c);
      float[] gs = RowScratch.get(1, c);
      float[] ds = RowScratch.get(2, c);
      for (int r = r0; r < r1; r++) {
        int base = r * c;
        py.get(base, ys, 0, c);
        pg.get(base, gs, 0, c);
        pdx.get(base, ds, 0, c);
        float d = (float) RowScratch.dot(gs, ys, c);
        for (int i = 0; i < c; i++) {
          ds[i] += ys[i] * (gs[i] - d);
        }
        pdx.put(base, ds, 0, c);
      }
    });
  }

  /**
   * Backward of {@link #logSoftmax}; ADDS into dx: {@code dx_i += dy_i − exp(y_i) · Σ_j dy_j}.
   *
   * <p>y (the forward output, log-probabilities), dy, dx: (rows, C).
   */
  public static void logSoftmaxBackward(Tensor y, Tensor dy, Tensor dx) {
    final String op = "Softmax.logSoftmaxBackward";
    ShapeChecks.sameLayout(op, "y", y, "dy", dy);
    ShapeChecks.sameLayout(op, "y", y, "dx", dx);
    int c = ShapeChecks.cols(y);
    int rows = ShapeChecks.rows(y);
    FloatBuffer py = y.buffer();
    FloatBuffer pg = dy.buffer();
    FloatBuffer pdx = dx.buffer();
    Parallel.forRange(rows, 8L * c, (r0, r1) -> {
      float[] ys = RowScratch.get(0, c);
      float[] gs = RowScratch.get(1, c);
      float[] ds = RowScratch.get(2, c);
      for (int r = r0; r < r1; r++) {
        int base = r * c;
        py.get(base, ys, 0, c);
        pg.get(base, gs, 0, c);
        pdx.get(base, ds, 0, c);
        float sum = (float) RowScratch.sum(gs, c);
        for (int i = 0; i < c; i++) {
          ds[i] += gs[i] - (float) FastExp.exp(ys[i]) * sum;
        }
        pdx.put(base, ds, 0, c);
      }
    });
  }

  // ------------------------------------------------------------------------------ implementation

  private static void rowwise(Tensor x, Tensor out, boolean log) {
    int c = ShapeChecks.cols(x);
    int rows = ShapeChecks.rows(x);
    FloatBuffer px = x.buffer();
    FloatBuffer po = out.buffer();
    if (c >= BLOCKED_MIN_COLS && rows < Parallel.threads()) {
      for (int r = 0; r < rows; r++) {
        blockedRow(px, po, r * c, c, log);
      }
      return;
    }
    Parallel.forRange(rows, 12L * c, (r0, r1) -> {
      float[] xs = RowScratch.get(0, c);
      for (int r = r0; r < r1; r++) {
        int base = r * c;
        px.get(base, xs, 0, c);
        float max = RowScratch.max(xs, c);
        double sum = log ? expAndSum(xs, c, max, false) : expInPlaceAndSum(xs, c, max);
        finish(xs, c, max, sum, log);
        po.put(base, xs, 0, c);
      }
    });
  }

  /** One long row split into fixed blocks: block maxima, then block sums, combined in block order. */
  private static void blockedRow(FloatBuffer px, FloatBuffer po, int base, int c, boolean log) {
    int blocks = (c + BLOCK - 1) / BLOCK;
    float[] blockMax = new float[blocks];
    double[] blockSum = new double[blocks];
    Parallel.forRange(blocks, BLOCK, (b0, b1) -> {
      float[] xs = RowScratch.get(0, BLOCK);
      for (int b = b0; b < b1; b++) {
        int from = b * BLOCK;
        int n = Math.min(BLOCK, c - from);
        px.get(base + from, xs, 0, n);
        blockMax[b] = RowScratch.max(xs, n);
      }
    });
    float m = Float.NEGATIVE_INFINITY;
    for (float bm : blockMax) {
      m = Math.max(m, bm);
    }
    final float max = m;
    // softmax: store the exponentials now and scale them in the last pass; log-softmax: only sum
    Parallel.forRange(blocks, 10L * BLOCK, (b0, b1) -> {
      float[] xs = RowScratch.get(0, BLOCK);
      for (int b = b0; b < b1; b++) {
        int from = b * BLOCK;
        int n = Math.min(BLOCK, c - from);
        px.get(base + from, xs, 0, n);
        blockSum[b] = log ? expAndSum(xs, n, max, false) : expInPlaceAndSum(xs, n, max);
        if (!log) {
          po.put(base + from, xs, 0, n);
        }
      }
    });
    double sum = 0;
    for (double s : blockSum) {
      sum += s;
    }
    final double total = sum;
    Parallel.forRange(blocks, 2L * BLOCK, (b0, b1) -> {
      float[] xs = RowScratch.get(0, BLOCK);
      for (int b = b0; b < b1; b++) {
        int from = b * BLOCK;
        int n = Math.min(BLOCK, c - from);
        (log ? px : po).get(base + from, xs, 0, n);
        finish(xs, n, max, total, log);
        po.put(base + from, xs, 0, n);
      }
    });
  }

  /** Maximum of {@code x[from .. to)} of a buffer; NaN propagates. */
  static float max(FloatBuffer x, int from, int to) {
    float m0 = Float.NEGATIVE_INFINITY;
    float m1 = Float.NEGATIVE_INFINITY;
    int i = from;
    for (; i + 1 < to; i += 2) {
      m0 = Math.max(m0, x.get(i));
      m1 = Math.max(m1, x.get(i + 1));
    }
    if (i < to) {
      m0 = Math.max(m0, x.get(i));
    }
    return Math.max(m0, m1);
  }

  /**
   * Whether the Vector API exponential pays off: on JDK 21+ it is about twice as fast as
   * {@link FastExp}; on JDK 17 it was slower (5.2 vs 4.4 ns per element, thread CPU time, 3072 rows
   * of 256). Since the SIMD exp lost its float-int conversions, JDK 17 measured level either way
   * ({@code NormSoftmaxBenchmark.softmax} 1.54 vs 1.58 ms), so the scalar path stays there.
   */
  private static final boolean SIMD_EXP = Simd.enabled() && Runtime.version().feature() >= 21;

  /**
   * Replaces {@code x[0..n)} by {@code exp(x_i − max)} (all arguments ≤ 0) and returns their sum:
   * through the Vector API kernel when that is in use and faster, else {@link #expAndSum} in scalar
   * Java.
   */
  static double expInPlaceAndSum(float[] x, int n, float max) {
    if (SIMD_EXP) {
      return Simd.kernels().expAndSum(x, 0, n, max);
    }
    return expAndSum(x, n, max, true);
  }

  /**
   * Σ exp(x_i − max) over {@code [0, n)}, in double; when {@code store}, also replaces each x_i by
   * exp(x_i − max).
   */
  static double expAndSum(float[] x, int n, float max, boolean store) {
    double s0 = 0;
    double s1 = 0;
    int i = 0;
    for (; i + 1 < n; i += 2) {
      double e0 = FastExp.exp(x[i] - max);
      double e1 = FastExp.exp(x[i + 1] - max);
      if (store) {
        x[i] = (float) e0;
        x[i + 1] = (float) e1;
      }
      s0 += e0;
      s1 += e1;
    }
    if (i < n) {
      double e = FastExp.exp(x[i] - max);
      if (store) {
        x[i] = (float) e;
      }
      s0 += e;
    }
    return s0 + s1;
  }

  /**
   * Softmax: scales the stored exponentials by 1/sum. Log-softmax: turns x into x − max − log(sum)
   * ((x − max) is exact for x near max; subtracting the small log-sum afterwards keeps precision).
   */
  private static void finish(float[] x, int n, float max, double sum, boolean log) {
    if (log) {
      float logSum = (float) Math.log(sum);
      for (int i = 0; i < n; i++) {
        x[i] = (x[i] - max) - logSum;
      }
    } else {
      float inv = (float) (1.0 / sum);
      for (int i = 0; i < n; i++) {
        x[i] *= inv;
      }
    }
  }
}
