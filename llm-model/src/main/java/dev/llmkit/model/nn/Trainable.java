package dev.llmkit.model.nn;

import dev.llmkit.tensor.Tensor;

/**
 * A layer's training state for one shape: its forward pass keeps, in buffers allocated once, what
 * its backward pass needs; its backward pass adds the input gradient into {@code dx} and the
 * parameter gradients into the tensors {@link Gradients} gave it. The caller keeps the input
 * {@code x} unchanged between the two. Not thread-safe.
 *
 * <p>Rows: all leading dimensions flattened (batch * block); the last dimension is the feature.
 */
public interface Trainable {

  /**
   * Training forward.
   *
   * @param x (rows, in) input
   * @param out (rows, out), overwritten
   */
  void forward(Tensor x, Tensor out);

  /**
   * Backward of the last forward.
   *
   * @param x (rows, in) the input of the last forward
   * @param dout (rows, out) gradient of the output
   * @param dx (rows, in) gradient of the input, added into (+=); never the same tensor as dout
   */
  void backward(Tensor x, Tensor dout, Tensor dx);
}
