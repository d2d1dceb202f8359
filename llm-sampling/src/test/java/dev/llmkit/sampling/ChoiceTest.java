package dev.llmkit.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.llmkit.sampling.processors.TopK;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The chosen token's probability and log-probability, and the top-N candidates report. */
class ChoiceTest {

  private static float[] logProbs(double... probabilities) {
    float[] out = new float[probabilities.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = (float) Math.log(probabilities[i]);
    }
    return out;
  }

  @Test
  void randomDrawReportsTheProbabilityOfTheChosenToken() {
    double[] p = {0.5, 0.3, 0.2};
    SamplingContext context = new SamplingContext(3);
    boolean[] seen = new boolean[3];
    for (int i = 0; i < 200; i++) {
      int token = Samplers.random().sample(logProbs(p), context);
      seen[token] = true;
      assertThat(context.lastToken()).isEqualTo(token);
      assertThat((double) context.lastProbability()).isCloseTo(p[token], within(1e-6));
      assertThat((double) context.lastLogProbability()).isCloseTo(Math.log(p[token]), within(1e-6));
      assertThat(context.lastChoice()).isEqualTo(
          new Choice(token, context.lastProbability(), context.lastLogProbability()));
    }
    assertThat(seen).containsOnly(true);
  }

  @Test
  void probabilitiesAreThoseOfTheFilteredDistribution() {
    Sampler sampler = Samplers.chain(Samplers.random(), new TopK(2));
    SamplingContext context = new SamplingContext(5);
    int token = sampler.sample(logProbs(0.5, 0.3, 0.2), context);
    double expected = token == 0 ? 0.625 : 0.375;
    assertThat((double) context.lastProbability()).isCloseTo(expected, within(1e-6));
    List<Choice> top = context.topCandidates(5);
    assertThat(top).hasSize(2); // token 2 was removed: probability 0 is not a candidate
    assertThat(top.get(0).token()).isEqualTo(0);
    assertThat((double) top.get(0).probability()).isCloseTo(0.625, within(1e-6));
    assertThat((double) top.get(0).logProbability()).isCloseTo(Math.log(0.625), within(1e-6));
    assertThat(top.get(1).token()).isEqualTo(1);
    assertThat((double) top.get(1).probability()).isCloseTo(0.375, within(1e-6));
  }

  @Test
  void greedyPicksTheLowestIdAmongEqualMaximaAndReportsItsSoftmaxProbability() {
    float[] logits = {1f, 3f, 3f, 2f};
    SamplingContext context = new SamplingContext(0);
    assertThat(Samplers.greedy().sample(logits.clone(), context)).isEqualTo(1);
    double z = Math.exp(1) + 2 * Math.exp(3) + Math.exp(2);
    assertThat((double) context.lastProbability()).isCloseTo(Math.exp(3) / z, within(1e-6));
    assertThat((double) context.lastLogProbability()).isCloseTo(3 - Math.log(z), within(1e-6));
    // the report ranks equal probabilities by lower id too
    List<Choice> top = context.topCandidates(3);
    assertThat(top).extracting(Choice::token).containsExactly(1, 2, 3);
    assertThat((double) top.get(2).probability()).isCloseTo(Math.exp(2) / z, within(1e-6));
  }

  @Test
  void temperatureZeroIsGreedyWhateverTheSeed() {
    Sampler sampler = SamplerConfig.builder().temperature(0f).topK(2).topP(0.1f).buildSampler();
    for (long seed = 0; seed < 20; seed++) {
      assertThat(sampler.sample(new float[] {0.1f, 2.5f, 2.5f, -1f}, new SamplingContext(seed)))
          .isEqualTo(1);
    }
  }

  @Test
  void allocationFreeReportFillsTheArrays() {
    SamplingContext context = new SamplingContext(0);
    Samplers.greedy().sample(logProbs(0.1, 0.6, 0.3), context);
    int[] ids = new int[2];
    float[] probs = new float[2];
    assertThat(context.topCandidates(2, ids, probs)).isEqualTo(2);
    assertThat(ids).containsExactly(1, 2);
    assertThat((double) probs[0]).isCloseTo(0.6, within(1e-6));
    assertThat((double) probs[1]).isCloseTo(0.3, within(1e-6));
  }

  @Test
  void beforeAnyChoiceThereIsNothingToReport() {
    SamplingContext context = new SamplingContext(0);
    assertThat(context.lastChoice()).isNull();
    assertThat(context.lastToken()).isEqualTo(-1);
    assertThat(context.topCandidates(3)).isEmpty();
  }
}
