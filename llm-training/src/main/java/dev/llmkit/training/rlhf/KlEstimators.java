package dev.llmkit.training.rlhf;

/**
 * Per-token estimators of KL(policy || reference) from a token sampled from the policy (Schulman,
 * "Approximating KL divergence", 2020), with {@code d = refLogp - logp}:
 *
 * <pre>
 *   k1 = -d = logp - refLogp                     (unbiased; PPO's per-token penalty)
 *   k3 = exp(d) - d - 1                          (unbiased, always >= 0; GRPO's penalty)
 *   dk3/dlogp = 1 - exp(d)
 * </pre>
 *
 * When policy and reference agree ({@code logp == refLogp}) both estimators and the gradient of k3
 * are exactly 0.
 */
public final class KlEstimators {

  private KlEstimators() {}

  /** k1 = logp - refLogp. */
  public static double k1(double logp, double refLogp) {
    return logp - refLogp;
  }

  /** k3 = exp(refLogp - logp) - (refLogp - logp) - 1. */
  public static double k3(double logp, double refLogp) {
    double d = refLogp - logp;
    return Math.exp(d) - d - 1;
  }

  /** d k3 / d logp = 1 - exp(refLogp - logp). */
  public static double k3Gradient(double logp, double refLogp) {
    return 1 - Math.exp(refLogp - logp);
  }
}
