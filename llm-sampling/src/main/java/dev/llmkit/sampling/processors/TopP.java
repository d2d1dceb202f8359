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
 * distance below the largest logit (buckets of 1/64 logit unit), which tells which bucket holds the
 * cut; a second pass removes the tokens of the buckets below it and gathers that bucket's few
 * tokens, and a weighted quickselect among them finds the exact cut.
 */
public final class TopP implements LogitsProcessor {

  /** Relative tolerance on the probability mass, absorbing float rounding of the weights. */
  static final double MASS_TOLERANCE = 1e-6;

  /** Histogram buckets per logit unit below the maximum. */
  private static final float BUCKETS_PER_LOGIT = 64f;

  /** Buckets: 64 logit units; everything lower (weight below 2e-28) shares the last bucket. */
  private static final int BUCKETS = 4096;

  private static final int LAST = BUCKETS - 1;

  /**
   * {@code exp(-k / 64)} for the start of each bucket k (StrictMath: the same bits everywhere); the
   * last bucket gets 0, so removed tokens and tokens 64 units below the top weigh nothing.
   */
  private static final float[] BUCKET_EXP = new float[BUCKETS];

  static {
    for (int k = 0; k < LAST; k++) {
      BUCKET_EXP[k] = (float) StrictMath.exp(-k / (double) BUCKETS_PER_LOGIT);
    }
  }

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
    return (int) Math.min(distance * BUCKETS_PER_LOGIT, LAST);
  }

  /**
   * exp(-distance) for a token of bucket k: the bucket's table value times exp(delta), delta =
   * k/64 - distance in (-1/64, 0], by a cubic (relative error below 2e-7). Pure float arithmetic,
   * so deterministic; 0 for the last bucket.
   */
  private static float weight(float distance, int k) {
    float delta = Math.max(k * (1f / BUCKETS_PER_LOGIT) - distance, -1f / BUCKETS_PER_LOGIT);
    float e = 1f / 6f;
    e = e * delta + 0.5f;
    e = e * delta + 1f;
    e = e * delta + 1f;
    return BUCKET_EXP[k] * e;
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
    // pass 1: mass[k] = sum of exp(l - max) over the tokens of bucket k
    double[] mass = context.doubleScratch(BUCKETS);
    Arrays.fill(mass, 0, BUCKETS, 0.0);
    for (int i = 0; i < vocab; i++) {
      float l = logits[i];
      if (l != Float.NEGATIVE_INFINITY) { // removed by an earlier filter (e.g. top-k): skip
        float distance = max - l;
        int k = bucket(distance);
        mass[k] += weight(distance, k);
      }
    }
    double total = 0;
    for (int k = 0; k < BUCKETS; k++) {
      total += mass[k];
    }
    double need = Math.max(p * total - total * MASS_TOLERANCE, Double.MIN_VALUE);
    int cut = -1;
    double above = 0; // mass of the buckets before the cut's bucket
    for (int k = 0; k < BUCKETS; k++) {
      if (above + mass[k] >= need) {
        cut = k;
        break;
      }
      above += mass[k];
    }
    if (cut < 0) {
      return; // rounding: even everything does not reach p * total; keep all
    }
    // pass 2: remove the buckets after the cut's bucket, gather that bucket's tokens
    float[] keys = context.floatScratch(vocab);
    float[] weights = context.floatScratch2(vocab);
    int[] ids = context.intScratch(vocab);
    // bucket(d) > cut  <=>  d * 64 >= cut + 1 (truncation is floor here); the last bucket is
    // clamped, so nothing lies after it
    float after = cut == LAST ? Float.POSITIVE_INFINITY : cut + 1;
    float at = cut;
    int n = 0;
    for (int i = 0; i < vocab; i++) {
      float l = logits[i];
      float distance = max - l;
      float scaled = distance * BUCKETS_PER_LOGIT;
      if (scaled >= after) {
        logits[i] = Float.NEGATIVE_INFINITY;
      } else if (scaled >= at) {
        keys[n] = l;
        weights[n] = weight(distance, cut);
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
