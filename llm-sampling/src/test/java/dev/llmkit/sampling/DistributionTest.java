package dev.llmkit.sampling;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmkit.sampling.processors.BannedTokens;
import dev.llmkit.sampling.processors.TopK;
import org.junit.jupiter.api.Test;

/**
 * Statistical tests: the empirical distribution of many draws against the exact distribution,
 * computed independently (double precision, full sort) by {@link Reference}.
 *
 * <p>The bound: for N draws from a distribution over K outcomes, the Bretagnolle–Huber–Carol
 * inequality gives P(sum |p̂_i - p_i| >= e) <= 2^K exp(-N e^2 / 2), so the total variation distance
 * (half that sum) stays below sqrt(2 (K ln 2 + ln(1/δ)) / N) / 2 except with probability δ. With
 * δ = 1e-9, a correct sampler essentially never fails, and each test also checks that the bound is
 * smaller than the distance to a plausible wrong answer, so a wrong sampler does.
 */
class DistributionTest {

  private static final int DRAWS = 100_000;
  private static final float NEG_INF = Float.NEGATIVE_INFINITY;
  private static final float[] LOGITS = {2.0f, 1.0f, 0.5f, 0f, -1f, -1f, -3f, NEG_INF};

  static double bound(int outcomes, int draws) {
    double delta = 1e-9;
    return Math.sqrt(2 * (outcomes * Math.log(2) + Math.log(1 / delta)) / draws) / 2;
  }

  static double totalVariation(double[] p, double[] q) {
    double sum = 0;
    for (int i = 0; i < p.length; i++) {
      sum += Math.abs(p[i] - q[i]);
    }
    return sum / 2;
  }

  static double[] empirical(Sampler sampler, float[] logits, long seed, int draws) {
    SamplingContext context = new SamplingContext(seed);
    double[] freq = new double[logits.length];
    float[] work = new float[logits.length];
    for (int i = 0; i < draws; i++) {
      System.arraycopy(logits, 0, work, 0, logits.length);
      freq[sampler.sample(work, context)]++;
    }
    for (int i = 0; i < freq.length; i++) {
      freq[i] /= draws;
    }
    return freq;
  }

  private static float[] scaled(float[] logits, float t) {
    float[] out = logits.clone();
    for (int i = 0; i < out.length; i++) {
      out[i] /= t;
    }
    return out;
  }

  private static void assertDrawsFollow(Sampler sampler, double[] expected, double[] wrong) {
    double[] actual = empirical(sampler, LOGITS, 2024, DRAWS);
    double eps = bound(LOGITS.length, DRAWS);
    assertThat(totalVariation(actual, expected)).isLessThan(eps);
    assertThat(totalVariation(expected, wrong))
        .as("the bound can tell the right distribution from a wrong one")
        .isGreaterThan(2 * eps);
    for (int i = 0; i < expected.length; i++) {
      if (expected[i] == 0) {
        assertThat(actual[i]).as("token %d is impossible", i).isZero();
      }
    }
  }

  @Test
  void plainRandomDrawFollowsTheSoftmax() {
    double[] softmax = Reference.softmax(LOGITS);
    assertDrawsFollow(Samplers.random(), softmax, Reference.softmax(scaled(LOGITS, 1.3f)));
  }

  @Test
  void temperatureSharpensTheSoftmax() {
    Sampler sampler = SamplerConfig.builder().temperature(0.5f).buildSampler();
    assertDrawsFollow(
        sampler, Reference.softmax(scaled(LOGITS, 0.5f)), Reference.softmax(LOGITS));
  }

  @Test
  void topKDrawsFromTheRenormalisedTopThree() {
    Sampler sampler = SamplerConfig.builder().topK(3).buildSampler();
    double[] expected = Reference.renormalised(LOGITS, Reference.topK(LOGITS, 3));
    assertDrawsFollow(sampler, expected, Reference.softmax(LOGITS));
  }

  @Test
  void topPDrawsFromTheRenormalisedNucleus() {
    Sampler sampler = SamplerConfig.builder().topP(0.8f).buildSampler();
    double[] expected = Reference.renormalised(LOGITS, Reference.topP(LOGITS, 0.8));
    // nucleus of 0.8: tokens 0, 1, 2 (0.517 + 0.190 + 0.115 = 0.822)
    assertThat(Reference.topP(LOGITS, 0.8))
        .containsExactly(true, true, true, false, false, false, false, false);
    assertDrawsFollow(sampler, expected, Reference.softmax(LOGITS));
  }

  @Test
  void minPDrawsFromTheTokensAboveTheFractionOfTheTop() {
    Sampler sampler = SamplerConfig.builder().minP(0.2f).buildSampler();
    // p_i / p_max = exp(l_i - 2) >= 0.2  <=>  l_i >= 2 + ln 0.2 = 0.39: tokens 0, 1, 2
    boolean[] keep = {true, true, true, false, false, false, false, false};
    assertDrawsFollow(sampler, Reference.renormalised(LOGITS, keep), Reference.softmax(LOGITS));
  }

  @Test
  void typicalPDrawsFromTheTypicalSet() {
    Sampler sampler = SamplerConfig.builder().typicalP(0.6f).buildSampler();
    double[] expected = Reference.renormalised(LOGITS, Reference.typicalP(LOGITS, 0.6));
    assertDrawsFollow(sampler, expected, Reference.softmax(LOGITS));
  }

  @Test
  void theTwoOrdersGiveTheirOwnExactDistributions() {
    // temperature 2 flattens the distribution: before top-p (Hugging Face) more tokens make 0.7
    SamplerConfig.Builder settings = SamplerConfig.builder().temperature(2f).topP(0.7f);
    float[] hot = scaled(LOGITS, 2f);
    double[] huggingFace = Reference.renormalised(hot, Reference.topP(hot, 0.7));
    double[] llamaCpp = Reference.renormalised(hot, Reference.topP(LOGITS, 0.7));
    assertThat(Reference.topP(hot, 0.7)).containsExactly(true, true, true, true, false, false, false, false);
    assertThat(Reference.topP(LOGITS, 0.7)).containsExactly(true, true, false, false, false, false, false, false);

    assertDrawsFollow(settings.order(SamplingOrder.HUGGING_FACE).buildSampler(), huggingFace, llamaCpp);
    assertDrawsFollow(settings.order(SamplingOrder.LLAMA_CPP).buildSampler(), llamaCpp, huggingFace);
  }

  @Test
  void aHandBuiltChainRunsInTheGivenOrder() {
    // ban token 0 first, then top-k 2 keeps tokens 1 and 2; the other way round keeps only token 1
    Sampler banThenTopK = Samplers.chain(Samplers.random(), new BannedTokens(0), new TopK(2));
    Sampler topKThenBan = Samplers.chain(Samplers.random(), new TopK(2), new BannedTokens(0));
    boolean[] oneAndTwo = {false, true, true, false, false, false, false, false};
    double[] onlyOne = {0, 1, 0, 0, 0, 0, 0, 0};
    assertDrawsFollow(banThenTopK, Reference.renormalised(LOGITS, oneAndTwo), onlyOne);
    assertThat(empirical(topKThenBan, LOGITS, 1, 1000)).containsExactly(onlyOne);
  }

  @Test
  void penaltiesShiftTheDistribution() {
    Sampler sampler =
        SamplerConfig.builder()
            .repetitionPenalty(2f)
            .frequencyPenalty(0.25f)
            .presencePenalty(0.5f)
            .buildSampler();
    // history: token 0 twice, token 4 once
    float[] penalised = LOGITS.clone();
    penalised[0] = 2.0f / 2 - 2 * 0.25f - 0.5f; // 0
    penalised[4] = -1f * 2 - 0.25f - 0.5f; // -2.75
    double[] expected = Reference.softmax(penalised);
    SamplingContext context = new SamplingContext(77, 0, 4, 0);
    double[] actual = new double[LOGITS.length];
    for (int i = 0; i < DRAWS; i++) {
      actual[sampler.sample(LOGITS.clone(), context)] += 1.0 / DRAWS;
    }
    assertThat(totalVariation(actual, expected)).isLessThan(bound(LOGITS.length, DRAWS));
    assertThat(totalVariation(expected, Reference.softmax(LOGITS))).isGreaterThan(0.1);
  }
}
