package dev.llmkit.sampling.processors;

import dev.llmkit.sampling.ExpMath;
import dev.llmkit.sampling.Logits;
import dev.llmkit.sampling.LogitsProcessor;
import dev.llmkit.sampling.SamplingContext;

/**
 * Locally typical sampling (Meister et al. 2022; Hugging Face's {@code TypicalLogitsWarper}): ranks
 * tokens by how close their information content {@code -log p_i} is to the entropy H of the
 * distribution, and keeps the smallest set of the closest tokens whose probabilities add up to at
 * least p. Tokens as close as the farthest kept one are all kept. p = 1 disables it.
 *
 * <p>Same tolerance and cost as {@link TopP}: a softmax pass, a weighted quickselect, no sort.
 */
public final class TypicalP implements LogitsProcessor {

  private final float p;

  /**
   * Creates the processor.
   *
   * @param p the probability mass to keep, in {@code (0, 1]}
   * @throws IllegalArgumentException unless {@code 0 < p <= 1}
   */
  public TypicalP(float p) {
    this.p = Validation.massInUnitInterval("typical-p", p);
  }

  /** p. */
  public float p() {
    return p;
  }

  @Override
  public void process(float[] logits, SamplingContext context) {
    // logits: (V) -> logits with the least typical tokens at -Infinity
    if (p == 1f) {
      return;
    }
    int vocab = logits.length;
    float max = Logits.checkedMax(logits);
    if (max == Float.NEGATIVE_INFINITY) {
      return;
    }
    // softmax: w_i = exp(l_i - max), total = sum w, and sum w_i (l_i - max) for the entropy
    double total = 0;
    double weightedShift = 0;
    for (int i = 0; i < vocab; i++) {
      float shifted = logits[i] - max;
      float w = ExpMath.expNonPositive(shifted);
      if (w > 0) {
        total += w;
        weightedShift += w * (double) shifted;
      }
    }
    // log p_i = (l_i - max) - ln total;  H = -sum p_i log p_i = ln total - weightedShift / total
    double logTotal = StrictMath.log(total);
    float logTotalF = (float) logTotal;
    float entropy = (float) (logTotal - weightedShift / total);
    // (key = -|(-log p_i) - H|, weight = w_i): the most typical tokens have the highest keys
    float[] keys = context.floatScratch(vocab);
    float[] weights = context.floatScratch2(vocab);
    int n = 0;
    for (int i = 0; i < vocab; i++) {
      float l = logits[i];
      float w = ExpMath.expNonPositive(l - max);
      if (w > 0) {
        keys[n] = key(l, max, logTotalF, entropy);
        weights[n] = w;
        n++;
      }
    }
    float cutoff =
        WeightedSelection.thresholdKey(keys, weights, n, p * total, total * TopP.MASS_TOLERANCE);
    for (int i = 0; i < vocab; i++) {
      float l = logits[i];
      if (l == Float.NEGATIVE_INFINITY || key(l, max, logTotalF, entropy) < cutoff) {
        logits[i] = Float.NEGATIVE_INFINITY;
      }
    }
  }

  /** The ranking key of a token: minus the distance of its surprisal from the entropy. */
  private static float key(float logit, float max, float logTotal, float entropy) {
    float logP = (logit - max) - logTotal;
    return -Math.abs(-logP - entropy);
  }

  @Override
  public String toString() {
    return "typical-p(" + p + ")";
  }
}
