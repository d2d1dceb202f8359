package dev.llmkit.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import dev.llmkit.model.config.ModelConfig;
import dev.llmkit.model.nn.Transformer;
import dev.llmkit.model.weights.ModelWeights;
import org.junit.jupiter.api.Test;

/** Perplexity against the same sum built by hand from one-token-at-a-time decoding. */
class PerplexityTest {

  static final ModelConfig CONFIG = ModelConfig.gpt2(61, 32, 2, 4, 16);
  static final Transformer MODEL = new Transformer(ModelWeights.init(CONFIG, 9, 0.6f));

  @Test
  void scoresTheSecondHalfOfEachNonOverlappingWindowAsLlamaPerplexity() {
    int context = 8;
    int[] tokens = new int[2 * context + 5]; // two windows; the rest of 5 is dropped
    for (int i = 0; i < tokens.length; i++) {
      tokens[i] = (i * 17 + 3) % 61;
    }
    double nll = 0;
    int n = 0;
    for (int w = 0; w < 2; w++) {
      try (InferenceSession s = MODEL.newSession()) {
        for (int j = 0; j < context - 1; j++) {
          double[] p = ProbabilitiesTest.softmax(s.forward(tokens[w * context + j]).clone());
          if (j >= context / 2) { // predictions of tokens 5, 6, 7 of the window
            nll -= Math.log(p[tokens[w * context + j + 1]]);
            n++;
          }
        }
      }
    }
    Perplexity.Result r = Perplexity.evaluate(MODEL, tokens, context);
    assertThat(r.windows()).isEqualTo(2);
    assertThat(r.tokens()).isEqualTo(n).isEqualTo(6);
    assertThat(r.nll()).isCloseTo(nll / n, offset(1e-5));
    assertThat(r.perplexity()).isCloseTo(Math.exp(nll / n), offset(1e-4 * Math.exp(nll / n)));
  }

  @Test
  void tooFewTokensOrABadContextAreNamed() {
    assertThatThrownBy(() -> Perplexity.evaluate(MODEL, new int[7], 8))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("7 tokens").hasMessageContaining("8");
    assertThatThrownBy(() -> Perplexity.evaluate(MODEL, new int[100], 64))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("64").hasMessageContaining("32");
  }
}
