package dev.llmkit.training.rlhf;

import dev.llmkit.training.schedule.LearningRateSchedule;
import java.util.Objects;

/**
 * Settings of {@link ProximalPolicyOptimization} (defaults as TRL's PPOConfig: gamma 1, lambda 0.95,
 * clip 0.2, value clip 0.2, value coefficient 0.1, KL coefficient 0.05, 4 epochs).
 *
 * @param rolloutBatch responses per step (one per drawn prompt)
 * @param minibatches minibatches each rollout batch is split into (must divide rolloutBatch)
 * @param epochs passes over the rollout batch per step
 * @param block positions per training row; prompt + response must fit in {@code block + 1}
 * @param steps rollout batches
 * @param clipEpsilon the policy ratio's clip range
 * @param valueClip the value prediction's clip range around the rollout-time value
 * @param valueCoefficient weight of the value loss (the value model's own gradient step uses it)
 * @param gamma discount
 * @param lambda GAE lambda
 * @param klCoefficient the initial per-token KL penalty coefficient
 * @param klTarget target KL per response of the adaptive controller; {@code <= 0}: fixed coefficient
 * @param klHorizon horizon of the adaptive controller (10000 in Ziegler et al.)
 * @param schedule learning rate per gradient step (policy and value model)
 * @param gradientClip largest global gradient norm of each model ({@code <= 0}: none)
 * @param seed seed of prompt choice, sampling and minibatch shuffling
 */
public record PpoConfig(
    int rolloutBatch,
    int minibatches,
    int epochs,
    int block,
    long steps,
    double clipEpsilon,
    double valueClip,
    double valueCoefficient,
    double gamma,
    double lambda,
    double klCoefficient,
    double klTarget,
    double klHorizon,
    LearningRateSchedule schedule,
    float gradientClip,
    long seed) {

  /** Validates the fields, naming the bad one. */
  public PpoConfig {
    if (rolloutBatch < 1) {
      throw new IllegalArgumentException("rolloutBatch must be >= 1, got " + rolloutBatch);
    }
    if (minibatches < 1 || rolloutBatch % minibatches != 0) {
      throw new IllegalArgumentException("minibatches must be >= 1 and divide rolloutBatch "
          + rolloutBatch + ", got " + minibatches);
    }
    if (epochs < 1) {
      throw new IllegalArgumentException("epochs must be >= 1, got " + epochs);
    }
    if (block < 1) {
      throw new IllegalArgumentException("block must be >= 1, got " + block);
    }
    if (steps < 1) {
      throw new IllegalArgumentException("steps must be >= 1, got " + steps);
    }
    if (!(clipEpsilon > 0 && clipEpsilon < 1)) {
      throw new IllegalArgumentException("clipEpsilon must be in (0, 1), got " + clipEpsilon);
    }
    if (!(valueClip > 0)) {
      throw new IllegalArgumentException("valueClip must be > 0, got " + valueClip);
    }
    if (!(klCoefficient >= 0)) {
      throw new IllegalArgumentException("klCoefficient must be >= 0, got " + klCoefficient);
    }
    if (klTarget > 0 && !(klHorizon > 0)) {
      throw new IllegalArgumentException("klHorizon must be > 0 with an adaptive KL target, got " + klHorizon);
    }
    Objects.requireNonNull(schedule, "schedule");
  }

  /** TRL's defaults for the given sizes: fixed KL coefficient 0.05. */
  public static PpoConfig defaults(int rolloutBatch, int minibatches, int block, long steps,
      LearningRateSchedule schedule, long seed) {
    return new PpoConfig(rolloutBatch, minibatches, 4, block, steps, 0.2, 0.2, 0.1, 1.0, 0.95, 0.05, 0,
        10000, schedule, 1f, seed);
  }
}
