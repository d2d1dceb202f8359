package dev.llmkit.training.nn;

import dev.llmkit.model.config.ModelConfig.NormType;
import dev.llmkit.tensor.LayerNorm;
import dev.llmkit.tensor.RmsNorm;
import dev.llmkit.tensor.Tensor;
import java.util.Objects;

/**
 * LayerNorm ({@code (x - mean) * rstd * weight + bias}) or RMSNorm ({@code x * rstd * weight}, rstd
 * = 1/sqrt(mean(x²) + eps)) over the last dimension, with its backward pass beside it.
 *
 * <p>The caller keeps the input and the per-row statistics (mean, rstd) between forward and backward.
 */
public final class Norm {

  private final NormType type;
  private final float eps;
  private final Tensor weight;
  private final Tensor bias;
  private final Tensor dWeight;
  private final Tensor dBias;

  /**
   * @param type LayerNorm or RMSNorm
   * @param eps added to the variance (or to the mean square)
   * @param weight (C) gain
   * @param bias (C) shift for LayerNorm, null for RMSNorm
   * @param dWeight (C) gradient of the gain, added into
   * @param dBias (C) gradient of the shift, or null
   */
  public Norm(NormType type, float eps, Tensor weight, Tensor bias, Tensor dWeight, Tensor dBias) {
    this.type = Objects.requireNonNull(type, "type");
    this.eps = eps;
    this.weight = Objects.requireNonNull(weight, "weight");
    this.bias = bias;
    this.dWeight = Objects.requireNonNull(dWeight, "dWeight");
    this.dBias = dBias;
    if (type == NormType.RMS_NORM && bias != null) {
      throw new IllegalArgumentException("Norm: RMSNorm has no bias");
    }
  }

  /** Whether {@link #forward} needs a mean buffer (LayerNorm) or only rstd (RMSNorm). */
  public boolean needsMean() {
    return type == NormType.LAYER_NORM;
  }

  /**
   * Forward pass.
   *
   * @param x (rows, C)
   * @param out (rows, C), overwritten
   * @param mean (rows) saved for backward (LayerNorm), ignored and may be null for RMSNorm
   * @param rstd (rows) saved for backward
   */
  public void forward(Tensor x, Tensor out, Tensor mean, Tensor rstd) {
    // x: (rows, C) -> out: (rows, C); mean, rstd: (rows)
    if (type == NormType.LAYER_NORM) {
      LayerNorm.forward(x, weight, bias, eps, out, mean, rstd);
    } else {
      RmsNorm.forward(x, weight, eps, out, rstd);
    }
  }

  /**
   * Backward pass: adds the input gradient into {@code dx} and the parameter gradients into the
   * gradient tensors.
   *
   * @param dout (rows, C) gradient of the output
   * @param x (rows, C) input of the forward pass
   * @param mean (rows) as saved by forward (LayerNorm)
   * @param rstd (rows) as saved by forward
   * @param dx (rows, C) added into
   */
  public void backward(Tensor dout, Tensor x, Tensor mean, Tensor rstd, Tensor dx) {
    // dout: (rows, C) -> dx: (rows, C), dweight, dbias: (C)
    if (type == NormType.LAYER_NORM) {
      LayerNorm.backward(dout, x, weight, mean, rstd, dx, dWeight, dBias);
    } else {
      RmsNorm.backward(dout, x, weight, rstd, dx, dWeight);
    }
  }
}
