package dev.llmkit.sampling;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SamplerConfigTest {

  private static final SamplerConfig.Builder EVERYTHING =
      SamplerConfig.builder()
          .temperature(0.7f).topK(40).topP(0.9f).minP(0.05f).typicalP(0.95f)
          .repetitionPenalty(1.1f).frequencyPenalty(0.2f).presencePenalty(0.3f)
          .logitBias(3, 1f).ban(9);

  @Test
  void huggingFaceOrderPutsTemperatureBeforeTheFilters() {
    assertThat(EVERYTHING.order(SamplingOrder.HUGGING_FACE).buildSampler().toString())
        .isEqualTo("[logit-bias(1 tokens) -> banned-tokens(1) -> repetition-penalty(1.1)"
            + " -> frequency/presence-penalty(0.2, 0.3) -> temperature(0.7) -> top-k(40)"
            + " -> top-p(0.9) -> min-p(0.05) -> typical-p(0.95) -> random]");
  }

  @Test
  void llamaCppOrderPutsTemperatureLast() {
    assertThat(EVERYTHING.order(SamplingOrder.LLAMA_CPP).buildSampler().toString())
        .isEqualTo("[logit-bias(1 tokens) -> banned-tokens(1) -> repetition-penalty(1.1)"
            + " -> frequency/presence-penalty(0.2, 0.3) -> top-k(40) -> typical-p(0.95)"
            + " -> top-p(0.9) -> min-p(0.05) -> temperature(0.7) -> random]");
  }

  @Test
  void disabledSettingsAddNoProcessorAndTemperatureZeroIsGreedy() {
    assertThat(SamplerConfig.defaults().sampler().toString()).isEqualTo("[random]");
    assertThat(SamplerConfig.builder().temperature(0f).topK(5).repetitionPenalty(1.2f)
            .buildSampler().toString())
        .isEqualTo("[repetition-penalty(1.2) -> greedy]");
  }

  @Test
  void toBuilderAndNewContextKeepTheSettings() {
    SamplerConfig config = EVERYTHING.seed(99).build();
    assertThat(config.toBuilder().build()).isEqualTo(config);
    assertThat(config.newContext().seed()).isEqualTo(99);
    assertThat(config.logitBias()).containsEntry(3, 1f);
    assertThat(config.bannedTokens()).containsExactly(9);
  }
}
