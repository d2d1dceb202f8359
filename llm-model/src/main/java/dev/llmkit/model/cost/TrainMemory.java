package dev.llmkit.model.cost;

/**
 * Bytes a training run holds, by what they are for (f32 throughout, as llmkit trains).
 *
 * @param weights the parameters
 * @param grads one gradient per parameter
 * @param optimizer AdamW's two moments per parameter
 * @param activations what the forward pass keeps for backward, plus the backward's scratch
 */
public record TrainMemory(long weights, long grads, long optimizer, long activations) {

  /** The sum of the four parts. */
  public long total() {
    return weights + grads + optimizer + activations;
  }
}
