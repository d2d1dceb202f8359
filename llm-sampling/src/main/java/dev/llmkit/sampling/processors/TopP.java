package dev.llmkit.sampling.processors;

import dev.llmkit.sampling.ExpMath;
import dev.llmkit.sampling.Logits;
import dev.llmkit.sampling.LogitsProcessor;
import dev.llmkit.sampling.SamplingContext;

/**
 * Top-p, or nucleus sampling (Holtzman et al. 2020): keeps the smallest set of most likely tokens
 * whose probabilities add up to at least p and removes the rest. With probabilities 25%, 25%, 12.5%,
 * 12.5%, ... and p = 0.5, only the first two remain. Tokens whose probability equals that of the
 * least likely kept token are all kept (the result never depends on token order). p = 1 disables it.
 *
 * <p>"Adds up to at least p" allows a relative rounding tolerance of 1e-6, the precision of float
 * probabilities. Cost: one softmax pass and a weighted quickselect (expected linear), no sort.
 */
public final class TopP implements LogitsProcessor {

  /** Relative tolerance on the probability mass, absorbing float rounding of the weights. */
  static final double MASS_TOLERANCE = 1e-6;

  private final float p;

  /**
   * Creates the processor.
   *
   * @param p the probability mass to keep, in {@code (0, 1]}
   * @throws IllegalArgumentException unless {@code 0 < p <= 1}
   */
  public TopP(float p) {
    this.p = Validation.massInUnitInterval("top-p", p);
  }

  /** p. */
  public float p() {
    return p;
  }

  @Override
  public void process(float[] logits, SamplingContext context) {
    // logits: (V) -> logits with tokens outside the nucleus at -Infinity
    if (p == 1f) {
      return;
    }
    int vocab = logits.length;
    float max = Logits.checkedMax(logits);
    if (max == Float.NEGATIVE_INFINITY) {
      return;
    }
    // (key = logit, weight = exp(logit - max)) of every token with a non-zero weight
    float[] keys = context.floatScratch(vocab);
    float[] weights = context.floatScratch2(vocab);
    int n = 0;
    double total = 0;
    for (int i = 0; i < vocab; i++) {
      float l = logits[i];
      float w = ExpMath.expNonPositive(l - max);
      if (w > 0) {
        keys[n] = l;
        weights[n] = w;
        n++;
        total += w;
      }
    }
    float cutoff =
        WeightedSelection.thresholdKey(keys, weights, n, p * total, total * MASS_TOLERANCE);
    for (int i = 0; i < vocab; i++) {
      if (logits[i] < cutoff) {
        logits[i] = Float.NEGATIVE_INFINITY;
      }
    }
  }

  @Override
  public String toString() {
    return "top-p(" + p + ")";
  }
}
