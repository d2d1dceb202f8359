package dev.llmkit.model.cost;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmkit.model.config.ModelConfig;
import dev.llmkit.model.io.Checkpoints;
import dev.llmkit.model.io.Fixtures;
import dev.llmkit.model.io.safetensors.SafetensorsFile;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Published parameter counts, KV-cache sizes and training compute, from config.json alone. */
class CostModelTest {

  static CostModel cost(String config) {
    try {
      return CostModel.of(ConfigJson.read(Path.of(CostModelTest.class.getResource("/costs/" + config).toURI())));
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  @ParameterizedTest
  @CsvSource({
    "gpt2-124m.json, 124439808",
    "llama-2-7b.json, 6738415616",
    "llama-3.2-1b.json, 1235814400",
    "qwen2.5-0.5b.json, 494032768",
  })
  void publishedParameterCounts(String config, long expected) {
    assertEquals(expected, cost(config).params());
  }

  @Test
  void nonEmbeddingParametersLeaveOutTheTables() {
    // GPT-2 124M: token table 50257 x 768 and position table 1024 x 768 out
    assertEquals(124_439_808L - 50257L * 768 - 1024L * 768, cost("gpt2-124m.json").paramsNonEmbedding());
    // Llama-2-7B: the token table out, the untied head stays
    assertEquals(6_738_415_616L - 32000L * 4096, cost("llama-2-7b.json").paramsNonEmbedding());
  }

  @Test
  void kvCacheBytesPerTokenAtF16() {
    assertEquals(524_288, cost("llama-2-7b.json").kvCacheBytesPerToken(2));
    assertEquals(131_072, cost("llama-3-8b-shaped.json").kvCacheBytesPerToken(2));
    // 4096 tokens, batch 2, f32: twice the f16 figure per token
    assertEquals(131_072L * 2 * 4096 * 2, cost("llama-3-8b-shaped.json").kvCacheBytes(4096, 2, 4));
  }

  @Test
  void gpt3TrainingComputeWithinFivePercentOfThePublishedFigure() {
    double flops = cost("gpt3-175b.json").trainFlops(300e9, 2048);
    assertEquals(3.14e23, flops, 0.05 * 3.14e23, "train_flops " + flops);
    // and the parameter count is GPT-3's 175B (174.6B for this layout)
    assertEquals(175e9, cost("gpt3-175b.json").params(), 0.01 * 175e9);
  }

  @Test
  void forwardFlopsAreTwiceTheMatmulWeightsPlusAttention() {
    CostModel m = cost("llama-2-7b.json");
    long n = 6_738_415_616L - 32000L * 4096;
    assertEquals(2.0 * n + 2.0 * 32 * 4096 * 4096, m.flopsPerTokenForward(4096), 1.0);
    // tied head (GPT-2): the token table is multiplied once per token for the logits
    CostModel g = cost("gpt2-124m.json");
    assertEquals(2.0 * (g.paramsNonEmbedding() + 50257L * 768) + 2.0 * 12 * 1024 * 768,
        g.flopsPerTokenForward(1024), 1.0);
  }

  @Test
  void chinchillaIsTwentyTokensPerParameter() {
    assertEquals(20L * 6_738_415_616L, cost("llama-2-7b.json").chinchillaTokens());
  }

  @Test
  void weightBytesByFormat() {
    CostModel m = cost("llama-2-7b.json");
    long p = 6_738_415_616L;
    assertEquals(4 * p, m.weightsBytes(WeightFormat.F32));
    assertEquals(2 * p, m.weightsBytes(WeightFormat.F16));
    assertEquals(2 * p, m.weightsBytes(WeightFormat.BF16));
    // 65 norm vectors of 4096 stay f32; every matrix in blocks of 32 weights in 34 bytes
    long vectors = 65L * 4096;
    assertEquals((p - vectors) / 32 * 34 + vectors * 4, m.weightsBytes(WeightFormat.Q8_0));
    // q4_0: the head in Q6_K (256 in 210 bytes), the rest 32 in 18
    long head = 32000L * 4096;
    assertEquals((p - vectors - head) / 32 * 18 + head / 256 * 210 + vectors * 4,
        m.weightsBytes(WeightFormat.Q4_0));
    assertEquals((p - vectors - head) / 256 * 144 + head / 256 * 210 + vectors * 4,
        m.weightsBytes(WeightFormat.Q4_K));
  }

  @Test
  void q4kFallsBackWhereRowsAreNotWholeBlocks() {
    // Qwen2.5-0.5B: width 896 is 3.5 blocks of 256, so its matrices take Q5_0 (32 in 22 bytes) and its
    // tied table (the output) Q8_0; the down matrices (rows of 4864 = 19 x 256) stay Q4_K
    CostModel m = cost("qwen2.5-0.5b.json");
    long down = 24L * 896 * 4864;
    long table = 151936L * 896;
    long vectors = 24L * (2 * 896 + 896 + 128 + 128) + 896;
    long rest = m.params() - down - table - vectors;
    assertEquals(down / 256 * 144 + table / 32 * 34 + rest / 32 * 22 + vectors * 4,
        m.weightsBytes(WeightFormat.Q4_K));
  }

  @Test
  void trainMemoryHasTheFourParts() {
    CostModel m = cost("gpt2-124m.json");
    TrainMemory plain = m.trainMemory(4, 256, false);
    long p = m.params();
    assertEquals(4 * p, plain.weights());
    assertEquals(4 * p, plain.grads());
    assertEquals(8 * p, plain.optimizer());
    TrainMemory recompute = m.trainMemory(4, 256, true);
    assertTrue(recompute.activations() < plain.activations() / 3,
        recompute.activations() + " vs " + plain.activations());
    assertEquals(plain.total(), plain.weights() + plain.grads() + plain.optimizer() + plain.activations());
  }

  @ParameterizedTest
  @ValueSource(strings = {"gpt2-tiny", "llama-gqa-tiny", "gpt2-tiny-sharded"})
  void paramsEqualTheTensorsOfTheCheckpoint(String fixture) throws IOException {
    Path dir = Fixtures.fixture(fixture);
    long fromConfig = CostModel.of(ConfigJson.read(dir)).params();
    long loaded = Checkpoints.load(dir).weights().parameterCount();
    assertEquals(loaded, fromConfig);
    if (!fixture.endsWith("sharded")) {
      long inFile = 0;
      try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("model.safetensors"))) {
        for (SafetensorsFile.Entry e : f.entries().values()) {
          inFile += e.elements();
        }
      }
      assertEquals(inFile, fromConfig);
    }
  }

  @Test
  void shapeOfAModelConfigCountsWhatModelWeightsHolds() {
    ModelConfig llama = ModelConfig.llama(512, 256, 5, 8, 4, 64, 172);
    assertEquals(dev.llmkit.model.weights.ModelWeights.zeros(llama).parameterCount(),
        CostModel.of(ArchitectureShape.of(llama)).params());
    ModelConfig gpt = ModelConfig.gpt2(65, 64, 4, 4, 128);
    assertEquals(dev.llmkit.model.weights.ModelWeights.zeros(gpt).parameterCount(),
        CostModel.of(ArchitectureShape.of(gpt)).params());
  }

  @Test
  void familyRules() {
    // Gemma 2B: 18 layers, 8 heads of 256 at width 2048, 1 KV head, tied by default
    String gemma = "{\"model_type\":\"gemma\",\"vocab_size\":256000,\"hidden_size\":2048,"
        + "\"intermediate_size\":16384,\"num_hidden_layers\":18,\"num_attention_heads\":8,"
        + "\"num_key_value_heads\":1,\"head_dim\":256,\"max_position_embeddings\":8192}";
    assertEquals(2_506_172_416L, CostModel.of(ConfigJson.parse(gemma, "gemma")).params());
    // Phi-3-mini: fused projections hold the elements of separate ones; 3,821,079,552 published
    String phi3 = "{\"model_type\":\"phi3\",\"vocab_size\":32064,\"hidden_size\":3072,"
        + "\"intermediate_size\":8192,\"num_hidden_layers\":32,\"num_attention_heads\":32,"
        + "\"num_key_value_heads\":32,\"max_position_embeddings\":4096,\"tie_word_embeddings\":false}";
    assertEquals(3_821_079_552L, CostModel.of(ConfigJson.parse(phi3, "phi3")).params());
    // bert-base-uncased (BertModel, with pooler): 109,482,240
    String bert = "{\"model_type\":\"bert\",\"vocab_size\":30522,\"hidden_size\":768,"
        + "\"intermediate_size\":3072,\"num_hidden_layers\":12,\"num_attention_heads\":12,"
        + "\"max_position_embeddings\":512,\"type_vocab_size\":2}";
    CostModel b = CostModel.of(ConfigJson.parse(bert, "bert"));
    assertEquals(109_482_240L, b.params());
    assertEquals(0, b.kvCacheBytesPerToken(2));
    assertFalse(b.shape().decoder());
  }

  @Test
  void badConfigsNameTheFieldOrValue() {
    String noHidden = "{\"model_type\":\"llama\",\"vocab_size\":32000,\"num_hidden_layers\":2,"
        + "\"num_attention_heads\":4,\"intermediate_size\":64,\"max_position_embeddings\":32}";
    assertMessage("hidden_size", () -> ConfigJson.parse(noHidden, "x.json"));
    String negative = "{\"model_type\":\"gpt2\",\"vocab_size\":-5,\"n_embd\":32,\"n_layer\":2,"
        + "\"n_head\":4,\"n_positions\":32}";
    assertMessage("vocab_size", () -> ConfigJson.parse(negative, "x.json"));
    String absurd = "{\"model_type\":\"gpt2\",\"vocab_size\":50257,\"n_embd\":32,\"n_layer\":2000000000,"
        + "\"n_head\":4,\"n_positions\":32}";
    assertMessage("n_layer", () -> ConfigJson.parse(absurd, "x.json"));
    assertMessage("\"mamba\"", () -> ConfigJson.parse("{\"model_type\":\"mamba\"}", "x.json"));
    assertMessage("model_type", () -> ConfigJson.parse("{\"vocab_size\":3}", "x.json"));
    assertMessage("x.json", () -> ConfigJson.parse("{not json", "x.json"));
    String badGqa = "{\"model_type\":\"llama\",\"vocab_size\":32000,\"hidden_size\":64,\"num_hidden_layers\":2,"
        + "\"num_attention_heads\":4,\"num_key_value_heads\":3,\"intermediate_size\":64,"
        + "\"max_position_embeddings\":32}";
    assertMessage("num_key_value_heads", () -> ConfigJson.parse(badGqa, "x.json"));
    assertMessage("q3_k", () -> WeightFormat.parse("q3_k"));
    assertMessage("config.json", () -> ConfigJson.read(Path.of("/nonexistent/folder")));
    assertMessage("context", () -> cost("gpt2-124m.json").flopsPerTokenForward(0));
    assertMessage("batch", () -> cost("gpt2-124m.json").trainMemory(-1, 8, false));
  }

  private static void assertMessage(String fragment, org.junit.jupiter.api.function.Executable call) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
    assertTrue(e.getMessage().contains(fragment), "message \"" + e.getMessage() + "\" lacks " + fragment);
  }
}
