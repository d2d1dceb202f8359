package dev.llmkit.model.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmkit.model.InferenceSession;
import dev.llmkit.model.nn.Transformer;
import dev.llmkit.model.weights.ModelWeights;
import dev.llmkit.sampling.Sampler;
import dev.llmkit.sampling.SamplerConfig;
import dev.llmkit.sampling.Samplers;
import dev.llmkit.sampling.SamplingContext;
import dev.llmkit.tensor.DecodeMatrices;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Batched generation: every sequence equals {@link Generator} run alone with the same sampler and
 * seed (tokens, text, finish reason), whatever the batch size and however sequences leave it; the
 * logprobs equal a log-softmax of single-session logits.
 */
class BatchGeneratorTest {

  static final Transformer MODEL = new Transformer(
      ModelWeights.init(GeneratorTest.CONFIG, 3, 0.5f), DecodeMatrices.HEAP_COPY);
  /** EOS = 7, so sequences end at different steps. */
  static final CharTokenizer TOKENIZER = new CharTokenizer(53, -1, 7);

  static final Sampler HOT = SamplerConfig.builder().temperature(1.3f).topK(30).build().sampler();
  static final Sampler WARM = SamplerConfig.builder().temperature(0.7f).topP(0.9f).build().sampler();

  static List<BatchRequest> requests() {
    List<BatchRequest> out = new ArrayList<>();
    int[][] prompts = {{1, 2, 3}, {4, 5}, {9, 9, 9, 9, 9, 9}, {1, 2, 3}, {20}, {33, 34, 35, 36}, {4, 5}};
    for (int i = 0; i < prompts.length; i++) {
      GenerationOptions o = GenerationOptions.maxTokens(5 + 4 * i).withAddBos(false);
      if (i == 2) {
        o = o.withStopStrings("a", "b", "c");
      }
      Sampler s = i % 3 == 0 ? HOT : i % 3 == 1 ? WARM : Samplers.greedy();
      out.add(BatchRequest.of(prompts[i], o, s, 100 + i));
    }
    return out;
  }

  static double[] logSoftmax(float[] logits) {
    double max = Double.NEGATIVE_INFINITY;
    for (float l : logits) {
      max = Math.max(max, l);
    }
    double sum = 0;
    for (float l : logits) {
      sum += Math.exp(l - max);
    }
    double[] out = new double[logits.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = logits[i] - max - Math.log(sum);
    }
    return out;
  }

  void assertLikeGenerator(BatchRequest req, BatchResult got) {
    GenerationResult alone = new Generator(MODEL, TOKENIZER, req.sampler())
        .generate(req.prompt(), req.options(), new SamplingContext(req.context().seed()), null);
    GenerationResult g = got.generation();
    assertThat(g.tokens()).containsExactly(alone.tokens());
    assertThat(g.text()).isEqualTo(alone.text());
    assertThat(g.finishReason()).isEqualTo(alone.finishReason());
    assertThat(g.promptTokens()).isEqualTo(alone.promptTokens());
    assertThat(got.logprobs()).hasSize(g.tokens().length);
    try (InferenceSession s = MODEL.newSession()) {
      float[] logits = s.forward(req.prompt());
      for (int i = 0; i < g.tokens().length; i++) {
        double expected = logSoftmax(logits)[g.tokens()[i]];
        assertThat((double) got.logprobs()[i]).isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-5));
        if (i + 1 < g.tokens().length) {
          logits = s.forward(g.tokens()[i]);
        }
      }
    }
  }

  @Test
  void everySequenceEqualsGeneratorAloneWhateverTheBatchSize() {
    BatchGenerator bg = new BatchGenerator(MODEL, TOKENIZER);
    for (int maxBatch : new int[] {7, 3, 1}) {
      List<BatchRequest> reqs = requests();
      List<BatchResult> results = bg.generate(reqs, maxBatch);
      assertThat(results).hasSize(reqs.size());
      for (int i = 0; i < reqs.size(); i++) {
        assertLikeGenerator(reqs.get(i), results.get(i));
      }
      // the rules really differ between sequences
      assertThat(results.stream().map(r -> r.generation().finishReason()).distinct().count())
          .isGreaterThanOrEqualTo(2);
    }
  }

  @Test
  void samplesUseSeedsSeedPlusIAndShareThePrompt() {
    BatchGenerator bg = new BatchGenerator(MODEL, TOKENIZER);
    GenerationOptions o = GenerationOptions.maxTokens(12).withAddBos(false);
    List<BatchResult> results = bg.samples("123", 5, o, HOT, 42);
    assertThat(results).hasSize(5);
    for (int i = 0; i < 5; i++) {
      assertLikeGenerator(
          BatchRequest.of(new int[] {1, 2, 3}, o, HOT, 42 + i), results.get(i));
    }
    assertThat(results.get(0).generation().tokens()).isNotEqualTo(results.get(1).generation().tokens());
  }

  @Test
  void badInputIsAClearError() {
    BatchGenerator bg = new BatchGenerator(MODEL, TOKENIZER);
    GenerationOptions o = GenerationOptions.maxTokens(4).withAddBos(false);
    assertThatThrownBy(() -> bg.samples("1", 0, o, HOT, 1)).hasMessageContaining("samples must be >= 1");
    assertThatThrownBy(() -> bg.generate(List.of(BatchRequest.of(new int[41], o, HOT, 1))))
        .hasMessageContaining("request 0 has 41 tokens, more than the context length 40");
    assertThatThrownBy(() -> BatchRequest.of(new int[] {1}, o.withSlidingWindow(true), HOT, 1))
        .hasMessageContaining("sliding window");
    assertThatThrownBy(() -> bg.generate(List.of(BatchRequest.of(new int[] {60}, o, HOT, 1))))
        .hasMessageContaining("request 0").hasMessageContaining("token id 60");
    assertThatThrownBy(() -> bg.generate(requests(), 0)).hasMessageContaining("maxBatch");
  }
}
