package dev.llmkit.training.rlhf;

import static dev.llmkit.training.rlhf.RlhfFixtures.CHARS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.llmkit.model.config.ModelConfig;
import dev.llmkit.model.generate.GenerationOptions;
import dev.llmkit.model.generate.GenerationResult;
import dev.llmkit.model.generate.Generator;
import dev.llmkit.model.nn.Transformer;
import dev.llmkit.model.weights.ModelWeights;
import dev.llmkit.sampling.Samplers;
import dev.llmkit.sampling.SamplingContext;
import dev.llmkit.tensor.DecodeMatrices;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Batched rollouts against sequential generation with the same seeds. */
class GeneratorRolloutsTest {

  @Test
  void batchedRolloutsEqualSequentialGenerationsWithTheSameSeeds() {
    ModelConfig c = ModelConfig.llama(CHARS.vocabSize(), 32, 2, 2, 2, 16, 48);
    // large enough weights that the samples differ from sample to sample
    Transformer model = new Transformer(ModelWeights.init(c, 5, 0.5f), DecodeMatrices.SHARED);
    List<String> prompts = List.of("the ", "once upon ", "a");
    int k = 4;
    long seed = 40;
    // 12 rollouts, 5 at a time: rows leave the batch and later requests take them
    List<Rollout> batched = new GeneratorRollouts(model, CHARS, 10, 5).sample(prompts, k, seed);
    assertThat(batched).hasSize(prompts.size() * k);
    GenerationOptions options = GenerationOptions.maxTokens(10);
    for (int j = 0; j < batched.size(); j++) {
      Rollout r = batched.get(j);
      String prompt = prompts.get(j / k);
      int[] ids = new GeneratorRollouts(model, CHARS, 10).promptIds(prompt);
      GenerationResult alone = new Generator(model, CHARS, Samplers.random())
          .generate(ids, options, new SamplingContext(seed + j), null);
      assertThat(r.prompt()).isEqualTo(prompt);
      assertThat(r.promptIds()).containsExactly(ids);
      assertThat(r.responseIds()).as("rollout %d", j).containsExactly(alone.tokens());
      assertThat(r.response()).isEqualTo(alone.text());
      // each logprob is log softmax of the policy's logits at that token: a probability's log
      assertThat(r.logProbs()).hasSize(alone.tokens().length);
      for (float lp : r.logProbs()) {
        assertThat(lp).isLessThanOrEqualTo(0f).isGreaterThan(-20f);
      }
    }
    // the samples are not all alike (otherwise equal tokens would show little)
    assertThat(batched.stream().map(Rollout::response).distinct().count()).isGreaterThan(6);
    // one at a time gives the same rollouts, logprobs included
    List<Rollout> one = new GeneratorRollouts(model, CHARS, 10, 1).sample(prompts, k, seed);
    for (int j = 0; j < batched.size(); j++) {
      assertThat(one.get(j).responseIds()).containsExactly(batched.get(j).responseIds());
      float[] a = one.get(j).logProbs();
      float[] b = batched.get(j).logProbs();
      for (int t = 0; t < a.length; t++) {
        assertThat(b[t]).isCloseTo(a[t], within(0f));
      }
    }
  }

  @Test
  void rejectsABatchBelowOne() {
    Transformer model = new Transformer(ModelWeights.init(
        ModelConfig.llama(CHARS.vocabSize(), 16, 1, 2, 1, 8, 12), 1, 0.02f), DecodeMatrices.SHARED);
    assertThatThrownBy(() -> new GeneratorRollouts(model, CHARS, 4, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxBatch must be >= 1, got 0");
  }
}
