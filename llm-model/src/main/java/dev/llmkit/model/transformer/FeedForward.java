package dev.llmkit.model.transformer;

import dev.llmkit.model.config.ModelConfig;
import dev.llmkit.model.weights.LayerWeights;
import dev.llmkit.tensor.Activations;
import dev.llmkit.tensor.Matmul;
import dev.llmkit.tensor.Tensor;

/**
 * The position-wise feed-forward network: {@code act(x W1 + b1) W2 + b2} with ReLU or GELU, or
 * SwiGLU's {@code (silu(x W1) * (x W3)) W2}.
 */
final class FeedForward {

  private FeedForward() {}

  /** in: (T, C) -> ws.proj: (T, C); uses ws.h, ws.up, ws.act (T, H). */
  static void forward(ModelConfig c, LayerWeights w, Workspace ws, Tensor in) {
    // in: (T, C) -> h: (T, H)
    Matmul.linear(in, w.w1(), w.b1(), ws.h);
    switch (c.activation()) {
      case RELU -> Activations.relu(ws.h, ws.act);
      case GELU_TANH -> Activations.gelu(ws.h, ws.act);
      case GELU_ERF -> Activations.geluErf(ws.h, ws.act);
      case SWIGLU -> {
        // in: (T, C) -> up: (T, H); act = silu(h) * up
        Matmul.linear(in, w.w3(), null, ws.up);
        Activations.swiglu(ws.h, ws.up, ws.act);
      }
    }
    // act: (T, H) -> proj: (T, C)
    Matmul.linear(ws.act, w.w2(), w.b2(), ws.proj);
  }
}
