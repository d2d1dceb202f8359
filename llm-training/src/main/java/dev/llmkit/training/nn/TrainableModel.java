package dev.llmkit.training.nn;

import dev.llmkit.model.weights.ModelWeights;
import dev.llmkit.tensor.Tensor;

/**
 * A whole decoder-only model in training mode: parameters, gradients, and preallocated activations
 * for a fixed (batch, block) shape.
 */
public final class TrainableModel {

  private final ModelWeights parameters;
  private final ModelWeights gradients;
  private final int batch;
  private final int block;

  /** Allocates gradients and every activation buffer once for {@code batch} sequences of {@code block}. */
  public TrainableModel(ModelWeights parameters, int batch, int block) {
    this.parameters = parameters;
    this.gradients = ModelWeights.zeros(parameters.config());
    this.batch = batch;
    this.block = block;
  }

  /** The parameters (the tensors given to the constructor). */
  public ModelWeights parameters() {
    return parameters;
  }

  /** The gradient buffers, same structure as {@link #parameters()}. */
  public ModelWeights gradients() {
    return gradients;
  }

  /**
   * Forward pass and loss.
   *
   * @param inputs batch*block ids, row-major (b, t)
   * @param targets batch*block ids; a negative target is ignored
   * @return the mean cross-entropy over non-ignored targets
   */
  public float forward(int[] inputs, int[] targets) {
    throw new UnsupportedOperationException("not implemented yet");
  }

  /** (batch*block) log p(target) of the last forward; 0 where ignored. */
  public float[] targetLogProbs() {
    throw new UnsupportedOperationException("not implemented yet");
  }

  /** (batch*block, V) logits of the last forward. */
  public Tensor logits() {
    throw new UnsupportedOperationException("not implemented yet");
  }

  /** d(mean CE)/d(params) of the last forward, ADDED into {@link #gradients()}. */
  public void backward() {
    throw new UnsupportedOperationException("not implemented yet");
  }

  /**
   * General backward: the loss is {@code sum_i w[i] * log p(target_i)}; its gradient is added into
   * {@link #gradients()}.
   */
  public void backward(float[] dLossDTargetLogProb) {
    throw new UnsupportedOperationException("not implemented yet");
  }

  /** Sets every gradient to zero. */
  public void zeroGrad() {
    for (Tensor g : gradients.named().values()) {
      g.fill(0f);
    }
  }
}
