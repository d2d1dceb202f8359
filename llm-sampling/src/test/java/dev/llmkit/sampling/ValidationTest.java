package dev.llmkit.sampling;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmkit.sampling.processors.BannedTokens;
import dev.llmkit.sampling.processors.FrequencyPresencePenalty;
import dev.llmkit.sampling.processors.LogitBias;
import dev.llmkit.sampling.processors.MinP;
import dev.llmkit.sampling.processors.RepetitionPenalty;
import dev.llmkit.sampling.processors.Temperature;
import dev.llmkit.sampling.processors.TopK;
import dev.llmkit.sampling.processors.TopP;
import dev.llmkit.sampling.processors.TypicalP;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

/** Every validation error: bad settings when the sampler is built, bad logits when it samples. */
class ValidationTest {

  private static void rejects(UnaryOperator<SamplerConfig.Builder> setting, String... words) {
    ThrowingCallable build = () -> setting.apply(SamplerConfig.builder()).buildSampler();
    var assertion = assertThatThrownBy(build).isInstanceOf(IllegalArgumentException.class);
    for (String w : words) {
      assertion.hasMessageContaining(w);
    }
  }

  @Test
  void temperatureMustBeFiniteAndNotNegative() {
    rejects(b -> b.temperature(-0.1f), "temperature", "-0.1", ">= 0");
    rejects(b -> b.temperature(Float.NaN), "temperature", "NaN");
    rejects(b -> b.temperature(Float.POSITIVE_INFINITY), "temperature", "Infinity");
    assertThatThrownBy(() -> new Temperature(-1f)).hasMessageContaining("temperature is -1.0");
  }

  @Test
  void topKMustNotBeNegative() {
    rejects(b -> b.topK(-1), "top-k", "-1");
    assertThatThrownBy(() -> new TopK(-5)).hasMessageContaining("top-k is -5");
  }

  @Test
  void topPMustLieInZeroExclusiveToOne() {
    rejects(b -> b.topP(0f), "top-p", "(0, 1]");
    rejects(b -> b.topP(-0.5f), "top-p", "-0.5");
    rejects(b -> b.topP(1.01f), "top-p", "1.01");
    rejects(b -> b.topP(Float.NaN), "top-p", "NaN");
    assertThatThrownBy(() -> new TopP(2f)).hasMessageContaining("top-p is 2.0");
  }

  @Test
  void minPMustLieInTheUnitInterval() {
    rejects(b -> b.minP(-0.01f), "min-p", "[0, 1]");
    rejects(b -> b.minP(1.5f), "min-p", "1.5");
    rejects(b -> b.minP(Float.NaN), "min-p", "NaN");
    assertThatThrownBy(() -> new MinP(3f)).hasMessageContaining("min-p is 3.0");
  }

  @Test
  void typicalPMustLieInZeroExclusiveToOne() {
    rejects(b -> b.typicalP(0f), "typical-p", "(0, 1]");
    rejects(b -> b.typicalP(1.2f), "typical-p", "1.2");
    assertThatThrownBy(() -> new TypicalP(0f)).hasMessageContaining("typical-p is 0.0");
  }

  @Test
  void penaltiesAreChecked() {
    rejects(b -> b.repetitionPenalty(0f), "repetition penalty", "> 0");
    rejects(b -> b.repetitionPenalty(-1.2f), "repetition penalty", "-1.2");
    rejects(b -> b.repetitionPenalty(Float.NaN), "repetition penalty", "NaN");
    rejects(b -> b.repetitionPenalty(Float.POSITIVE_INFINITY), "repetition penalty", "Infinity");
    rejects(b -> b.frequencyPenalty(Float.NaN), "frequency penalty", "finite");
    rejects(b -> b.presencePenalty(Float.NEGATIVE_INFINITY), "presence penalty", "finite");
    rejects(b -> b.penaltyWindow(-3), "penalty window", "-3");
    assertThatThrownBy(() -> new RepetitionPenalty(0f)).hasMessageContaining("repetition penalty is 0.0");
    assertThatThrownBy(() -> new RepetitionPenalty(1.1f, -1)).hasMessageContaining("penalty window");
    assertThatThrownBy(() -> new FrequencyPresencePenalty(Float.NaN, 0f))
        .hasMessageContaining("frequency penalty is NaN");
  }

  @Test
  void biasesAndBansAreChecked() {
    rejects(b -> b.logitBias(3, Float.NaN), "logit bias of token 3", "NaN");
    rejects(b -> b.logitBias(3, Float.POSITIVE_INFINITY), "logit bias of token 3", "Infinity");
    rejects(b -> b.logitBias(-2, 1f), "logit bias token -2");
    rejects(b -> b.ban(4, -1), "banned token -1");
    rejects(b -> b.order(null), "order");
    assertThatThrownBy(() -> new BannedTokens(-7)).hasMessageContaining("banned token -7");
    assertThatThrownBy(() -> new LogitBias(Map.of(1, Float.NaN))).hasMessageContaining("token 1");
  }

  @Test
  void nanLogitsAreReportedAtTheirPosition() {
    float[] logits = {0f, 1f, Float.NaN, 2f};
    for (Sampler sampler :
        new Sampler[] {
          Samplers.greedy(), Samplers.random(), SamplerConfig.defaults().sampler(),
          SamplerConfig.builder().topK(2).topP(0.5f).buildSampler(),
          SamplerConfig.builder().temperature(0f).buildSampler()
        }) {
      assertThatThrownBy(() -> sampler.sample(logits.clone(), new SamplingContext(0)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("logits[2] is NaN");
    }
    float[] infinite = {0f, Float.POSITIVE_INFINITY};
    assertThatThrownBy(() -> Samplers.random().sample(infinite, new SamplingContext(0)))
        .hasMessageContaining("logits[1] is +Infinity");
  }

  @Test
  void noPossibleTokenAfterFilteringIsReported() {
    float[] logits = {0f, 1f, 2f};
    Sampler banAll = SamplerConfig.builder().ban(0, 1, 2).topK(2).buildSampler();
    assertThatThrownBy(() -> banAll.sample(logits.clone(), new SamplingContext(0)))
        .isInstanceOf(NoPossibleTokenException.class)
        .hasMessageContaining("all 3 logits are -Infinity")
        .hasMessageContaining("after the chain [banned-tokens(3) -> top-k(2) -> random]")
        .hasMessageContaining("at sequence position 0");
    float[] none = {Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY};
    assertThatThrownBy(() -> Samplers.greedy().sample(none, new SamplingContext(0)))
        .isInstanceOf(NoPossibleTokenException.class)
        .hasMessageContaining("all 2 logits are -Infinity");
  }

  @Test
  void badHistoryTokensAreRejected() {
    assertThatThrownBy(() -> new SamplingContext(0).accept(-1)).hasMessageContaining("token -1");
  }
}
