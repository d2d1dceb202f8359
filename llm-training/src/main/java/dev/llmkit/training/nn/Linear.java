package dev.llmkit.training.nn;

import dev.llmkit.tensor.Matmul;
import dev.llmkit.tensor.Tensor;
import java.util.Objects;

/**
 * A fully connected layer {@code y = x·Wᵀ + b} over all rows at once (one BLAS product for the whole
 * batch), with its backward pass beside it.
 *
 * <p>The layer holds references to its parameter and gradient tensors (owned by the model's
 * {@code ModelWeights}); activations are passed in by the caller, which keeps them for backward.
 */
public final class Linear implements Layer {

  private final Tensor weight;
  private final Tensor bias;
  private final Tensor dWeight;
  private final Tensor dBias;

  /**
   * @param weight (out, in)
   * @param bias (out), or null for none
   * @param dWeight (out, in) gradient of the weight, added into by {@link #backward}
   * @param dBias (out) gradient of the bias, or null when there is no bias
   */
  public Linear(Tensor weight, Tensor bias, Tensor dWeight, Tensor dBias) {
    this.weight = Objects.requireNonNull(weight, "weight");
    this.bias = bias;
    this.dWeight = Objects.requireNonNull(dWeight, "dWeight");
    this.dBias = dBias;
    if (!dWeight.sameShape(weight)) {
      throw new IllegalArgumentException(
          "Linear: dWeight " + dWeight.shapeString() + " must have the weight's shape "
              + weight.shapeString());
    }
    if ((bias == null) != (dBias == null)) {
      throw new IllegalArgumentException("Linear: bias and dBias must be both present or both null");
    }
  }

  /** Output width. */
  public int outFeatures() {
    return weight.dim(0);
  }

  /** Input width. */
  public int inFeatures() {
    return weight.dim(1);
  }

  /**
   * Forward pass.
   *
   * @param x (rows, in)
   * @param y (rows, out), overwritten
   */
  @Override
  public void forward(Tensor x, Tensor y) {
    // x: (rows, in) -> y: (rows, out)
    Matmul.linear(x, weight, bias, y);
  }

  /**
   * Backward pass: {@code dx += dy·W}, {@code dW += dyᵀ·x}, {@code db += Σ_rows dy}.
   *
   * @param x (rows, in) the input of the forward pass
   * @param dy (rows, out) gradient of the output
   * @param dx (rows, in) gradient of the input, added into; null when not needed
   */
  @Override
  public void backward(Tensor x, Tensor dy, Tensor dx) {
    // dy: (rows, out) -> dx: (rows, in), dW: (out, in), db: (out)
    Matmul.linearBackward(x, weight, dy, dx, dWeight, dBias);
  }
}
