package dev.llmkit.training.nn;

import dev.llmkit.tensor.Tensor;

/**
 * A layer in training mode (the training view of DESIGN.md): its forward pass keeps, in buffers the
 * layer allocated once for a fixed number of rows, whatever its backward pass needs; its backward
 * pass adds the input gradient into {@code dx} and the parameter gradients into the gradient
 * tensors it was built with. The caller keeps the input {@code x} unchanged between the two.
 *
 * <p>Rows: all leading dimensions flattened (batch * block); C: the last dimension.
 */
public interface Layer {

  /**
   * Forward pass.
   *
   * @param x (rows, in) input
   * @param out (rows, out), overwritten
   */
  void forward(Tensor x, Tensor out);

  /**
   * Backward pass of the last forward.
   *
   * @param x (rows, in) the input of the last forward
   * @param dout (rows, out) gradient of the output
   * @param dx (rows, in) gradient of the input, added into (+=); never the same tensor as dout
   */
  void backward(Tensor x, Tensor dout, Tensor dx);
}
