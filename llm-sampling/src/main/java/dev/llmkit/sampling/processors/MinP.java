package dev.llmkit.sampling.processors;

import dev.llmkit.sampling.Logits;
import dev.llmkit.sampling.LogitsProcessor;
import dev.llmkit.sampling.SamplingContext;

/**
 * Min-p (Nguyen et al. 2024; Hugging Face's {@code MinPLogitsWarper}): removes every token whose
 * probability is below {@code minP} times the probability of the most likely token. Because
 * {@code p_i / p_max = exp(l_i - l_max)}, this is done on the logits directly (no softmax): a token
 * is removed when {@code l_i - l_max < ln(minP)}. min-p = 0 disables it.
 */
public final class MinP implements LogitsProcessor {

  private final float minP;
  private final float logMinP;

  /**
   * Creates the processor.
   *
   * @param minP the fraction of the top probability a token needs, in {@code [0, 1]}
   * @throws IllegalArgumentException unless {@code 0 <= minP <= 1}
   */
  public MinP(float minP) {
    this.minP = Validation.minP(minP);
    this.logMinP = (float) StrictMath.log(minP);
  }

  /** min-p. */
  public float minP() {
    return minP;
  }

  @Override
  public void process(float[] logits, SamplingContext context) {
    // logits: (V) -> logits with tokens below minP * p_max at -Infinity
    if (minP == 0f) {
      return;
    }
    float max = Logits.checkedMax(logits);
    if (max == Float.NEGATIVE_INFINITY) {
      return; // nothing possible; the final choice reports it
    }
    for (int i = 0; i < logits.length; i++) {
      if (logits[i] - max < logMinP) {
        logits[i] = Float.NEGATIVE_INFINITY;
      }
    }
  }

  @Override
  public String toString() {
    return "min-p(" + minP + ")";
  }
}
