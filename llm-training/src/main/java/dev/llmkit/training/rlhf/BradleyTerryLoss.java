package dev.llmkit.training.rlhf;

/**
 * The Bradley–Terry preference loss of a reward model (Ouyang et al., 2022; TRL's RewardTrainer):
 * for a pair with rewards {@code r_c} (chosen) and {@code r_r} (rejected),
 *
 * <pre>
 *   L = -log sigmoid(r_c - r_r) = softplus(r_r - r_c)
 *   dL/dr_c = -sigmoid(r_r - r_c),   dL/dr_r = +sigmoid(r_r - r_c)
 * </pre>
 *
 * so that {@code sigmoid(r_c - r_r)} is the modelled probability that the chosen response wins.
 */
public final class BradleyTerryLoss {

  private BradleyTerryLoss() {}

  /** {@code -log sigmoid(chosen - rejected)}, stable for large margins. */
  public static double loss(double chosen, double rejected) {
    return softplus(rejected - chosen);
  }

  /** {@code dL/d r_chosen = -sigmoid(rejected - chosen)}; {@code dL/d r_rejected} is its negative. */
  public static double dChosen(double chosen, double rejected) {
    return -sigmoid(rejected - chosen);
  }

  static double sigmoid(double x) {
    return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
  }

  /** {@code log(1 + e^x)}, stable for large |x|. */
  static double softplus(double x) {
    return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
  }
}
