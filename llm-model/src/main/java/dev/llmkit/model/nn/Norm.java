package dev.llmkit.model.nn;

import dev.llmkit.model.config.ModelConfig.NormType;
import dev.llmkit.tensor.LayerNorm;
import dev.llmkit.tensor.RmsNorm;
import dev.llmkit.tensor.Tensor;
import java.util.Objects;

/**
 * Normalisation over the last dimension, chosen once from the config: LayerNorm
 * ({@code (x - mean) * rstd * weight + bias}) or RMSNorm ({@code x * rstd * weight}, rstd =
 * 1/sqrt(mean(x²) + eps)). Inference keeps nothing; training keeps the per-row statistics.
 */
public abstract sealed class Norm {

  final float eps;
  final Tensor weight;
  final Tensor bias;

  private Norm(float eps, Tensor weight, Tensor bias) {
    this.eps = eps;
    this.weight = Objects.requireNonNull(weight, "weight");
    this.bias = bias;
  }

  /**
   * The norm of {@code type}.
   *
   * @param weight (C) gain
   * @param bias (C) shift for LayerNorm (may be null), must be null for RMSNorm
   */
  public static Norm of(NormType type, float eps, Tensor weight, Tensor bias) {
    return switch (Objects.requireNonNull(type, "type")) {
      case LAYER_NORM -> new Layer(eps, weight, bias);
      case RMS_NORM -> {
        if (bias != null) {
          throw new IllegalArgumentException("Norm: RMSNorm has no bias, got " + bias.shapeString());
        }
        yield new Rms(eps, weight);
      }
    };
  }

  /**
   * Inference forward: x: (rows, C) -> out: (rows, C); out must not alias x.
   */
  public void forward(Tensor x, Tensor out) {
    forward(x, out, null, null);
  }

  /** x: (rows, C) -> out: (rows, C); mean, rstd: (rows) statistics kept for backward, or null. */
  abstract void forward(Tensor x, Tensor out, Tensor mean, Tensor rstd);

  /** dout: (rows, C), x: (rows, C) -> dx += (rows, C); dWeight, dBias (C) += . */
  abstract void backward(
      Tensor dout, Tensor x, Tensor mean, Tensor rstd, Tensor dx, Tensor dWeight, Tensor dBias);

  abstract boolean needsMean();

  /** The training state for {@code rows} rows: statistics, and the gradients {@code g} names. */
  public Training training(int rows, Gradients g) {
    return new Training(rows, g);
  }

  /** {@link Norm}'s saved statistics and backward. */
  public final class Training implements Trainable {

    private final Tensor mean;
    private final Tensor rstd;
    private final Tensor dWeight;
    private final Tensor dBias;

    private Training(int rows, Gradients g) {
      this.mean = needsMean() ? Tensor.zeros(rows) : null;
      this.rstd = Tensor.zeros(rows);
      this.dWeight = g.of(weight);
      this.dBias = g.of(bias);
    }

    @Override
    public void forward(Tensor x, Tensor out) {
      // x: (rows, C) -> out: (rows, C); mean, rstd: (rows)
      Norm.this.forward(x, out, mean, rstd);
    }

    @Override
    public void backward(Tensor x, Tensor dout, Tensor dx) {
      // dout: (rows, C) -> dx: (rows, C), dweight, dbias: (C)
      Norm.this.backward(dout, x, mean, rstd, dx, dWeight, dBias);
    }
  }

  /** LayerNorm (Ba et al. 2016). */
  static final class Layer extends Norm {
    Layer(float eps, Tensor weight, Tensor bias) {
      super(eps, weight, bias);
    }

    @Override
    void forward(Tensor x, Tensor out, Tensor mean, Tensor rstd) {
      LayerNorm.forward(x, weight, bias, eps, out, mean, rstd);
    }

    @Override
    void backward(Tensor dout, Tensor x, Tensor mean, Tensor rstd, Tensor dx, Tensor dw, Tensor db) {
      LayerNorm.backward(dout, x, weight, mean, rstd, dx, dw, db);
    }

    @Override
    boolean needsMean() {
      return true;
    }
  }

  /** RMSNorm (Zhang and Sennrich 2019). */
  static final class Rms extends Norm {
    Rms(float eps, Tensor weight) {
      super(eps, weight, null);
    }

    @Override
    void forward(Tensor x, Tensor out, Tensor mean, Tensor rstd) {
      RmsNorm.forward(x, weight, eps, out, rstd);
    }

    @Override
    void backward(Tensor dout, Tensor x, Tensor mean, Tensor rstd, Tensor dx, Tensor dw, Tensor db) {
      RmsNorm.backward(dout, x, weight, rstd, dx, dw);
    }

    @Override
    boolean needsMean() {
      return false;
    }
  }
}
