package dev.llmkit.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmkit.model.ContextOverflow;
import dev.llmkit.model.config.ModelConfig;
import org.junit.jupiter.api.Test;

class OverflowOptionTest {

  @Test
  void theDefaultContinuesAndNamesAreReadInAnyCase() {
    ModelConfig llama = ModelConfig.llama(53, 16, 1, 4, 2, 16, 40);
    ModelConfig gpt2 = ModelConfig.gpt2(53, 16, 1, 4, 16);
    assertThat(OverflowOption.parse(null, llama)).isEqualTo(ContextOverflow.SHIFT);
    assertThat(OverflowOption.parse(null, gpt2)).isEqualTo(ContextOverflow.SLIDE);
    assertThat(OverflowOption.parse("stop", llama)).isEqualTo(ContextOverflow.STOP);
    assertThat(OverflowOption.parse("Slide", llama)).isEqualTo(ContextOverflow.SLIDE);
    assertThatThrownBy(() -> OverflowOption.parse("wrap", llama))
        .hasMessage("--context-overflow wrap: expected stop, slide or shift");
  }
}
