package dev.llmkit.model.config;

import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;

/**
 * How rotary frequencies are rescaled for contexts longer than a model was first trained on, as
 * Hugging Face's {@code rope_scaling} (and llama.cpp's {@code rope_freqs} tensor) describe it. Each
 * type gives the inverse frequency of every pair of a head ({@link #inverseFrequencies}) and a
 * factor on cos and sin ({@link #attentionFactor}, YaRN's; 1 otherwise), following
 * transformers' {@code modeling_rope_utils.py}.
 *
 * @param type the scaling rule
 * @param factor the context extension factor (LINEAR, LLAMA3, YARN, DYNAMIC)
 * @param lowFreqFactor Llama 3's {@code low_freq_factor}
 * @param highFreqFactor Llama 3's {@code high_freq_factor}
 * @param originalContext {@code original_max_position_embeddings} (LLAMA3, YARN)
 * @param betaFast YaRN's {@code beta_fast} (default 32)
 * @param betaSlow YaRN's {@code beta_slow} (default 1)
 * @param yarnAttentionFactor YaRN's {@code attention_factor}; 0 means {@code 0.1·ln(factor) + 1}
 * @param freqFactors FREQ_FACTORS: per pair, the divisor of the plain frequency (llama.cpp's
 *     {@code rope_freqs}); else null
 */
public record RopeScaling(
    Type type,
    double factor,
    double lowFreqFactor,
    double highFreqFactor,
    int originalContext,
    double betaFast,
    double betaSlow,
    double yarnAttentionFactor,
    float[] freqFactors) {

  /** The scaling rules. */
  public enum Type {
    /** Plain RoPE. */
    NONE,
    /** Position interpolation: every frequency divided by the factor. */
    LINEAR,
    /**
     * Dynamic NTK: plain RoPE up to the configured context (transformers rescales only beyond
     * {@code max_position_embeddings}, which this library never reaches).
     */
    DYNAMIC,
    /** Llama 3.1's: low frequencies divided by the factor, high kept, a smooth ramp between. */
    LLAMA3,
    /** YaRN (Peng et al. 2023): ramp between interpolation and extrapolation, attention factor. */
    YARN,
    /** Explicit per-pair divisors (llama.cpp's {@code rope_freqs} tensor). */
    FREQ_FACTORS
  }

  /** No scaling. */
  public static final RopeScaling NONE = new RopeScaling(Type.NONE, 1, 0, 0, 0, 0, 0, 0, null);

  /** Validates the parameters the type uses. */
  public RopeScaling {
    Objects.requireNonNull(type, "type");
    if (type != Type.NONE && type != Type.FREQ_FACTORS && !(factor > 0)) {
      throw new IllegalArgumentException(
          "rope_scaling " + name(type) + ": factor must be > 0, got " + factor);
    }
    if ((type == Type.LLAMA3 || type == Type.YARN) && originalContext <= 0) {
      throw new IllegalArgumentException("rope_scaling " + name(type)
          + ": original_max_position_embeddings must be > 0, got " + originalContext);
    }
    if (type == Type.LLAMA3 && !(highFreqFactor > lowFreqFactor && lowFreqFactor > 0)) {
      throw new IllegalArgumentException("rope_scaling llama3: need 0 < low_freq_factor < "
          + "high_freq_factor, got " + lowFreqFactor + ", " + highFreqFactor);
    }
    if (type == Type.FREQ_FACTORS) {
      if (freqFactors == null || freqFactors.length == 0) {
        throw new IllegalArgumentException("rope_scaling freq_factors: no factors");
      }
      freqFactors = freqFactors.clone();
    } else if (freqFactors != null) {
      throw new IllegalArgumentException("rope_scaling " + name(type) + " takes no freq factors");
    }
  }

  /** Position interpolation by {@code factor}. */
  public static RopeScaling linear(double factor) {
    return new RopeScaling(Type.LINEAR, factor, 0, 0, 0, 0, 0, 0, null);
  }

  /** Dynamic NTK by {@code factor} (plain within the configured context). */
  public static RopeScaling dynamic(double factor) {
    return new RopeScaling(Type.DYNAMIC, factor, 0, 0, 0, 0, 0, 0, null);
  }

  /** Llama 3.1's rule. */
  public static RopeScaling llama3(
      double factor, double lowFreqFactor, double highFreqFactor, int originalContext) {
    return new RopeScaling(
        Type.LLAMA3, factor, lowFreqFactor, highFreqFactor, originalContext, 0, 0, 0, null);
  }

  /** YaRN; attentionFactor 0 means the default {@code 0.1·ln(factor) + 1}. */
  public static RopeScaling yarn(
      double factor, int originalContext, double betaFast, double betaSlow, double attentionFactor) {
    return new RopeScaling(
        Type.YARN, factor, 0, 0, originalContext, betaFast, betaSlow, attentionFactor, null);
  }

  /** Per-pair divisors of the plain frequencies (llama.cpp's {@code rope_freqs}). */
  public static RopeScaling freqFactors(float[] factors) {
    return new RopeScaling(Type.FREQ_FACTORS, 1, 0, 0, 0, 0, 0, 0, factors);
  }

  /** The per-pair divisors of FREQ_FACTORS (a copy), else null. */
  @Override
  public float[] freqFactors() {
    return freqFactors == null ? null : freqFactors.clone();
  }

  /**
   * The inverse frequency of each of the {@code rotaryDim/2} pairs.
   *
   * @throws IllegalArgumentException when FREQ_FACTORS has the wrong number of factors
   */
  public double[] inverseFrequencies(int rotaryDim, double theta) {
    int half = rotaryDim / 2;
    double[] inv = new double[half];
    for (int i = 0; i < half; i++) {
      inv[i] = 1.0 / Math.pow(theta, 2.0 * i / rotaryDim);
    }
    switch (type) {
      case NONE, DYNAMIC -> { }
      case LINEAR -> {
        for (int i = 0; i < half; i++) {
          inv[i] /= factor;
        }
      }
      case LLAMA3 -> {
        // transformers _compute_llama3_parameters
        double lowWavelen = originalContext / lowFreqFactor;
        double highWavelen = originalContext / highFreqFactor;
        for (int i = 0; i < half; i++) {
          double wavelen = 2 * Math.PI / inv[i];
          if (wavelen > lowWavelen) {
            inv[i] = inv[i] / factor;
          } else if (wavelen >= highWavelen) {
            double smooth = (originalContext / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
            inv[i] = (1 - smooth) * inv[i] / factor + smooth * inv[i];
          }
        }
      }
      case YARN -> {
        // transformers _compute_yarn_parameters (truncate = true)
        double bf = betaFast > 0 ? betaFast : 32;
        double bs = betaSlow > 0 ? betaSlow : 1;
        double low = Math.max(Math.floor(correctionDim(bf, rotaryDim, theta)), 0);
        double high = Math.min(Math.ceil(correctionDim(bs, rotaryDim, theta)), rotaryDim - 1);
        if (low == high) {
          high += 0.001;
        }
        for (int i = 0; i < half; i++) {
          double ramp = Math.min(1, Math.max(0, (i - low) / (high - low)));
          double extrapolation = 1 - ramp;
          double interpolation = inv[i] / factor;
          inv[i] = interpolation * (1 - extrapolation) + inv[i] * extrapolation;
        }
      }
      case FREQ_FACTORS -> {
        if (freqFactors.length != half) {
          throw new IllegalArgumentException("rope_freqs has " + freqFactors.length
              + " factors, the rotary dimension " + rotaryDim + " needs " + half);
        }
        for (int i = 0; i < half; i++) {
          inv[i] /= freqFactors[i];
        }
      }
      default -> throw new IllegalStateException(type.toString());
    }
    return inv;
  }

  private double correctionDim(double rotations, int dim, double theta) {
    return dim * Math.log(originalContext / (rotations * 2 * Math.PI)) / (2 * Math.log(theta));
  }

  /** The factor on cos and sin: YaRN's attention factor, else 1. */
  public double attentionFactor() {
    if (type != Type.YARN) {
      return 1.0;
    }
    if (yarnAttentionFactor > 0) {
      return yarnAttentionFactor;
    }
    return factor <= 1 ? 1.0 : 0.1 * Math.log(factor) + 1.0;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RopeScaling r && type == r.type && factor == r.factor
        && lowFreqFactor == r.lowFreqFactor && highFreqFactor == r.highFreqFactor
        && originalContext == r.originalContext && betaFast == r.betaFast && betaSlow == r.betaSlow
        && yarnAttentionFactor == r.yarnAttentionFactor && Arrays.equals(freqFactors, r.freqFactors);
  }

  @Override
  public int hashCode() {
    return Objects.hash(type, factor, lowFreqFactor, highFreqFactor, originalContext, betaFast,
        betaSlow, yarnAttentionFactor, Arrays.hashCode(freqFactors));
  }

  @Override
  public String toString() {
    return type == Type.NONE ? "none" : name(type) + "(factor " + factor + ")";
  }

  private static String name(Type t) {
    return t.name().toLowerCase(Locale.ROOT);
  }
}
