package dev.llmkit.training.finetune;

import dev.llmkit.training.schedule.LearningRateSchedule;
import java.util.Objects;

/**
 * Settings of {@link DirectPreferenceOptimization}.
 *
 * @param beta strength of the implicit KL penalty towards the reference model ({@code > 0}; the DPO
 *     paper uses 0.1 to 0.5)
 * @param pairsPerStep preference pairs per optimiser step (the model runs {@code 2 * pairsPerStep}
 *     rows: chosen then rejected)
 * @param block positions per row; every prompt + continuation must fit in {@code block + 1} tokens
 * @param steps optimiser steps
 * @param schedule learning rate per step
 * @param gradientClip largest global gradient norm ({@code <= 0}: none)
 * @param seed seed of the pair sampling
 */
public record DpoConfig(
    double beta,
    int pairsPerStep,
    int block,
    long steps,
    LearningRateSchedule schedule,
    float gradientClip,
    long seed) {

  /** Validates every field, naming the bad one. */
  public DpoConfig {
    if (!(beta > 0) || Double.isInfinite(beta)) {
      throw new IllegalArgumentException("beta must be finite and > 0, got " + beta);
    }
    if (pairsPerStep <= 0) {
      throw new IllegalArgumentException("pairsPerStep must be > 0, got " + pairsPerStep);
    }
    if (block <= 0) {
      throw new IllegalArgumentException("block must be > 0, got " + block);
    }
    if (steps <= 0) {
      throw new IllegalArgumentException("steps must be > 0, got " + steps);
    }
    Objects.requireNonNull(schedule, "schedule");
  }
}
