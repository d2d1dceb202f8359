package dev.llmkit.model.t5;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmkit.model.InferenceSession;
import dev.llmkit.model.io.CheckpointFormatException;
import dev.llmkit.model.io.Fixtures;
import dev.llmkit.model.io.safetensors.SafetensorsFile;
import dev.llmkit.model.io.safetensors.SafetensorsWriter;
import dev.llmkit.model.generate.FinishReason;
import dev.llmkit.model.generate.GenerationOptions;
import dev.llmkit.model.generate.GenerationResult;
import dev.llmkit.model.generate.Generator;
import dev.llmkit.sampling.SamplerConfig;
import dev.llmkit.sampling.Samplers;
import dev.llmkit.sampling.SamplingContext;
import dev.llmkit.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The T5 decoder as a LanguageModel (contract: {@code conditionedOn(encoderIds)} → Generator with
 * every sampler), the Hugging Face folder round trip, and the errors of bad input.
 */
class T5InferenceTest {

  @TempDir Path tmp;

  @Test
  void generatorWithGreedySamplerReproducesTheReferenceGreedyIds() throws Exception {
    JsonNode g = T5GoldenTest.golden("t5-gated-untied");
    T5Model model = T5Model.load(Fixtures.fixture("t5-gated-untied"));
    T5Decoder decoder = model.conditionedOn(T5GoldenTest.ints(g.get("encoder_ids")));
    int[] expected = T5GoldenTest.ints(g.get("greedy"));
    Generator gen = new Generator(decoder, new IdTokenizer(80, 1), Samplers.greedy());
    GenerationResult r = gen.generate(decoder.startIds(), GenerationOptions.maxTokens(expected.length),
        new SamplingContext(1), null);
    assertThat(r.tokens()).containsExactly(expected);
    assertThat(r.finishReason()).isEqualTo(FinishReason.MAX_TOKENS);
  }

  @Test
  void generatorStopsAtEosAndSamplesReproduciblyWithAChainOfProcessors() throws Exception {
    T5Model model = T5Model.load(Fixtures.fixture("t5-gated-untied"));
    T5Decoder decoder = model.conditionedOn(new int[] {9, 4, 71, 30, 2});
    SamplerConfig cfg = SamplerConfig.builder().temperature(1.5f).topK(20).topP(0.95f).seed(7).build();
    Generator gen = new Generator(decoder, new IdTokenizer(80, 1), cfg.sampler());
    GenerationOptions opts = GenerationOptions.maxTokens(40);
    GenerationResult a = gen.generate(decoder.startIds(), opts, cfg.newContext(), null);
    GenerationResult b = gen.generate(decoder.startIds(), opts, cfg.newContext(), null);
    assertThat(a.tokens()).containsExactly(b.tokens());
    assertThat(a.tokens()).isNotEmpty();
    // EOS: make the first sampled token the stop token
    int first = a.tokens()[0];
    GenerationResult c = gen.generate(decoder.startIds(), opts.withStopTokens(Set.of(first)),
        cfg.newContext(), null);
    assertThat(c.finishReason()).isEqualTo(FinishReason.EOS);
    assertThat(c.tokens()).containsExactly(first);
  }

  @Test
  void savedFolderWritesTiedTensorsOnceAndLoadsBackToTheSameLogits() throws Exception {
    for (String name : T5GoldenTest.FIXTURES) {
      T5Model model = T5Model.load(Fixtures.fixture(name));
      Path dir = tmp.resolve(name);
      model.weights().save(dir);
      try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("model.safetensors"))) {
        assertThat(f.names()).contains(T5Weights.SHARED)
            .doesNotContain("encoder.embed_tokens.weight", "decoder.embed_tokens.weight");
        assertThat(f.names().contains(T5Weights.LM_HEAD)).isEqualTo(!model.config().tiedEmbeddings());
      }
      T5Config again = T5Config.read(dir.resolve("config.json"));
      assertThat(again).isEqualTo(model.config());
      int[] enc = {5, 17, 42, 3};
      int[] dec = {0, 12, 40};
      assertThat(T5Model.load(dir).logits(enc, dec).toArray())
          .containsExactly(model.logits(enc, dec).toArray());
    }
  }

  @Test
  void aMissingOrMisshapenTensorIsNamed() throws Exception {
    T5Weights w = T5Model.load(Fixtures.fixture("t5-relu-tied")).weights();
    String victim = "decoder.block.1.layer.1.EncDecAttention.k.weight";
    Map<String, Tensor> missing = new LinkedHashMap<>(w.named());
    missing.remove(victim);
    Path dir = tmp.resolve("missing");
    Files.createDirectories(dir);
    w.config().write(dir);
    SafetensorsWriter.write(dir.resolve("model.safetensors"), missing, null);
    assertThatThrownBy(() -> T5Weights.load(dir)).isInstanceOf(CheckpointFormatException.class)
        .hasMessageContaining(victim).hasMessageContaining("missing");
    Map<String, Tensor> misshapen = new LinkedHashMap<>(w.named());
    misshapen.put(victim, Tensor.zeros(5, 32));
    SafetensorsWriter.write(dir.resolve("model.safetensors"), misshapen, null);
    assertThatThrownBy(() -> T5Weights.load(dir)).isInstanceOf(CheckpointFormatException.class)
        .hasMessageContaining(victim).hasMessageContaining("[5, 32]").hasMessageContaining("[32, 32]");
  }

  @Test
  void aCheckpointWithTheTiedCopiesStoredLoadsTheSame() throws Exception {
    T5Weights w = T5Model.load(Fixtures.fixture("t5-relu-tied")).weights();
    Map<String, Tensor> all = new LinkedHashMap<>(w.named());
    all.put("encoder.embed_tokens.weight", w.get(T5Weights.SHARED));
    all.put("decoder.embed_tokens.weight", w.get(T5Weights.SHARED));
    all.put(T5Weights.LM_HEAD, w.get(T5Weights.SHARED));
    Path dir = tmp.resolve("copies");
    Files.createDirectories(dir);
    w.config().write(dir);
    SafetensorsWriter.write(dir.resolve("model.safetensors"), all, null);
    int[] enc = {5, 17, 42};
    assertThat(T5Model.load(dir).encode(enc).toArray())
        .containsExactly(new T5Model(w).encode(enc).toArray());
  }

  @Test
  void inputsLongerThanTheContextOrOutsideTheVocabularyAreClearErrors() throws Exception {
    T5Model model = T5Model.load(Fixtures.fixture("t5-relu-tied"));
    int ctx = model.config().contextLength();
    assertThatThrownBy(() -> model.encode(new int[ctx + 1]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("encoder input has " + (ctx + 1) + " tokens")
        .hasMessageContaining("context length " + ctx);
    assertThatThrownBy(() -> model.encode(new int[] {3, 96}))
        .hasMessageContaining("token id 96 at index 1").hasMessageContaining("[0, 96)");
    try (InferenceSession s = model.conditionedOn(new int[] {3, 4}).newSession()) {
      s.forward(new int[ctx - 1]);
      assertThatThrownBy(() -> s.forward(0, 0))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("together longer than the decoder's context length " + ctx);
    }
  }
}
