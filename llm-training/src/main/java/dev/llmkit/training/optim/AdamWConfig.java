package dev.llmkit.training.optim;

/**
 * Hyper-parameters of {@link AdamW} other than the learning rate (which the schedule gives per step).
 *
 * @param beta1 decay of the first-moment average (0.9)
 * @param beta2 decay of the second-moment average (0.999 in PyTorch, 0.95 in nanoGPT/GPT-3)
 * @param eps added to the root of the second moment (1e-8)
 * @param weightDecay decoupled weight decay applied to matrices only (0.01 in PyTorch, 0.1 in nanoGPT)
 */
public record AdamWConfig(float beta1, float beta2, float eps, float weightDecay) {

  /** Validates every field; a bad value throws naming the field. */
  public AdamWConfig {
    if (!(beta1 >= 0f && beta1 < 1f)) {
      throw new IllegalArgumentException("beta1 must be in [0, 1), got " + beta1);
    }
    if (!(beta2 >= 0f && beta2 < 1f)) {
      throw new IllegalArgumentException("beta2 must be in [0, 1), got " + beta2);
    }
    if (!(eps > 0f)) {
      throw new IllegalArgumentException("eps must be > 0, got " + eps);
    }
    if (!(weightDecay >= 0f) || Float.isInfinite(weightDecay)) {
      throw new IllegalArgumentException("weightDecay must be finite and >= 0, got " + weightDecay);
    }
  }

  /** PyTorch's {@code torch.optim.AdamW} defaults: betas (0.9, 0.999), eps 1e-8, weight decay 0.01. */
  public static AdamWConfig defaults() {
    return new AdamWConfig(0.9f, 0.999f, 1e-8f, 0.01f);
  }
}
