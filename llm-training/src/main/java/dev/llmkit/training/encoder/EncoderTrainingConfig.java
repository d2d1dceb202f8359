package dev.llmkit.training.encoder;

/**
 * Settings of {@link EncoderTrainer}.
 *
 * @param batch sequences per step
 * @param iters optimiser steps
 * @param lr peak learning rate (linear warm-up, cosine decay to minLr)
 * @param minLr floor of the decay
 * @param warmup warm-up steps
 * @param weightDecay AdamW decay of the matrices
 * @param beta2 AdamW beta2
 * @param gradClip global gradient-norm clip; 0 disables
 * @param evalIters batches per split of the final evaluation
 * @param seed seed of the batches and of the masks
 */
public record EncoderTrainingConfig(int batch, int iters, double lr, double minLr, int warmup,
    float weightDecay, float beta2, float gradClip, int evalIters, long seed) {

  /** Validates; a bad value throws naming it. */
  public EncoderTrainingConfig {
    if (batch < 1 || iters < 1 || evalIters < 1) {
      throw new IllegalArgumentException("EncoderTrainingConfig: batch " + batch + ", iters " + iters
          + " and evalIters " + evalIters + " must be >= 1");
    }
    if (!(lr > 0) || minLr < 0 || minLr > lr || warmup < 0 || gradClip < 0) {
      throw new IllegalArgumentException("EncoderTrainingConfig: lr " + lr + " must be > 0, minLr "
          + minLr + " in [0, lr], warmup " + warmup + " and gradClip " + gradClip + " >= 0");
    }
  }
}
