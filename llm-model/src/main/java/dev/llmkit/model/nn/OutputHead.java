package dev.llmkit.model.nn;

import dev.llmkit.tensor.Tensor;

/**
 * What turns the last hidden states into the model's output: next-token logits ({@link LmHead}),
 * or e.g. a classifier's scores. Immutable; training state per shape.
 */
public interface OutputHead {

  /** Output features per row (the vocabulary size for an LM head). */
  int outFeatures();

  /**
   * Inference forward: x: (T, C) -> out: (T, outFeatures); xn: (T, C) scratch.
   */
  void forward(Tensor x, Tensor xn, Tensor out);

  /** The training state for {@code rows} rows, adding into the gradients {@code g} names. */
  Trainable training(int rows, Gradients g);
}
