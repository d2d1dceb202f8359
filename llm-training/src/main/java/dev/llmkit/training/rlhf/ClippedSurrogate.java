package dev.llmkit.training.rlhf;

/**
 * PPO's clipped surrogate objective (Schulman et al., 2017), as a loss over tokens, shared by PPO and
 * GRPO: with {@code ratio = exp(logp - oldLogp)} and advantage {@code A},
 *
 * <pre>
 *   loss_t = max(-A * ratio, -A * clip(ratio, 1 - eps, 1 + eps))
 *   dloss_t/dlogp_t = -A * ratio   when the unclipped term is the larger (or equal), else 0
 * </pre>
 */
public final class ClippedSurrogate {

  private ClippedSurrogate() {}

  /** The loss of one token. */
  public static double loss(double logp, double oldLogp, double advantage, double eps) {
    double ratio = Math.exp(logp - oldLogp);
    double clipped = Math.max(1 - eps, Math.min(1 + eps, ratio));
    return Math.max(-advantage * ratio, -advantage * clipped);
  }

  /** d loss / d logp of one token. */
  public static double gradient(double logp, double oldLogp, double advantage, double eps) {
    double ratio = Math.exp(logp - oldLogp);
    double clipped = Math.max(1 - eps, Math.min(1 + eps, ratio));
    return -advantage * ratio >= -advantage * clipped ? -advantage * ratio : 0;
  }

  /** True when the token's ratio was clipped (the clipped term is strictly the larger). */
  public static boolean clipped(double logp, double oldLogp, double advantage, double eps) {
    double ratio = Math.exp(logp - oldLogp);
    double clipped = Math.max(1 - eps, Math.min(1 + eps, ratio));
    return -advantage * ratio < -advantage * clipped;
  }
}
