package dev.llmkit.sampling.processors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.llmkit.sampling.SamplingContext;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PenaltiesTest {

  private static final float NEG_INF = Float.NEGATIVE_INFINITY;

  @Test
  void repetitionPenaltyDividesPositiveAndMultipliesNegativeLogitsOnce() {
    float[] logits = {2f, -2f, 0.5f, 3f, 0f};
    // token 1 occurs twice but is penalised once; token 4 (logit 0) stays 0
    new RepetitionPenalty(2f).process(logits, new SamplingContext(0, 0, 1, 1, 4));
    assertThat(logits).containsExactly(1f, -4f, 0.5f, 3f, 0f);
  }

  @Test
  void repetitionPenaltyBelowOneEncouragesRepetition() {
    float[] logits = {2f, -2f};
    new RepetitionPenalty(0.5f).process(logits, new SamplingContext(0, 0, 1));
    assertThat(logits).containsExactly(4f, -1f);
  }

  @Test
  void frequencyAndPresencePenaltiesFollowOpenAi() {
    float[] logits = {1f, 1f, 1f, NEG_INF};
    // token 0 once, token 1 three times, token 3 (already impossible) once
    new FrequencyPresencePenalty(0.5f, 1f).process(logits, new SamplingContext(0, 1, 0, 1, 1, 3));
    assertThat(logits[0]).isCloseTo(1f - 0.5f - 1f, within(1e-6f));
    assertThat(logits[1]).isCloseTo(1f - 1.5f - 1f, within(1e-6f));
    assertThat(logits[2]).isEqualTo(1f);
    assertThat(logits[3]).isEqualTo(NEG_INF);
  }

  @Test
  void penaltiesSeeOnlyTheWindowWhenOneIsSet() {
    SamplingContext context = new SamplingContext(0, 0, 0, 1, 2);
    float[] a = {4f, 4f, 4f};
    new RepetitionPenalty(2f, 2).process(a, context); // last two tokens: 1, 2
    assertThat(a).containsExactly(4f, 2f, 2f);
    float[] b = {0f, 0f, 0f};
    new FrequencyPresencePenalty(1f, 0f, 3).process(b, context); // last three: 0, 1, 2
    assertThat(b).containsExactly(-1f, -1f, -1f);
  }

  @Test
  void scratchLeftOversFromAnotherCallDoNotLeakIntoTheCounts() {
    SamplingContext context = new SamplingContext(0, 2, 2);
    int[] scratch = context.intScratch(4);
    java.util.Arrays.fill(scratch, 77);
    float[] logits = {0f, 0f, 0f, 0f};
    new FrequencyPresencePenalty(1f, 0f).process(logits, context);
    assertThat(logits).containsExactly(0f, 0f, -2f, 0f);
    java.util.Arrays.fill(scratch, 1); // a stale "last position" equal to a real position
    float[] r = {4f, 4f, 4f, 4f};
    new RepetitionPenalty(2f).process(r, context);
    assertThat(r).containsExactly(4f, 4f, 2f, 4f);
  }

  @Test
  void logitBiasAddsAndMinusInfinityBans() {
    float[] logits = {1f, 1f, 1f};
    new LogitBias(Map.of(0, 2.5f, 2, NEG_INF)).process(logits, new SamplingContext(0));
    assertThat(logits).containsExactly(3.5f, 1f, NEG_INF);
  }

  @Test
  void bannedTokensBecomeImpossible() {
    float[] logits = {1f, 2f, 3f};
    new BannedTokens(2, 0, 2).process(logits, new SamplingContext(0));
    assertThat(logits).containsExactly(NEG_INF, 2f, NEG_INF);
  }

  @Test
  void tokenIdsOutsideTheVocabularyAreReportedAtSamplingTime() {
    float[] logits = {1f, 2f};
    assertThatThrownBy(() -> new BannedTokens(5).process(logits, new SamplingContext(0)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("banned token 5")
        .hasMessageContaining("[0, 2)");
    assertThatThrownBy(
            () -> new LogitBias(Map.of(9, 1f)).process(logits, new SamplingContext(0)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("logit bias token 9");
    assertThatThrownBy(
            () -> new RepetitionPenalty(1.3f).process(logits, new SamplingContext(0, 0, 7)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("history token 7");
    assertThatThrownBy(
            () -> new FrequencyPresencePenalty(0.1f, 0f).process(logits, new SamplingContext(0, 3)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("history token 3");
  }
}
