package dev.llmkit.sampling.processors;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmkit.sampling.Reference;
import dev.llmkit.sampling.SamplingContext;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** top-k, top-p, min-p, typical-p and temperature against exact values and a full-sort reference. */
class FiltersTest {

  private static final float NEG_INF = Float.NEGATIVE_INFINITY;

  private static float[] logProbs(double... probabilities) {
    float[] out = new float[probabilities.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = (float) Math.log(probabilities[i]);
    }
    return out;
  }

  private static float[] gaussian(SplittableRandom random, int n, double scale) {
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      // Box-Muller from two uniforms
      double u = 1 - random.nextDouble();
      double v = random.nextDouble();
      out[i] = (float) (scale * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v));
    }
    return out;
  }

  @Test
  void topPKeepsOnlyTheFirstTwoOfTheIssuesExample() {
    // probabilities 25%, 25%, 12.5%, 12.5%, then 6.25% x 4; top-p 0.5 keeps the first two
    float[] logits = logProbs(0.25, 0.25, 0.125, 0.125, 0.0625, 0.0625, 0.0625, 0.0625);
    new TopP(0.5f).process(logits, new SamplingContext(0));
    assertThat(Reference.finite(logits))
        .containsExactly(true, true, false, false, false, false, false, false);
    // the same vector shuffled: which tokens survive does not depend on their positions
    float[] shuffled = logProbs(0.0625, 0.125, 0.25, 0.0625, 0.0625, 0.25, 0.125, 0.0625);
    new TopP(0.5f).process(shuffled, new SamplingContext(0));
    assertThat(Reference.finite(shuffled))
        .containsExactly(false, false, true, false, false, true, false, false);
  }

  @Test
  void topPJustAboveAMassBoundaryTakesTheNextTokensWithTheirTies() {
    float[] logits = logProbs(0.25, 0.25, 0.125, 0.125, 0.0625, 0.0625, 0.0625, 0.0625);
    new TopP(0.51f).process(logits, new SamplingContext(0));
    // 0.5 < 0.51: the next probability level (two tokens of 12.5%, tied) is kept whole
    assertThat(Reference.finite(logits))
        .containsExactly(true, true, true, true, false, false, false, false);
    float[] all = logProbs(0.25, 0.25, 0.125, 0.125, 0.0625, 0.0625, 0.0625, 0.0625);
    new TopP(0.95f).process(all, new SamplingContext(0));
    assertThat(Reference.finite(all)).containsOnly(true);
  }

  @Test
  void topPMatchesTheFullSortReferenceOnRandomLogits() {
    SplittableRandom random = new SplittableRandom(11);
    SamplingContext context = new SamplingContext(0);
    int checked = 0;
    for (int round = 0; round < 300; round++) {
      int n = 2 + random.nextInt(2000);
      float[] logits = gaussian(random, n, 0.5 + 3 * random.nextDouble());
      if (random.nextInt(4) == 0) {
        logits[random.nextInt(n)] = NEG_INF;
      }
      float p = (float) (0.05 + 0.9 * random.nextDouble());
      if (nearABoundary(Reference.topPBoundaryMasses(logits), p)) {
        continue;
      }
      boolean[] expected = Reference.topP(logits, p);
      float[] actual = logits.clone();
      new TopP(p).process(actual, context);
      assertThat(Reference.finite(actual)).as("round %d, n %d, p %f", round, n, p).isEqualTo(expected);
      checked++;
    }
    assertThat(checked).isGreaterThan(250);
  }

  @Test
  void topPHandlesWideLogitsAndManyTies() {
    SplittableRandom random = new SplittableRandom(23);
    SamplingContext context = new SamplingContext(0);
    int checked = 0;
    for (int round = 0; round < 100; round++) {
      int n = 2 + random.nextInt(3000);
      float[] logits = new float[n];
      boolean ties = round % 2 == 0;
      for (int i = 0; i < n; i++) {
        // wide: logits spread over 200 units (past the histogram's 64); ties: few distinct values
        logits[i] = ties ? random.nextInt(6) * 0.5f : (float) (random.nextDouble() * 200 - 100);
      }
      float p = (float) (0.05 + 0.949 * random.nextDouble());
      if (nearABoundary(Reference.topPBoundaryMasses(logits), p)) {
        continue;
      }
      float[] actual = logits.clone();
      new TopP(p).process(actual, context);
      assertThat(Reference.finite(actual)).as("round %d", round).isEqualTo(Reference.topP(logits, p));
      checked++;
    }
    assertThat(checked).isGreaterThan(80);
  }

  private static boolean nearABoundary(double[] cumulative, double p) {
    for (double c : cumulative) {
      if (Math.abs(c - p) < 1e-5) {
        return true;
      }
    }
    return false;
  }

  @Test
  void topKKeepsTheKLargestAndTheirTies() {
    float[] logits = {1f, 3f, 2f, 3f, 0f};
    new TopK(2).process(logits, new SamplingContext(0));
    assertThat(logits).containsExactly(NEG_INF, 3f, NEG_INF, 3f, NEG_INF);

    float[] tied = {5f, 4f, 4f, 1f};
    new TopK(2).process(tied, new SamplingContext(0));
    assertThat(tied).containsExactly(5f, 4f, 4f, NEG_INF); // both 4s equal the 2nd largest

    float[] small = {1f, NEG_INF, 2f};
    new TopK(2).process(small, new SamplingContext(0));
    assertThat(small).containsExactly(1f, NEG_INF, 2f); // only two possible tokens anyway

    float[] untouched = {1f, 2f, 3f};
    new TopK(0).process(untouched, new SamplingContext(0));
    new TopK(3).process(untouched, new SamplingContext(0));
    new TopK(50).process(untouched, new SamplingContext(0));
    assertThat(untouched).containsExactly(1f, 2f, 3f);
  }

  @Test
  void topKMatchesTheFullSortReferenceOnRandomLogits() {
    SplittableRandom random = new SplittableRandom(3);
    SamplingContext context = new SamplingContext(0);
    for (int round = 0; round < 200; round++) {
      int n = 1 + random.nextInt(3000);
      float[] logits = new float[n];
      for (int i = 0; i < n; i++) {
        logits[i] = random.nextInt(5) == 0 ? random.nextInt(10) : (float) random.nextDouble() * 10;
      }
      int k = 1 + random.nextInt(Math.min(n, 100));
      boolean[] expected = Reference.topK(logits, k);
      float[] actual = logits.clone();
      new TopK(k).process(actual, context);
      assertThat(Reference.finite(actual)).isEqualTo(expected);
    }
  }

  @Test
  void minPDropsTokensBelowTheFractionOfTheTopProbability() {
    float[] logits = logProbs(0.4, 0.3, 0.15, 0.1, 0.05);
    new MinP(0.3f).process(logits, new SamplingContext(0)); // threshold 0.12
    assertThat(Reference.finite(logits)).containsExactly(true, true, true, false, false);

    float[] one = {2f, 1f, 2f, 0f};
    new MinP(1f).process(one, new SamplingContext(0)); // only the tokens at the top probability
    assertThat(one).containsExactly(2f, NEG_INF, 2f, NEG_INF);

    float[] off = {2f, -30f};
    new MinP(0f).process(off, new SamplingContext(0));
    assertThat(off).containsExactly(2f, -30f);
  }

  @Test
  void temperatureDividesTheLogitsAndZeroKeepsOnlyTheLowestIdArgmax() {
    float[] logits = {1f, -2f, 3f, NEG_INF};
    new Temperature(0.5f).process(logits, new SamplingContext(0));
    assertThat(logits).containsExactly(2f, -4f, 6f, NEG_INF);

    float[] greedy = {1f, 3f, -2f, 3f};
    new Temperature(0f).process(greedy, new SamplingContext(0));
    assertThat(greedy).containsExactly(NEG_INF, 3f, NEG_INF, NEG_INF);
  }

  @Test
  void typicalPKeepsTheTokensClosestToTheEntropy() {
    // p = (0.5, 0.25, 0.125, 0.125): H = 1.75 bits = 1.213 nats; surprisals 0.693, 1.386, 2.079 nats
    // distances to H: 0.520, 0.173, 0.866, 0.866 -> order 1, 0, then {2, 3}
    float[] logits = logProbs(0.5, 0.25, 0.125, 0.125);
    float[] a = logits.clone();
    new TypicalP(0.2f).process(a, new SamplingContext(0));
    assertThat(Reference.finite(a)).containsExactly(false, true, false, false);
    float[] b = logits.clone();
    new TypicalP(0.5f).process(b, new SamplingContext(0)); // 0.25 < 0.5 -> add token 0
    assertThat(Reference.finite(b)).containsExactly(true, true, false, false);
    float[] c = logits.clone();
    new TypicalP(0.8f).process(c, new SamplingContext(0)); // 0.75 < 0.8 -> add the tied pair
    assertThat(Reference.finite(c)).containsExactly(true, true, true, true);
  }

  @Test
  void typicalPMatchesTheFullSortReferenceOnRandomLogits() {
    SplittableRandom random = new SplittableRandom(17);
    SamplingContext context = new SamplingContext(0);
    int checked = 0;
    for (int round = 0; round < 150; round++) {
      int n = 2 + random.nextInt(1000);
      float[] logits = gaussian(random, n, 0.5 + 2 * random.nextDouble());
      float p = (float) (0.05 + 0.9 * random.nextDouble());
      boolean[] expected = Reference.typicalP(logits, p);
      if (!wellSeparated(logits, expected, p)) {
        continue;
      }
      float[] actual = logits.clone();
      new TypicalP(p).process(actual, context);
      assertThat(Reference.finite(actual)).as("round %d", round).isEqualTo(expected);
      checked++;
    }
    assertThat(checked).isGreaterThan(100);
  }

  /** The kept mass is not within 1e-5 of p, and the kept/dropped distances differ by 1e-4. */
  private static boolean wellSeparated(float[] logits, boolean[] keep, double p) {
    double[] probs = Reference.softmax(logits);
    double entropy = 0;
    for (double q : probs) {
      entropy -= q > 0 ? q * Math.log(q) : 0;
    }
    double keptMass = 0;
    double maxKept = 0;
    double minDropped = Double.POSITIVE_INFINITY;
    double smallestKept = 1;
    for (int i = 0; i < logits.length; i++) {
      double d = Math.abs(-Math.log(probs[i]) - entropy);
      if (keep[i]) {
        keptMass += probs[i];
        maxKept = Math.max(maxKept, d);
        smallestKept = Math.min(smallestKept, probs[i]);
      } else {
        minDropped = Math.min(minDropped, d);
      }
    }
    boolean massClear = Math.abs(keptMass - p) > 1e-5 && Math.abs(keptMass - smallestKept - p) > 1e-5;
    return massClear && minDropped - maxKept > 1e-4;
  }

  @Test
  void disabledSettingsLeaveTheLogitsUntouched() {
    float[] logits = {0.5f, -1f, 2f, NEG_INF};
    float[] copy = logits.clone();
    SamplingContext context = new SamplingContext(0, 0, 1, 1);
    new TopP(1f).process(logits, context);
    new TypicalP(1f).process(logits, context);
    new Temperature(1f).process(logits, context);
    new RepetitionPenalty(1f).process(logits, context);
    new FrequencyPresencePenalty(0f, 0f).process(logits, context);
    assertThat(logits).containsExactly(copy);
    assertThat(Arrays.equals(logits, copy)).isTrue();
  }
}
