package dev.llmkit.training.nn;

import dev.llmkit.model.config.ModelConfig;
import dev.llmkit.model.config.ModelConfig.Activation;
import dev.llmkit.model.weights.LayerWeights;
import dev.llmkit.tensor.Activations;
import dev.llmkit.tensor.Tensor;

/**
 * The position-wise feed-forward network of a transformer block, in training mode:
 * {@code out = act(x·W1ᵀ + b1)·W2ᵀ + b2}, or with SwiGLU {@code out = (silu(x·W1ᵀ) * (x·W3ᵀ))·W2ᵀ}.
 *
 * <p>Owns its activations for a fixed number of rows (allocated once); the caller keeps the input.
 */
public final class FeedForward implements Layer {

  private final Activation activation;
  private final Linear fc1;
  private final Linear fc3;
  private final Linear fc2;

  // saved activations, (rows, H)
  private final Tensor a;
  private final Tensor u;
  private final Tensor h;
  // gradient scratch, (rows, H)
  private final Tensor dh;
  private final Tensor da;
  private final Tensor du;

  /**
   * @param config the model (dim, ffnDim, activation, mlpBias)
   * @param p the block's parameters
   * @param g the block's gradients (same structure)
   * @param rows number of rows of every forward (batch * block)
   */
  public FeedForward(ModelConfig config, LayerWeights p, LayerWeights g, int rows) {
    this.activation = config.activation();
    int hidden = config.ffnDim();
    this.fc1 = new Linear(p.w1(), p.b1(), g.w1(), g.b1());
    this.fc2 = new Linear(p.w2(), p.b2(), g.w2(), g.b2());
    boolean gated = activation == Activation.SWIGLU;
    this.fc3 = gated ? new Linear(p.w3(), null, g.w3(), null) : null;
    this.a = Tensor.zeros(rows, hidden);
    this.u = gated ? Tensor.zeros(rows, hidden) : null;
    this.h = Tensor.zeros(rows, hidden);
    this.dh = Tensor.zeros(rows, hidden);
    this.da = Tensor.zeros(rows, hidden);
    this.du = gated ? Tensor.zeros(rows, hidden) : null;
  }

  /**
   * Forward pass; keeps the pre-activations and the hidden activation for backward.
   *
   * @param x (rows, C)
   * @param out (rows, C), overwritten
   */
  @Override
  public void forward(Tensor x, Tensor out) {
    // x: (rows, C) -> a: (rows, H) [-> u: (rows, H)] -> h: (rows, H) -> out: (rows, C)
    fc1.forward(x, a);
    switch (activation) {
      case RELU -> Activations.relu(a, h);
      case GELU_TANH -> Activations.gelu(a, h);
      case GELU_ERF -> Activations.geluErf(a, h);
      case SWIGLU -> {
        fc3.forward(x, u);
        Activations.swiglu(a, u, h);
      }
    }
    fc2.forward(h, out);
  }

  /**
   * Backward pass of the last forward.
   *
   * @param x (rows, C) the input of the forward pass
   * @param dout (rows, C) gradient of the output
   * @param dx (rows, C) gradient of the input, added into
   */
  @Override
  public void backward(Tensor x, Tensor dout, Tensor dx) {
    // dout: (rows, C) -> dh: (rows, H) -> da [, du]: (rows, H) -> dx: (rows, C)
    dh.fill(0f);
    fc2.backward(h, dout, dh);
    da.fill(0f);
    switch (activation) {
      case RELU -> Activations.reluBackward(a, dh, da);
      case GELU_TANH -> Activations.geluBackward(a, dh, da);
      case GELU_ERF -> Activations.geluErfBackward(a, dh, da);
      case SWIGLU -> {
        du.fill(0f);
        Activations.swigluBackward(a, u, dh, da, du);
        fc3.backward(x, du, dx);
      }
    }
    fc1.backward(x, da, dx);
  }
}
