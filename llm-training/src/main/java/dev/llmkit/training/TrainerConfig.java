package dev.llmkit.training;

import dev.llmkit.training.schedule.LearningRateSchedule;
import java.util.Objects;

/**
 * How a {@link Trainer} runs. Build with {@link #builder()}.
 *
 * @param steps optimiser steps of the whole run ({@code > 0})
 * @param accumulation micro-batches whose gradients are averaged into one step ({@code >= 1})
 * @param schedule learning rate of every step
 * @param gradientClip largest global gradient norm; {@code <= 0} disables clipping (nanoGPT: 1.0)
 * @param evalInterval evaluate every this many steps ({@code 0}: only after the last step)
 * @param evalBatches batches averaged per evaluation set ({@code >= 1}; nanoGPT's {@code eval_iters})
 * @param checkpointInterval write a checkpoint every this many steps ({@code 0}: only after the last
 *     step); ignored without a checkpoint directory
 */
public record TrainerConfig(
    long steps,
    int accumulation,
    LearningRateSchedule schedule,
    float gradientClip,
    long evalInterval,
    int evalBatches,
    long checkpointInterval) {

  /** Validates every field, naming the bad one. */
  public TrainerConfig {
    if (steps <= 0) {
      throw new IllegalArgumentException("steps must be > 0, got " + steps);
    }
    if (accumulation < 1) {
      throw new IllegalArgumentException("accumulation must be >= 1, got " + accumulation);
    }
    Objects.requireNonNull(schedule, "schedule");
    if (Float.isNaN(gradientClip) || Float.isInfinite(gradientClip)) {
      throw new IllegalArgumentException("gradientClip must be finite, got " + gradientClip);
    }
    if (evalInterval < 0) {
      throw new IllegalArgumentException("evalInterval must be >= 0, got " + evalInterval);
    }
    if (evalBatches < 1) {
      throw new IllegalArgumentException("evalBatches must be >= 1, got " + evalBatches);
    }
    if (checkpointInterval < 0) {
      throw new IllegalArgumentException("checkpointInterval must be >= 0, got " + checkpointInterval);
    }
  }

  /** A builder with nanoGPT-like defaults: no accumulation, clip 1.0, evaluate at the end on 20 batches. */
  public static Builder builder() {
    return new Builder();
  }

  /** Builder of {@link TrainerConfig}; {@code steps} and {@code schedule} have no default. */
  public static final class Builder {
    private long steps;
    private int accumulation = 1;
    private LearningRateSchedule schedule;
    private float gradientClip = 1.0f;
    private long evalInterval;
    private int evalBatches = 20;
    private long checkpointInterval;

    private Builder() {}

    /** Optimiser steps of the whole run. */
    public Builder steps(long v) { this.steps = v; return this; }
    /** Micro-batches per step. */
    public Builder accumulation(int v) { this.accumulation = v; return this; }
    /** Learning-rate schedule. */
    public Builder schedule(LearningRateSchedule v) { this.schedule = v; return this; }
    /** Largest global gradient norm ({@code <= 0}: no clipping). */
    public Builder gradientClip(float v) { this.gradientClip = v; return this; }
    /** Evaluate every this many steps (0: only at the end). */
    public Builder evalInterval(long v) { this.evalInterval = v; return this; }
    /** Batches per evaluation set. */
    public Builder evalBatches(int v) { this.evalBatches = v; return this; }
    /** Checkpoint every this many steps (0: only at the end). */
    public Builder checkpointInterval(long v) { this.checkpointInterval = v; return this; }

    /** Builds and validates. */
    public TrainerConfig build() {
      return new TrainerConfig(
          steps, accumulation, schedule, gradientClip, evalInterval, evalBatches, checkpointInterval);
    }
  }
}
