package dev.llmkit.training.checkpoint;

import java.util.Objects;

/**
 * Everything besides parameters and optimiser moments that a resumed run needs to continue exactly
 * where the interrupted one stopped.
 *
 * @param step optimiser steps completed
 * @param rngState state of the training batch source's generator after those steps
 * @param tokensSeen training tokens consumed so far
 * @param shape what must match for a resume to be exact: the model configuration and the batch shape
 */
public record TrainingState(long step, long rngState, long tokensSeen, RunShape shape) {

  /** Checks the fields. */
  public TrainingState {
    if (step < 0) {
      throw new IllegalArgumentException("step must be >= 0, got " + step);
    }
    Objects.requireNonNull(shape, "shape");
  }

  /**
   * The configuration a checkpoint belongs to; resuming with another one is an error.
   *
   * @param modelConfig the model configuration, as {@code ModelConfig.toString()} prints it
   * @param batch rows per micro-batch
   * @param block positions per row
   * @param accumulation micro-batches per optimiser step
   */
  public record RunShape(String modelConfig, int batch, int block, int accumulation) {

    /** Checks the fields. */
    public RunShape {
      Objects.requireNonNull(modelConfig, "modelConfig");
    }
  }
}
