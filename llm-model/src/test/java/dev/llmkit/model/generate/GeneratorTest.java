package dev.llmkit.model.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmkit.model.InferenceSession;
import dev.llmkit.model.config.ModelConfig;
import dev.llmkit.model.nn.Transformer;
import dev.llmkit.model.weights.ModelWeights;
import dev.llmkit.sampling.SamplerConfig;
import dev.llmkit.sampling.Samplers;
import dev.llmkit.sampling.SamplingContext;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Generation: greedy ids, streaming, every stopping rule, seeds, context limits. */
class GeneratorTest {

  static final ModelConfig CONFIG = ModelConfig.llama(53, 40, 2, 4, 2, 16, 40);
  static final Transformer MODEL = new Transformer(ModelWeights.init(CONFIG, 3, 0.5f));
  static final CharTokenizer TOKENIZER = new CharTokenizer(53, -1, -1);

  /** The greedy continuation computed directly from sessions, as the independent expectation. */
  static int[] greedyIds(int[] prompt, int n) {
    int[] out = new int[n];
    try (InferenceSession s = MODEL.newSession()) {
      float[] logits = s.forward(prompt);
      for (int i = 0; i < n; i++) {
        int best = 0;
        for (int j = 1; j < logits.length; j++) {
          if (logits[j] > logits[best]) {
            best = j;
          }
        }
        out[i] = best;
        logits = s.forward(best);
      }
    }
    return out;
  }

  static String text(int[] ids) {
    return TOKENIZER.decode(ids);
  }

  record Streamed(List<Integer> tokens, StringBuilder text) implements TokenListener {
    Streamed() {
      this(new ArrayList<>(), new StringBuilder());
    }

    @Override
    public void onToken(int token, String piece) {
      tokens.add(token);
      text.append(piece);
    }
  }

  @Test
  void greedyGenerationStreamsTheGreedyTokensUntilMaxTokens() {
    Generator g = new Generator(MODEL, TOKENIZER, Samplers.greedy());
    Streamed streamed = new Streamed();
    GenerationResult r = g.generate("123", GenerationOptions.maxTokens(12), new SamplingContext(0), streamed);
    int[] expected = greedyIds(new int[] {1, 2, 3}, 12);
    assertThat(r.tokens()).containsExactly(expected);
    assertThat(r.text()).isEqualTo(text(expected));
    assertThat(streamed.text().toString()).isEqualTo(r.text());
    assertThat(streamed.tokens()).startsWith(Arrays.stream(expected).boxed().toArray(Integer[]::new));
    assertThat(r.finishReason()).isEqualTo(FinishReason.MAX_TOKENS);
    assertThat(r.promptTokens()).isEqualTo(3);
    assertThat(r.generatedTokens()).isEqualTo(12);
    assertThat(r.prefillNanos()).isPositive();
    assertThat(r.decodeNanos()).isPositive();
  }

  @Test
  void withoutATokenizerBosTheConfigsBosStartsThePrompt() {
    Transformer withBos = new Transformer(
        ModelWeights.init(CONFIG.toBuilder().bosTokenId(0).build(), 3, 0.5f));
    int[] expected;
    try (InferenceSession s = withBos.newSession()) {
      float[] logits = s.forward(0, 1, 2, 3);
      int best = 0;
      for (int j = 1; j < logits.length; j++) {
        best = logits[j] > logits[best] ? j : best;
      }
      expected = new int[] {best};
    }
    GenerationResult r = new Generator(withBos, TOKENIZER, Samplers.greedy())
        .generate("123", GenerationOptions.maxTokens(1), new SamplingContext(0), null);
    assertThat(r.promptTokens()).isEqualTo(4);
    assertThat(r.tokens()).containsExactly(expected);
    GenerationResult noBos = new Generator(withBos, TOKENIZER, Samplers.greedy())
        .generate("123", GenerationOptions.maxTokens(1).withAddBos(false), new SamplingContext(0), null);
    assertThat(noBos.promptTokens()).isEqualTo(3);
  }

  @Test
  void aStopTokenEndsTheGenerationAndIsNotText() {
    int[] expected = greedyIds(new int[] {5}, 10);
    int stop = expected[4];
    int first = 0;
    while (expected[first] != stop) {
      first++;
    }
    Generator g = new Generator(MODEL, TOKENIZER, Samplers.greedy());
    GenerationResult r = g.generate(new int[] {5},
        GenerationOptions.maxTokens(10).withStopTokens(Set.of(stop)), new SamplingContext(0), null);
    assertThat(r.finishReason()).isEqualTo(FinishReason.EOS);
    assertThat(r.tokens()).containsExactly(Arrays.copyOf(expected, first + 1));
    assertThat(r.text()).isEqualTo(text(Arrays.copyOf(expected, first)));
  }

  @Test
  void theTokenizersEosIdIsTheDefaultStopToken() {
    int[] expected = greedyIds(new int[] {5}, 10);
    CharTokenizer withEos = new CharTokenizer(53, -1, expected[2]);
    GenerationResult r = new Generator(MODEL, withEos, Samplers.greedy())
        .generate(new int[] {5}, GenerationOptions.maxTokens(10), new SamplingContext(0), null);
    assertThat(r.finishReason()).isEqualTo(FinishReason.EOS);
    assertThat(r.tokens()[r.tokens().length - 1]).isEqualTo(expected[2]);
  }

  @Test
  void aStopStringEndsTheGenerationAndIsNeverStreamed() {
    int[] expected = greedyIds(new int[] {7, 8}, 20);
    String full = text(expected);
    String stop = full.substring(6, 9);
    int at = full.indexOf(stop);
    Generator g = new Generator(MODEL, TOKENIZER, Samplers.greedy());
    Streamed streamed = new Streamed();
    GenerationResult r = g.generate(new int[] {7, 8},
        GenerationOptions.maxTokens(20).withStopStrings("never-produced", stop),
        new SamplingContext(0), streamed);
    assertThat(r.finishReason()).isEqualTo(FinishReason.STOP_STRING);
    assertThat(r.text()).isEqualTo(full.substring(0, at));
    assertThat(streamed.text().toString()).isEqualTo(r.text());
    // generation stopped at the token that completed the stop string
    assertThat(r.tokens()).hasSize(at + stop.length());
  }

  @Test
  void heldBackTextIsReleasedWhenItTurnsOutNotToBeAStopString() {
    int[] expected = greedyIds(new int[] {9}, 8);
    String full = text(expected);
    // a stop string that begins with the last generated character but never completes
    String stop = full.charAt(full.length() - 1) + "\u0000";
    Streamed streamed = new Streamed();
    GenerationResult r = new Generator(MODEL, TOKENIZER, Samplers.greedy()).generate(new int[] {9},
        GenerationOptions.maxTokens(8).withStopStrings(stop), new SamplingContext(0), streamed);
    assertThat(r.finishReason()).isEqualTo(FinishReason.MAX_TOKENS);
    assertThat(streamed.text().toString()).isEqualTo(full);
    assertThat(streamed.tokens()).last().isEqualTo(-1);
  }

  @Test
  void theSameSeedGivesTheSameRandomTokens() {
    var sampler = SamplerConfig.builder().temperature(1.2f).topK(20).build().sampler();
    Generator g = new Generator(MODEL, TOKENIZER, sampler);
    GenerationOptions o = GenerationOptions.maxTokens(25);
    int[] a = g.generate("12", o, new SamplingContext(42), null).tokens();
    int[] b = g.generate("12", o, new SamplingContext(42), null).tokens();
    int[] c = g.generate("12", o, new SamplingContext(43), null).tokens();
    assertThat(a).containsExactly(b);
    assertThat(a).isNotEqualTo(c);
  }

  @Test
  void theContextLengthEndsAGenerationUnlessTheWindowSlides() {
    Generator g = new Generator(MODEL, TOKENIZER, Samplers.greedy());
    GenerationResult full = g.generate(new int[] {1, 2, 3, 4, 5},
        GenerationOptions.maxTokens(100), new SamplingContext(0), null);
    assertThat(full.finishReason()).isEqualTo(FinishReason.CONTEXT_FULL);
    assertThat(full.generatedTokens()).isEqualTo(40 - 5 + 1);
    GenerationResult sliding = g.generate(new int[] {1, 2, 3, 4, 5},
        GenerationOptions.maxTokens(100).withSlidingWindow(true), new SamplingContext(0), null);
    assertThat(sliding.finishReason()).isEqualTo(FinishReason.MAX_TOKENS);
    assertThat(sliding.generatedTokens()).isEqualTo(100);
    assertThat(Arrays.copyOf(sliding.tokens(), full.generatedTokens())).containsExactly(full.tokens());
  }

  /** The case: a model with a 64-token window asked for 200 tokens. */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.EnumSource(dev.llmkit.model.ContextOverflow.class)
  void aSixtyFourTokenWindowGeneratesTwoHundredTokensUnlessItStops(
      dev.llmkit.model.ContextOverflow overflow) {
    ModelConfig c = ModelConfig.llama(53, 64, 2, 4, 2, 16, 40);
    Transformer model = new Transformer(ModelWeights.init(c, 5, 0.5f));
    Generator g = new Generator(model, TOKENIZER, SamplerConfig.builder().temperature(1.0f).build().sampler());
    int[] prompt = {1, 2, 3, 4, 5, 6};
    GenerationResult r = g.generate(prompt,
        GenerationOptions.maxTokens(200).withStopTokens(Set.of()).withContextOverflow(overflow)
            .withKeepFirst(2), new SamplingContext(3), null);
    if (overflow == dev.llmkit.model.ContextOverflow.STOP) {
      assertThat(r.finishReason()).isEqualTo(FinishReason.CONTEXT_FULL);
      assertThat(r.generatedTokens()).isEqualTo(64 - 6 + 1);
    } else {
      assertThat(r.finishReason()).isEqualTo(FinishReason.MAX_TOKENS);
      assertThat(r.generatedTokens()).isEqualTo(200);
    }
  }

  @Test
  void theModelsEndOfTurnIdsStopByDefault() {
    int[] expected = greedyIds(new int[] {1, 2, 3}, 12);
    int stop = expected[4];
    int firstStop = 0;
    while (expected[firstStop] != stop) {
      firstStop++;
    }
    // the same weights, with a config that lists the 5th greedy token as an end-of-turn id
    ModelConfig withStop = CONFIG.toBuilder().stopTokenIds(List.of(stop)).build();
    Transformer model = new Transformer(ModelWeights.init(withStop, 3, 0.5f));
    GenerationResult r = new Generator(model, TOKENIZER, Samplers.greedy())
        .generate(new int[] {1, 2, 3}, GenerationOptions.maxTokens(12), new SamplingContext(0), null);
    assertThat(r.finishReason()).isEqualTo(FinishReason.EOS);
    assertThat(r.tokens()).containsExactly(Arrays.copyOf(expected, firstStop + 1));
    assertThat(Generator.defaultStopTokens(model, TOKENIZER)).containsExactly(stop);
  }

  @Test
  void aPromptLongerThanTheContextIsAnError() {
    Generator g = new Generator(MODEL, TOKENIZER, Samplers.greedy());
    int[] longPrompt = new int[41];
    assertThatThrownBy(() -> g.generate(longPrompt, GenerationOptions.maxTokens(1), new SamplingContext(0), null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("41 tokens")
        .hasMessageContaining("context length 40")
        .hasMessageContaining("GenerationOptions.withContextOverflow")
        .hasMessageNotContaining("session");
    GenerationResult r = g.generate(longPrompt,
        GenerationOptions.maxTokens(3).withSlidingWindow(true), new SamplingContext(0), null);
    assertThat(r.generatedTokens()).isEqualTo(3);
  }

  @Test
  void anEmptyPromptStartsFromBos() {
    CharTokenizer withBos = new CharTokenizer(53, 1, -1);
    GenerationResult r = new Generator(MODEL, withBos, Samplers.greedy())
        .generate(new int[0], GenerationOptions.maxTokens(5), new SamplingContext(0), null);
    assertThat(r.tokens()).containsExactly(greedyIds(new int[] {1}, 5));
    assertThatThrownBy(() -> new Generator(MODEL, TOKENIZER, Samplers.greedy())
            .generate(new int[0], GenerationOptions.maxTokens(5), new SamplingContext(0), null))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("BOS");
    // the text API adds BOS in front of the prompt when the tokenizer has one
    GenerationResult t = new Generator(MODEL, withBos, Samplers.greedy())
        .generate("23", GenerationOptions.maxTokens(4), new SamplingContext(0), null);
    assertThat(t.promptTokens()).isEqualTo(3);
    assertThat(t.tokens()).containsExactly(greedyIds(new int[] {1, 2, 3}, 4));
  }
}
