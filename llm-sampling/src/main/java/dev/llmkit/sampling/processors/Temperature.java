package dev.llmkit.sampling.processors;

import dev.llmkit.sampling.Logits;
import dev.llmkit.sampling.LogitsProcessor;
import dev.llmkit.sampling.SamplingContext;

/**
 * Temperature scaling: divides every logit by T (as Hugging Face's {@code TemperatureLogitsWarper}).
 * T &lt; 1 sharpens the distribution, T &gt; 1 flattens it, T = 1 leaves it unchanged, and T = 0 means
 * greedy: only the largest logit survives (equal largest: the lowest token id).
 */
public final class Temperature implements LogitsProcessor {

  private final float temperature;

  /**
   * Creates the processor.
   *
   * @param temperature T, a finite number {@code >= 0}
   * @throws IllegalArgumentException if T is negative, NaN or infinite
   */
  public Temperature(float temperature) {
    this.temperature = Validation.temperature(temperature);
  }

  /** T. */
  public float temperature() {
    return temperature;
  }

  @Override
  public void process(float[] logits, SamplingContext context) {
    // logits: (V) -> logits / T
    if (temperature == 1f) {
      return;
    }
    if (temperature == 0f) {
      int best = Logits.argmax(logits);
      for (int i = 0; i < logits.length; i++) {
        if (i != best) {
          logits[i] = Float.NEGATIVE_INFINITY;
        }
      }
      return;
    }
    float t = temperature;
    for (int i = 0; i < logits.length; i++) {
      logits[i] = logits[i] / t;
    }
  }

  @Override
  public String toString() {
    return "temperature(" + temperature + ")";
  }
}
