package dev.llmkit.training.rlhf;

import dev.llmkit.training.schedule.LearningRateSchedule;
import java.util.Objects;

/**
 * Settings of {@link GroupRelativePolicyOptimization} (defaults as TRL's GRPOConfig where it has
 * them).
 *
 * @param promptsPerStep prompts per step
 * @param groupSize responses sampled per prompt, k ({@code >= 2}: advantages are normalised within
 *     the group)
 * @param block positions per training row; prompt + response must fit in {@code block + 1}
 * @param steps rollout batches (each followed by {@code epochs} gradient steps)
 * @param epochs gradient steps per rollout batch (mu; 1 = the ratio is exactly 1 at the step)
 * @param clipEpsilon the ratio's clip range (0.2)
 * @param beta the k3 KL coefficient (0.04)
 * @param schedule learning rate per gradient step
 * @param gradientClip largest global gradient norm ({@code <= 0}: none)
 * @param seed seed of prompt choice and sampling
 */
public record GrpoConfig(
    int promptsPerStep,
    int groupSize,
    int block,
    long steps,
    int epochs,
    double clipEpsilon,
    double beta,
    LearningRateSchedule schedule,
    float gradientClip,
    long seed) {

  /** Validates the fields, naming the bad one. */
  public GrpoConfig {
    if (promptsPerStep < 1) {
      throw new IllegalArgumentException("promptsPerStep must be >= 1, got " + promptsPerStep);
    }
    if (groupSize < 2) {
      throw new IllegalArgumentException("groupSize must be >= 2 (advantages are normalised within"
          + " the group), got " + groupSize);
    }
    if (block < 1) {
      throw new IllegalArgumentException("block must be >= 1, got " + block);
    }
    if (steps < 1) {
      throw new IllegalArgumentException("steps must be >= 1, got " + steps);
    }
    if (epochs < 1) {
      throw new IllegalArgumentException("epochs must be >= 1, got " + epochs);
    }
    if (!(clipEpsilon > 0 && clipEpsilon < 1)) {
      throw new IllegalArgumentException("clipEpsilon must be in (0, 1), got " + clipEpsilon);
    }
    if (!(beta >= 0) || Double.isInfinite(beta)) {
      throw new IllegalArgumentException("beta must be finite and >= 0, got " + beta);
    }
    Objects.requireNonNull(schedule, "schedule");
  }
}
