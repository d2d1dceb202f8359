package dev.llmkit.model.transformer;

import dev.llmkit.model.config.ModelConfig;
import dev.llmkit.model.config.ModelConfig.NormType;
import dev.llmkit.tensor.LayerNorm;
import dev.llmkit.tensor.RmsNorm;
import dev.llmkit.tensor.Tensor;

/** The model's normalisation, LayerNorm or RMSNorm as its config says, over the last dimension. */
final class Norm {

  private Norm() {}

  /**
   * out = Norm(x) with the given weight (and bias for LayerNorm).
   *
   * <p>x: (rows, C) -> out: (rows, C); out must not alias x.
   */
  static void forward(ModelConfig c, Tensor x, Tensor weight, Tensor bias, Tensor out) {
    if (c.norm() == NormType.LAYER_NORM) {
      LayerNorm.forward(x, weight, bias, c.normEps(), out, null, null);
    } else {
      RmsNorm.forward(x, weight, c.normEps(), out, null);
    }
  }
}
