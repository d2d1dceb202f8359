package dev.llmkit.model.nn;

import dev.llmkit.model.config.ModelConfig;
import dev.llmkit.tensor.Activations;
import dev.llmkit.tensor.Tensor;

/**
 * The feed-forward network's nonlinearity, with its backward beside it: {@code h = act(a)}, or for
 * the gated SwiGLU {@code h = silu(a) * u} (Shazeer 2020). Shapes: a, u, h and their gradients
 * (rows, H).
 */
public enum Activation {

  /** max(0, a). */
  RELU {
    @Override
    public void forward(Tensor a, Tensor u, Tensor h) {
      Activations.relu(a, h);
    }

    @Override
    public void backward(Tensor a, Tensor u, Tensor dh, Tensor da, Tensor du) {
      Activations.reluBackward(a, dh, da);
    }
  },

  /** GELU, tanh approximation (GPT-2). */
  GELU_TANH {
    @Override
    public void forward(Tensor a, Tensor u, Tensor h) {
      Activations.gelu(a, h);
    }

    @Override
    public void backward(Tensor a, Tensor u, Tensor dh, Tensor da, Tensor du) {
      Activations.geluBackward(a, dh, da);
    }
  },

  /** GELU, exact (erf) form (BERT). */
  GELU_ERF {
    @Override
    public void forward(Tensor a, Tensor u, Tensor h) {
      Activations.geluErf(a, h);
    }

    @Override
    public void backward(Tensor a, Tensor u, Tensor dh, Tensor da, Tensor du) {
      Activations.geluErfBackward(a, dh, da);
    }
  },

  /** silu(a) * u: the gate a and the up projection u (Llama). */
  SWIGLU {
    @Override
    public void forward(Tensor a, Tensor u, Tensor h) {
      Activations.swiglu(a, u, h);
    }

    @Override
    public void backward(Tensor a, Tensor u, Tensor dh, Tensor da, Tensor du) {
      Activations.swigluBackward(a, u, dh, da, du);
    }

    @Override
    public boolean gated() {
      return true;
    }
  };

  /** a (and u when gated): (rows, H) -> h: (rows, H). */
  public abstract void forward(Tensor a, Tensor u, Tensor h);

  /** dh: (rows, H) -> da += (rows, H), and du += (rows, H) when gated (else du is ignored). */
  public abstract void backward(Tensor a, Tensor u, Tensor dh, Tensor da, Tensor du);

  /** Whether the activation takes a second input u (an up projection). */
  public boolean gated() {
    return false;
  }

  /** The behaviour of the config's activation. */
  public static Activation of(ModelConfig.Activation a) {
    return valueOf(a.name());
  }
}
