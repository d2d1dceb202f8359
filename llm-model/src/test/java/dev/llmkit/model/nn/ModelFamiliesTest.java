package dev.llmkit.model.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmkit.model.InferenceSession;
import dev.llmkit.model.config.ModelConfig;
import dev.llmkit.model.config.ModelConfig.Activation;
import dev.llmkit.model.config.RopeScaling;
import dev.llmkit.model.io.CheckpointFormatException;
import dev.llmkit.model.io.Checkpoints;
import dev.llmkit.model.io.hf.HfConfig;
import dev.llmkit.model.weights.ModelWeights;
import dev.llmkit.tensor.DecodeMatrices;
import dev.llmkit.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The model families (issue #17) against the logits of an independent plain-torch forward
 * (scripts/gen_family_fixtures.py, after each family's modeling_*.py in transformers): the Hugging
 * Face folder and the same weights written as llama.cpp's converter writes the GGUF, relative error
 * ≤ 1e-4 for a prefill, token-by-token decoding (the sliding windows of Mistral, Gemma 2 and Phi-3
 * are shorter than the 10 ids, so decoding must mask the keys past the window), a chunked prefill,
 * and the training forward.
 */
class ModelFamiliesTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  static Path fixture(String family) throws Exception {
    return Path.of(ModelFamiliesTest.class.getResource("/fixtures/families/" + family).toURI());
  }

  private static int[] ids(JsonNode golden) {
    int[] ids = new int[golden.get("ids").size()];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = golden.get("ids").get(i).asInt();
    }
    return ids;
  }

  private static double[] row(JsonNode golden, int t) {
    JsonNode row = golden.get("logits").get(t);
    double[] expected = new double[row.size()];
    for (int j = 0; j < expected.length; j++) {
      expected[j] = row.get(j).asDouble();
    }
    return expected;
  }

  private static void assertLogits(String what, ModelWeights weights, JsonNode golden) {
    int[] ids = ids(golden);
    Transformer model = new Transformer(weights);
    Tensor prefill = model.newSession().forwardAll(ids, 0, ids.length);
    Tensor chunked;
    try (InferenceSession s = model.newSession()) {
      s.forward(ids, 0, 3);
      Tensor rest = s.forwardAll(ids, 3, ids.length - 3);
      chunked = rest;
    }
    try (InferenceSession decode = model.newSession()) {
      for (int t = 0; t < ids.length; t++) {
        double[] expected = row(golden, t);
        assertThat(expected).hasSize(model.vocabSize());
        assertThat(TransformerTest.relativeError(prefill.row(t).toArray(), expected))
            .as("%s prefill position %d", what, t).isLessThanOrEqualTo(1e-4);
        assertThat(TransformerTest.relativeError(decode.forward(ids, t, 1), expected))
            .as("%s decode position %d", what, t).isLessThanOrEqualTo(1e-4);
        if (t >= 3) {
          assertThat(TransformerTest.relativeError(chunked.row(t - 3).toArray(), expected))
              .as("%s chunked prefill position %d", what, t).isLessThanOrEqualTo(1e-4);
        }
      }
    }
    // the training forward over the same layers
    ModelWeights w = weights;
    Transformer trainModel = new Transformer(w, DecodeMatrices.SHARED);
    Transformer.Training tr = trainModel.training(1, ids.length,
        Gradients.mirror(w, ModelWeights.zeros(w.config())));
    Tensor logits = Tensor.zeros(ids.length, model.vocabSize());
    tr.forward(ids, logits);
    for (int t = 0; t < ids.length; t++) {
      assertThat(TransformerTest.relativeError(logits.row(t).toArray(), row(golden, t)))
          .as("%s training forward position %d", what, t).isLessThanOrEqualTo(1e-4);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"qwen2", "mistral", "llama3", "llama-yarn", "gemma", "gemma2", "phi3"})
  void huggingFaceFolderLogitsMatchTheReference(String family) throws Exception {
    JsonNode golden = JSON.readTree(fixture(family).resolve("logits.json").toFile());
    assertLogits(family + " (HF)", Checkpoints.load(fixture(family)).weights(), golden);
  }

  @ParameterizedTest
  @ValueSource(strings = {"qwen2", "mistral", "llama3", "gemma", "gemma2", "phi3"})
  void ggufOfTheSameWeightsMatchesTheReference(String family) throws Exception {
    // Mistral as llama.cpp's llama has no sliding window; Gemma 2's GGUF scale is 1/sqrt(head_dim)
    Path gguf = fixture(family).resolve("logits-gguf.json");
    JsonNode golden = JSON.readTree(
        (Files.exists(gguf) ? gguf : fixture(family).resolve("logits.json")).toFile());
    assertLogits(family + " (GGUF)", Checkpoints.load(fixture(family).resolve("model.gguf")).weights(),
        golden);
  }

  @Test
  void eachFamilyReadsAsItsConfiguration() throws Exception {
    ModelConfig qwen = HfConfig.read(fixture("qwen2").resolve("config.json")).config();
    assertThat(qwen.attentionBias()).isTrue();
    assertThat(qwen.tiedEmbeddings()).isTrue();
    assertThat(qwen.slidingWindow()).isZero();
    ModelConfig mistral = HfConfig.read(fixture("mistral").resolve("config.json")).config();
    assertThat(mistral.slidingWindow()).isEqualTo(4);
    assertThat(mistral.windowOf(1)).isEqualTo(4);
    ModelConfig gemma2 = HfConfig.read(fixture("gemma2").resolve("config.json")).config();
    assertThat(gemma2.activation()).isEqualTo(Activation.GEGLU_TANH);
    assertThat(gemma2.headDim()).isEqualTo(16);
    assertThat(gemma2.windowOf(0)).isEqualTo(4);
    assertThat(gemma2.windowOf(1)).isZero();
    assertThat(gemma2.attentionScale()).isEqualTo((float) Math.pow(24, -0.5));
    assertThat(gemma2.attentionSoftcap()).isEqualTo(1.5f);
    assertThat(gemma2.finalLogitSoftcap()).isEqualTo(2.5f);
    assertThat(gemma2.embeddingScale()).isEqualTo((float) Math.sqrt(32));
    assertThat(gemma2.sandwichNorms()).isTrue();
    ModelConfig llama3 = HfConfig.read(fixture("llama3").resolve("config.json")).config();
    assertThat(llama3.ropeScaling()).isEqualTo(RopeScaling.llama3(8, 1, 4, 16));
    ModelConfig llama3Gguf = Checkpoints.load(fixture("llama3").resolve("model.gguf")).weights().config();
    assertThat(llama3Gguf.ropeScaling().type()).isEqualTo(RopeScaling.Type.FREQ_FACTORS);
    ModelConfig phi3 = Checkpoints.load(fixture("phi3").resolve("model.gguf")).weights().config();
    assertThat(phi3.slidingWindow()).isEqualTo(6);
  }

  @Test
  void llama3FrequencyFactorsOfGgufEqualTheRopeScalingOfTheConfig() throws Exception {
    ModelConfig hf = HfConfig.read(fixture("llama3").resolve("config.json")).config();
    ModelConfig gguf = Checkpoints.load(fixture("llama3").resolve("model.gguf")).weights().config();
    double[] a = hf.ropeScaling().inverseFrequencies(8, 500000.0);
    double[] b = gguf.ropeScaling().inverseFrequencies(8, 500000.0);
    for (int i = 0; i < a.length; i++) {
      assertThat(b[i]).isCloseTo(a[i], org.assertj.core.data.Percentage.withPercentage(1e-4));
    }
    // the low frequencies are divided by the factor, the highest kept, one smoothed
    double[] plain = RopeScaling.NONE.inverseFrequencies(8, 500000.0);
    assertThat(a[3]).isCloseTo(plain[3] / 8, org.assertj.core.data.Percentage.withPercentage(1e-9));
    assertThat(a[0]).isNotEqualTo(plain[0]);
  }

  @ParameterizedTest
  @ValueSource(strings = {"qwen2", "mistral", "llama3", "gemma", "gemma2", "phi3"})
  void llmEstimateCountsTheParametersTheLoaderLoads(String family) throws Exception {
    long estimated = dev.llmkit.model.cost.CostModel.of(
        dev.llmkit.model.cost.ConfigJson.read(fixture(family).resolve("config.json"))).params();
    ModelWeights w = Checkpoints.load(fixture(family)).weights();
    // Qwen2's o_proj has no bias: the loader adds zeros (one per layer and channel)
    long zeros = family.equals("qwen2") ? (long) w.config().nLayers() * w.config().dim() : 0;
    assertThat(w.parameterCount() - zeros).isEqualTo(estimated);
  }

  @Test
  void smolLm2AndTinyLlamaLoadAsLlama() throws Exception {
    // the shapes of SmolLM2-360M-Instruct's and TinyLlama-1.1B-Chat's config.json
    ObjectNode smol = (ObjectNode) JSON.readTree("""
        {"architectures": ["LlamaForCausalLM"], "attention_bias": false, "attention_dropout": 0.0,
         "bos_token_id": 1, "eos_token_id": 2, "head_dim": 64, "hidden_act": "silu",
         "hidden_size": 960, "initializer_range": 0.02, "intermediate_size": 2560,
         "max_position_embeddings": 8192, "mlp_bias": false, "model_type": "llama",
         "num_attention_heads": 15, "num_hidden_layers": 32, "num_key_value_heads": 5,
         "pretraining_tp": 1, "rms_norm_eps": 1e-05, "rope_interleaved": false,
         "rope_scaling": null, "rope_theta": 100000, "tie_word_embeddings": true,
         "torch_dtype": "bfloat16", "transformers_version": "4.42.3", "use_cache": true,
         "vocab_size": 49152}""");
    ModelConfig s = HfConfig.fromJson(smol, Path.of("config.json")).config();
    assertThat(s).isEqualTo(ModelConfig.llama(49152, 8192, 32, 15, 5, 960, 2560).toBuilder()
        .ropeTheta(100000).tiedEmbeddings(true).bosTokenId(1).eosTokenId(2).normEps(1e-5f).build());
    ObjectNode tiny = (ObjectNode) JSON.readTree("""
        {"architectures": ["LlamaForCausalLM"], "bos_token_id": 1, "eos_token_id": 2,
         "hidden_act": "silu", "hidden_size": 2048, "initializer_range": 0.02,
         "intermediate_size": 5632, "max_position_embeddings": 2048, "model_type": "llama",
         "num_attention_heads": 32, "num_hidden_layers": 22, "num_key_value_heads": 4,
         "pretraining_tp": 1, "rms_norm_eps": 1e-05, "rope_scaling": null,
         "tie_word_embeddings": false, "torch_dtype": "bfloat16", "use_cache": true,
         "vocab_size": 32000}""");
    assertThat(HfConfig.fromJson(tiny, Path.of("config.json")).config())
        .isEqualTo(ModelConfig.llama(32000, 2048, 22, 32, 4, 2048, 5632).toBuilder()
            .bosTokenId(1).eosTokenId(2).build());
  }

  @Test
  void anUnknownRopeScalingTypeIsNamed() throws Exception {
    ObjectNode cfg = (ObjectNode) JSON.readTree(fixture("llama3").resolve("config.json").toFile());
    ((ObjectNode) cfg.get("rope_scaling")).put("rope_type", "longrope");
    assertThatThrownBy(() -> HfConfig.fromJson(cfg, Path.of("config.json")))
        .isInstanceOf(CheckpointFormatException.class)
        .hasMessageContaining("rope_scaling type 'longrope' is not supported");
    ObjectNode phi = (ObjectNode) JSON.readTree(fixture("phi3").resolve("config.json").toFile());
    phi.put("partial_rotary_factor", 0.5);
    assertThatThrownBy(() -> HfConfig.fromJson(phi, Path.of("config.json")))
        .hasMessageContaining("partial_rotary_factor 0.5 is not supported");
  }

  @Test
  void anUnsupportedGgufArchitectureIsNamed(@TempDir Path dir) throws Exception {
    byte[] bytes = Files.readAllBytes(fixture("qwen2").resolve("model.gguf"));
    // same length: qwen2 -> qwen3 in the general.architecture value
    String s = new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1);
    int at = s.indexOf("general.architecture");
    int v = s.indexOf("qwen2", at);
    bytes[v + 4] = '3';
    Path f = dir.resolve("m.gguf");
    Files.write(f, bytes);
    assertThatThrownBy(() -> Checkpoints.load(f))
        .isInstanceOf(CheckpointFormatException.class)
        .hasMessageContaining("general.architecture 'qwen3' is not supported");
  }

  @Test
  void savingAFamilyTheWriterCannotExpressIsRefusedByName(@TempDir Path dir) throws Exception {
    ModelWeights w = Checkpoints.load(fixture("gemma2")).weights();
    assertThatThrownBy(() -> Checkpoints.saveHuggingFace(dir.resolve("out"), w, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("GeGLU").hasMessageContaining("sliding window 4");
  }
}
