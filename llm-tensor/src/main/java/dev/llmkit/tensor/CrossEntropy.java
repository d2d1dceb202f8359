package dev.llmkit.tensor;

import java.nio.FloatBuffer;

/**
 * Softmax cross-entropy of logits against target ids, fused with its gradient: the next-token loss.
 *
 * <p>For row r with target y: {@code loss_r = logsumexp(logits[r, :]) − logits[r, y]}, computed with
 * the row maximum subtracted and sums in double. Rows whose target is negative (e.g. -100, PyTorch's
 * {@code ignore_index}) are ignored.
 */
public final class CrossEntropy {

  private CrossEntropy() {}

  /**
   * Mean loss over the non-ignored rows, and optionally its gradient.
   *
   * <p>logits: (N, V) (or (B, T, V) with N = B·T), targets: (N) -> loss; dlogits: (N, V).
   *
   * @param logits unnormalised scores
   * @param targets target id per row; a negative target ignores the row
   * @param dlogits when non-null, OVERWRITTEN (not added to) with d(mean loss)/d(logits) =
   *     (softmax − onehot(target)) / count, zero on ignored rows; may be logits itself
   * @return the mean loss over non-ignored rows, or 0 when every row is ignored (then dlogits is all
   *     zeros)
   * @throws IllegalArgumentException if a target is ≥ V, naming it, its row and V
   */
  public static float forward(Tensor logits, int[] targets, Tensor dlogits) {
    final String op = "CrossEntropy.forward";
    ShapeChecks.nonNull(op, "logits", logits);
    if (targets == null) {
      throw new NullPointerException(op + ": targets must not be null");
    }
    int v = ShapeChecks.cols(logits);
    int n = ShapeChecks.rows(logits);
    if (targets.length != n) {
      throw new IllegalArgumentException(
          op + ": " + targets.length + " targets for logits of shape " + logits.shapeString()
              + " (expected " + n + ")");
    }
    if (dlogits != null) {
      ShapeChecks.sameLayout(op, "logits", logits, "dlogits", dlogits);
    }
    int count = 0;
    for (int r = 0; r < n; r++) {
      int y = targets[r];
      if (y >= v) {
        throw new IllegalArgumentException(
            op + ": target " + y + " of row " + r + " is outside the vocabulary [0, " + v + ")");
      }
      if (y >= 0) {
        count++;
      }
    }
    FloatBuffer pl = logits.buffer();
    FloatBuffer pd = dlogits == null ? null : dlogits.buffer();
    double[] rowLoss = new double[n];
    final float invCount = count == 0 ? 0f : 1f / count;
    Parallel.forRange(n, 12L * v, (r0, r1) -> {
      float[] xs = RowScratch.get(0, v);
      for (int r = r0; r < r1; r++) {
        int base = r * v;
        int y = targets[r];
        if (y < 0) {
          if (pd != null) {
            java.util.Arrays.fill(xs, 0, v, 0f);
            pd.put(base, xs, 0, v);
          }
          continue;
        }
        pl.get(base, xs, 0, v);
        float max = RowScratch.max(xs, v);
        float target = xs[y];
        // with dlogits: one exponential per element, stored, then scaled to (p − onehot) / count
        double sum = Softmax.expInPlaceAndSum(xs, v, max); // xs is a copy: free to overwrite
        if (pd != null) {
          float scale = (float) (1.0 / sum) * invCount;
          for (int i = 0; i < v; i++) {
            xs[i] *= scale;
          }
          xs[y] -= invCount;
          pd.put(base, xs, 0, v);
        }
        rowLoss[r] = max + Math.log(sum) - target;
      }
    });
    if (count == 0) {
      return 0f;
    }
    double total = 0;
    for (int r = 0; r < n; r++) {
      total += rowLoss[r];
    }
    return (float) (total / count);
  }
}
