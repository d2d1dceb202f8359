package dev.llmkit.model.nn;

import dev.llmkit.model.config.ModelConfig;
import dev.llmkit.tensor.Activations;
import dev.llmkit.tensor.Elementwise;
import dev.llmkit.tensor.Tensor;
import java.nio.FloatBuffer;

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
  },

  /**
   * gelu_tanh(a) * u: GEGLU (Shazeer 2020), T5 v1.1's {@code gated-gelu} (Hugging Face
   * {@code gelu_new}, the tanh form).
   */
  GEGLU_TANH {
    @Override
    public void forward(Tensor a, Tensor u, Tensor h) {
      Activations.gelu(a, h);
      Elementwise.mul(h, u, h);
    }

    @Override
    public void backward(Tensor a, Tensor u, Tensor dh, Tensor da, Tensor du) {
      // da += dh * u * gelu'(a); du += dh * gelu(a)
      FloatBuffer pa = a.buffer();
      FloatBuffer pu = u.buffer();
      FloatBuffer pg = dh.buffer();
      FloatBuffer pda = da.buffer();
      FloatBuffer pdu = du.buffer();
      for (int i = 0, n = a.length(); i < n; i++) {
        float x = pa.get(i);
        float g = pg.get(i);
        pda.put(i, pda.get(i) + Activations.geluTanhGrad(x, g * pu.get(i)));
        pdu.put(i, pdu.get(i) + g * Activations.geluTanh(x));
      }
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
