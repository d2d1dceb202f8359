package dev.llmkit.model.nn;

import dev.llmkit.tensor.DecodeMatrices;
import dev.llmkit.tensor.Matmul;
import dev.llmkit.tensor.Tensor;
import dev.llmkit.tensor.WeightMatrix;
import java.util.Objects;

/**
 * A fully connected layer {@code y = x·Wᵀ + b}. W is a {@link WeightMatrix}, which picks the kernel
 * from the number of rows (one-row decode product or many-row sgemm) and may be stored in place, as
 * a heap copy or quantized. The forward pass keeps nothing, so inference and training share it;
 * the backward pass needs W as F32 ({@link WeightMatrix#toTensor()}).
 */
public final class Linear {

  private final WeightMatrix weight;
  private final Tensor bias;

  /**
   * @param weight W: (out, in)
   * @param bias (out), or null for none
   */
  public Linear(WeightMatrix weight, Tensor bias) {
    this.weight = Objects.requireNonNull(weight, "weight");
    this.bias = bias;
    if (bias != null && bias.length() != weight.rows()) {
      throw new IllegalArgumentException(
          "Linear: bias " + bias.shapeString() + " must have W's " + weight.rows() + " rows");
    }
  }

  /** The layer over F32 {@code w: (out, in)} read as {@code mode} says (AUTO resolved); null when w is. */
  public static Linear of(Tensor w, Tensor bias, DecodeMatrices mode) {
    return w == null ? null : new Linear(mode.matrix(w), bias);
  }

  /** W. */
  public WeightMatrix weight() {
    return weight;
  }

  /** b, or null. */
  public Tensor bias() {
    return bias;
  }

  /**
   * Forward pass, for inference and training alike.
   *
   * @param x (rows, in)
   * @param y (rows, out), overwritten
   */
  public void forward(Tensor x, Tensor y) {
    // x: (rows, in) -> y: (rows, out)
    weight.linear(x, bias, y);
  }

  /**
   * Forward of rows that are different sequences (batched decoding): each row exactly as a one-row
   * {@link #forward} computes it, the weights read once for all rows
   * ({@link WeightMatrix#linearRows}).
   *
   * @param x (rows, in)
   * @param y (rows, out), overwritten
   */
  public void forwardRows(Tensor x, Tensor y) {
    // x: (rows, in) -> y: (rows, out)
    weight.linearRows(x, bias, y);
  }

  /** The training state: backward adds into the gradients of W and b that {@code g} names. */
  public Training training(Gradients g) {
    return new Training(g);
  }

  /** {@link Linear}'s backward, bound to its F32 weight and gradients. */
  public final class Training implements Trainable {

    private final Tensor w;
    private final Tensor dWeight;
    private final Tensor dBias;

    private Training(Gradients g) {
      this.w = weight.toTensor();
      this.dWeight = Objects.requireNonNull(g.of(w), "gradient of W");
      this.dBias = g.of(bias);
    }

    @Override
    public void forward(Tensor x, Tensor y) {
      Linear.this.forward(x, y);
    }

    /**
     * Backward: {@code dx += dy·W}, {@code dW += dyᵀ·x}, {@code db += Σ_rows dy}.
     *
     * @param x (rows, in) the input of the forward pass
     * @param dy (rows, out) gradient of the output
     * @param dx (rows, in) gradient of the input, added into; null when not needed
     */
    @Override
    public void backward(Tensor x, Tensor dy, Tensor dx) {
      // dy: (rows, out) -> dx: (rows, in), dW: (out, in), db: (out)
      Matmul.linearBackward(x, w, dy, dx, dWeight, dBias);
    }
  }
}
