package dev.llmkit.model.transformer;

import dev.llmkit.model.config.ModelConfig;
import dev.llmkit.tensor.Activations;
import dev.llmkit.tensor.Tensor;

/**
 * The position-wise feed-forward network: {@code act(x W1 + b1) W2 + b2} with ReLU or GELU, or
 * SwiGLU's {@code (silu(x W1) * (x W3)) W2}.
 */
final class FeedForward {

  private FeedForward() {}

  /** in: (T, C) -> ws.proj: (T, C); uses ws.h, ws.up, ws.act (T, H). */
  static void forward(ModelConfig c, LayerLinears w, Workspace ws, Tensor in) {
    // in: (T, C) -> h: (T, H)
    w.w1().forward(in, ws.h);
    switch (c.activation()) {
      case RELU -> Activations.relu(ws.h, ws.act);
      case GELU_TANH -> Activations.gelu(ws.h, ws.act);
      case GELU_ERF -> Activations.geluErf(ws.h, ws.act);
      case SWIGLU -> {
        // in: (T, C) -> up: (T, H); act = silu(h) * up
        w.w3().forward(in, ws.up);
        Activations.swiglu(ws.h, ws.up, ws.act);
      }
    }
    // act: (T, H) -> proj: (T, C)
    w.w2().forward(ws.act, ws.proj);
  }
}
