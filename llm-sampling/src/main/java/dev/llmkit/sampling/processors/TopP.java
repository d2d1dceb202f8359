package dev.llmkit.sampling.processors;

import dev.llmkit.sampling.ExpMath;
import dev.llmkit.sampling.Logits;
import dev.llmkit.sampling.LogitsProcessor;
import dev.llmkit.sampling.SamplingContext;
import java.util.Arrays;

/**
 * Top-p, or nucleus sampling (Holtzman et al. 2020): keeps the smallest set of most likely tokens
 * whose probabilities add up to at least p and removes the rest. With probabilities 25%, 25%, 12.5%,
 * 12.5%, ... and p = 0.5, only the first two remain. Tokens whose probability equals that of the
 * least likely kept token are all kept (the result never depends on token order). p = 1 disables it.
 *
 * <p>"Adds up to at least p" allows a relative rounding tolerance of 1e-6, the precision of float
 * probabilities.
 *
 * <p>No sort. One pass computes each token's softmax weight and adds it to a histogram of the
 * distance below the largest logit (buckets of 1/16 logit unit), which tells which bucket holds the
 * cut; a second pass removes the tokens of the buckets below it and gathers that bucket's few
 * tokens, and a weighted quickselect among them finds the exact cut.
 */
public final class TopP implements LogitsProcessor {

  /** Relative tolerance on the probability mass, absorbing float rounding of the weights. */
  static final double MASS_TOLERANCE = 1e-6;

  /** Histogram buckets per logit unit below the maximum. */
  private static final float BUCKETS_PER_LOGIT = 16f;

  /** Buckets: 64 logit units; everything lower (weight below 2e-28) shares the last bucket. */
  private static final int BUCKETS = 1024;

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

  private static int bucket(float distance) {
    // distance = max - logit >= 0 (+Infinity for a removed token) -> bucket in [0, BUCKETS)
    return (int) Math.min(distance * BUCKETS_PER_LOGIT, BUCKETS - 1);
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
    // pass 1: mass[b] = sum of exp(l - max) over the tokens of bucket b
    double[] mass = context.doubleScratch(BUCKETS);
    Arrays.fill(mass, 0, BUCKETS, 0.0);
    for (int i = 0; i < vocab; i++) {
      float distance = max - logits[i];
      mass[bucket(distance)] += ExpMath.expNonPositive(-distance);
    }
    double total = 0;
    for (int b = 0; b < BUCKETS; b++) {
      total += mass[b];
    }
    double need = Math.max(p * total - total * MASS_TOLERANCE, Double.MIN_VALUE);
    int cut = -1;
    double above = 0; // mass of the buckets before the cut's bucket
    for (int b = 0; b < BUCKETS; b++) {
      if (above + mass[b] >= need) {
        cut = b;
        break;
      }
      above += mass[b];
    }
    if (cut < 0) {
      return; // rounding: even everything does not reach p * total; keep all
    }
    // pass 2: remove the buckets after the cut's bucket, gather that bucket's tokens
    float[] keys = context.floatScratch(vocab);
    float[] weights = context.floatScratch2(vocab);
    int[] ids = context.intScratch(vocab);
    int n = 0;
    for (int i = 0; i < vocab; i++) {
      float l = logits[i];
      int b = bucket(max - l);
      if (b > cut) {
        logits[i] = Float.NEGATIVE_INFINITY;
      } else if (b == cut) {
        keys[n] = l;
        weights[n] = ExpMath.expNonPositive(l - max);
        ids[n] = i;
        n++;
      }
    }
    // the exact cut among them: keep logits >= cutoff (keys are reordered, ids are not needed)
    float cutoff = WeightedSelection.thresholdKey(keys, weights, n, need - above, 0);
    for (int j = 0; j < n; j++) {
      int i = ids[j];
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
