package dev.llmkit.training;

import dev.llmkit.model.weights.ModelWeights;
import dev.llmkit.tensor.kernel.Parallel;
import dev.llmkit.tensor.Tensor;
import java.nio.FloatBuffer;

/**
 * Global gradient norm, scaling and clipping by global norm ({@code torch.nn.utils.clip_grad_norm_}).
 *
 * <p>Sums of squares are taken over fixed blocks of {@value #BLOCK} elements and added in block order,
 * so the result does not depend on the thread count.
 */
public final class GradientNorms {

  private static final int BLOCK = 1 << 16;

  private GradientNorms() {}

  /** The L2 norm of all gradients together: {@code sqrt(sum over every element of g^2)}. */
  public static double globalNorm(ModelWeights gradients) {
    return globalNorm(gradients.named().values());
  }

  /** As {@link #globalNorm(ModelWeights)} over any set of gradient tensors (e.g. a model with a head). */
  public static double globalNorm(java.util.Collection<Tensor> gradients) {
    double sum = 0;
    for (Tensor g : gradients) {
      sum += sumOfSquares(g);
    }
    return Math.sqrt(sum);
  }

  /** Multiplies every gradient by {@code factor} in place. */
  public static void scale(ModelWeights gradients, float factor) {
    scale(gradients.named().values(), factor);
  }

  /** As {@link #scale(ModelWeights, float)} over any set of gradient tensors. */
  public static void scale(java.util.Collection<Tensor> gradients, float factor) {
    if (factor == 1f) {
      return;
    }
    for (Tensor g : gradients) {
      FloatBuffer b = g.buffer();
      int n = g.length();
      Parallel.forRange(n, 1, (from, to) -> {
        for (int i = from; i < to; i++) {
          b.put(i, b.get(i) * factor);
        }
      });
    }
  }

  /**
   * Scales the gradients by {@code preScale} (e.g. {@code 1 / accumulation steps}) and then, when
   * their global norm exceeds {@code maxNorm > 0}, by {@code maxNorm / (norm + 1e-6)}, as PyTorch's
   * {@code clip_grad_norm_}. One pass to measure, at most one pass to scale.
   *
   * @param maxNorm the largest allowed norm; {@code <= 0} disables clipping
   * @return the global norm after {@code preScale} and before clipping (NaN or infinite when a
   *     gradient is)
   */
  public static double scaleAndClip(ModelWeights gradients, float preScale, float maxNorm) {
    return scaleAndClip(gradients.named().values(), preScale, maxNorm);
  }

  /** As {@link #scaleAndClip(ModelWeights, float, float)} over any set of gradient tensors. */
  public static double scaleAndClip(java.util.Collection<Tensor> gradients, float preScale, float maxNorm) {
    double norm = globalNorm(gradients) * Math.abs(preScale);
    double factor = preScale;
    if (maxNorm > 0 && norm > maxNorm) {
      factor *= maxNorm / (norm + 1e-6);
    }
    if (Double.isFinite(norm)) {
      scale(gradients, (float) factor);
    }
    return norm;
  }

  private static double sumOfSquares(Tensor g) {
    FloatBuffer b = g.buffer();
    int n = g.length();
    int blocks = (n + BLOCK - 1) / BLOCK;
    double[] partial = new double[blocks];
    Parallel.forRange(blocks, BLOCK, (from, to) -> {
      for (int k = from; k < to; k++) {
        int end = Math.min(n, (k + 1) * BLOCK);
        double s = 0;
        for (int i = k * BLOCK; i < end; i++) {
          double v = b.get(i);
          s += v * v;
        }
        partial[k] = s;
      }
    });
    double sum = 0;
    for (double p : partial) {
      sum += p;
    }
    return sum;
  }
}
