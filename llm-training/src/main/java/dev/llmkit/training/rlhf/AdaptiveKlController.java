package dev.llmkit.training.rlhf;

/**
 * The adaptive KL coefficient of Ziegler et al. (2019) ("Fine-Tuning Language Models from Human
 * Preferences"), as TRL: after a batch with KL {@code kl} per response over {@code n} responses,
 *
 * <pre>
 *   error = clip(kl / target - 1, -0.2, 0.2)
 *   coef = coef * (1 + error * n / horizon)
 * </pre>
 */
public final class AdaptiveKlController {

  private final double target;
  private final double horizon;
  private double value;

  /** @param initial the starting coefficient; @param target the KL aimed at; @param horizon steps. */
  public AdaptiveKlController(double initial, double target, double horizon) {
    this.value = initial;
    this.target = target;
    this.horizon = horizon;
  }

  /** The coefficient in force. */
  public double value() {
    return value;
  }

  /** Updates the coefficient after a batch of {@code n} responses whose mean KL was {@code kl}. */
  public void update(double kl, int n) {
    double error = Math.max(-0.2, Math.min(0.2, kl / target - 1));
    value *= 1 + error * n / horizon;
  }
}
