package dev.llmkit.training;

import dev.llmkit.model.weights.ModelWeights;

/**
 * Combines the gradients of data-parallel replicas of one model, once per optimiser step: after the
 * last micro-batch's backward, before global-norm clipping and the optimiser step. Every replica
 * calls it with its own gradients and must come back with the same mean, so that all replicas apply
 * the same update and stay identical.
 *
 * <p>A single-machine {@link Trainer} uses {@link #NONE}. The Spark implementation is
 * {@code dev.llmkit.training.spark.AllGatherReducer}.
 */
public interface GradientReducer {

  /** One replica: gradients and loss stay as they are. */
  GradientReducer NONE = (gradients, loss) -> loss;

  /**
   * Replaces every gradient tensor with its mean over all replicas (in place) and returns the mean
   * of the replicas' losses.
   *
   * @param gradients this replica's gradients, summed over its micro-batches of this step
   * @param loss this replica's mean loss of this step
   * @return the mean loss over all replicas (what the step reports)
   */
  float allReduceMean(ModelWeights gradients, float loss);
}
