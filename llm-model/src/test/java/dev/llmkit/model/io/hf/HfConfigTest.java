package dev.llmkit.model.io.hf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmkit.model.config.ModelConfig;
import dev.llmkit.model.config.ModelConfig.Activation;
import dev.llmkit.model.config.ModelConfig.NormType;
import dev.llmkit.model.config.ModelConfig.PositionEncoding;
import dev.llmkit.model.io.CheckpointFormatException;
import dev.llmkit.model.io.Fixtures;
import dev.llmkit.tensor.RopeStyle;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class HfConfigTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path SRC = Path.of("config.json");

  @Test
  void readsTheGpt2Fixture() throws IOException {
    HfConfig c = HfConfig.read(Fixtures.fixture("gpt2-tiny").resolve("config.json"));
    assertThat(c.family()).isEqualTo(HfFamily.GPT2);
    ModelConfig expected = ModelConfig.gpt2(96, 32, 2, 4, 32).toBuilder()
        .bosTokenId(1).eosTokenId(2).build();
    assertThat(c.config()).isEqualTo(expected);
  }

  @Test
  void readsTheLlamaFixture() throws IOException {
    HfConfig c = HfConfig.read(Fixtures.fixture("llama-gqa-tiny").resolve("config.json"));
    assertThat(c.family()).isEqualTo(HfFamily.LLAMA);
    ModelConfig expected = ModelConfig.llama(96, 32, 2, 4, 2, 32, 64).toBuilder()
        .normEps(1e-6f).bosTokenId(1).eosTokenId(2).build();
    assertThat(c.config()).isEqualTo(expected);
    assertThat(c.config().ropeStyle()).isEqualTo(RopeStyle.ROTATE_HALF);
  }

  @Test
  void gpt2DefaultsAndNInner() throws IOException {
    ObjectNode o = gpt2Json();
    ModelConfig c = HfConfig.fromJson(o, SRC).config();
    assertThat(c.ffnDim()).isEqualTo(4 * 48);
    assertThat(c.normEps()).isEqualTo(1e-5f);
    assertThat(c.tiedEmbeddings()).isTrue();
    assertThat(c.activation()).isEqualTo(Activation.GELU_TANH);
    o.put("n_inner", 100).put("activation_function", "gelu").put("tie_word_embeddings", false);
    c = HfConfig.fromJson(o, SRC).config();
    assertThat(c.ffnDim()).isEqualTo(100);
    assertThat(c.activation()).isEqualTo(Activation.GELU_ERF);
    assertThat(c.tiedEmbeddings()).isFalse();
  }

  @Test
  void llamaDefaults() throws IOException {
    ObjectNode o = llamaJson();
    o.remove("num_key_value_heads");
    o.remove("rope_theta");
    ModelConfig c = HfConfig.fromJson(o, SRC).config();
    assertThat(c.nKvHeads()).isEqualTo(c.nHeads());
    assertThat(c.ropeTheta()).isEqualTo(10000.0);
    assertThat(c.tiedEmbeddings()).isFalse();
    o.put("rope_theta", 500000.0).putArray("eos_token_id").add(7).add(9);
    c = HfConfig.fromJson(o, SRC).config();
    assertThat(c.ropeTheta()).isEqualTo(500000.0);
    assertThat(c.eosTokenId()).isEqualTo(7);
  }

  @Test
  void mistralAndQwen2ReadAsLlama() throws IOException {
    ObjectNode q = llamaJson().put("model_type", "qwen2").put("use_sliding_window", false)
        .put("sliding_window", 16).put("tie_word_embeddings", true);
    HfConfig c = HfConfig.fromJson(q, SRC);
    assertThat(c.family()).isEqualTo(HfFamily.LLAMA);
    assertThat(c.config()).isEqualTo(ModelConfig.llama(100, 64, 3, 4, 2, 48, 96).toBuilder()
        .attentionBias(true).tiedEmbeddings(true).build());
    ObjectNode m = llamaJson().put("model_type", "mistral").putNull("sliding_window");
    assertThat(HfConfig.fromJson(m, SRC).config())
        .isEqualTo(ModelConfig.llama(100, 64, 3, 4, 2, 48, 96));
    m.put("sliding_window", 32);
    assertThat(HfConfig.fromJson(m, SRC).config())
        .isEqualTo(ModelConfig.llama(100, 64, 3, 4, 2, 48, 96).toBuilder().slidingWindow(32).build());
    q.put("use_sliding_window", true);
    assertThatThrownBy(() -> HfConfig.fromJson(q, SRC)).hasMessageContaining("sliding_window 16");
  }

  @Test
  void missingAndContradictoryFieldsAreNamed() {
    ObjectNode o = llamaJson();
    o.remove("hidden_size");
    assertThatThrownBy(() -> HfConfig.fromJson(o, SRC))
        .isInstanceOf(CheckpointFormatException.class)
        .hasMessageContaining("config.json").hasMessageContaining("'hidden_size'");
    ObjectNode o2 = llamaJson().put("hidden_size", 30);
    assertThatThrownBy(() -> HfConfig.fromJson(o2, SRC))
        .hasMessageContaining("hidden_size 30").hasMessageContaining("num_attention_heads 4");
    ObjectNode o3 = llamaJson().put("num_key_value_heads", 3);
    assertThatThrownBy(() -> HfConfig.fromJson(o3, SRC)).hasMessageContaining("num_key_value_heads 3");
    ObjectNode o4 = gpt2Json().put("n_layer", "two");
    assertThatThrownBy(() -> HfConfig.fromJson(o4, SRC))
        .hasMessageContaining("'n_layer' must be an integer");
    ObjectNode o5 = gpt2Json();
    o5.remove("model_type");
    assertThatThrownBy(() -> HfConfig.fromJson(o5, SRC)).hasMessageContaining("'model_type'");
    ObjectNode o6 = gpt2Json().put("model_type", "bert");
    assertThatThrownBy(() -> HfConfig.fromJson(o6, SRC)).hasMessageContaining("model_type 'bert'");
    ObjectNode o7 = llamaJson();
    o7.putObject("rope_scaling").put("type", "su").put("factor", 2.0);
    assertThatThrownBy(() -> HfConfig.fromJson(o7, SRC))
        .hasMessageContaining("rope_scaling type 'su' is not supported");
    ObjectNode o8 = gpt2Json().put("activation_function", "mish");
    assertThatThrownBy(() -> HfConfig.fromJson(o8, SRC)).hasMessageContaining("activation_function 'mish'");
    ObjectNode o9 = gpt2Json().put("eos_token_id", 50256);
    assertThatThrownBy(() -> HfConfig.fromJson(o9, SRC))
        .hasMessageContaining("'eos_token_id' = 50256").hasMessageContaining("vocab_size 100");
    ObjectNode o10 = gpt2Json().put("n_ctx", 7);
    assertThatThrownBy(() -> HfConfig.fromJson(o10, SRC)).hasMessageContaining("n_ctx 7");
    ObjectNode o11 = gpt2Json().put("llmkit_norm", "batch_norm");
    assertThatThrownBy(() -> HfConfig.fromJson(o11, SRC)).hasMessageContaining("llmkit_norm");
  }

  /** Configs neither family expresses come back exactly through the llmkit_* fields. */
  @Test
  void everyConfigRoundTrips() throws IOException {
    ModelConfig gpt2 = ModelConfig.gpt2(100, 64, 3, 4, 48);
    ModelConfig llama = ModelConfig.llama(100, 64, 3, 4, 2, 48, 96);
    List<ModelConfig> configs = List.of(
        gpt2,
        gpt2.toBuilder().tiedEmbeddings(false).eosTokenId(5).ffnDim(100).build(),
        // the original Transformer: sinusoidal positions, post-norm, ReLU
        gpt2.toBuilder().positions(PositionEncoding.SINUSOIDAL).preNorm(false)
            .activation(Activation.RELU).build(),
        gpt2.toBuilder().activation(Activation.GELU_ERF).normEps(1e-6f).build(),
        gpt2.toBuilder().positions(PositionEncoding.ROTARY).ropeStyle(RopeStyle.ADJACENT_PAIRS)
            .ropeTheta(500.0).norm(NormType.RMS_NORM).attentionBias(false).mlpBias(false)
            .nKvHeads(2).build(),
        llama,
        llama.toBuilder().tiedEmbeddings(true).attentionBias(true).mlpBias(true).bosTokenId(1)
            .eosTokenId(2).build(),
        llama.toBuilder().ropeStyle(RopeStyle.ADJACENT_PAIRS).ropeTheta(1e6).build(),
        llama.toBuilder().positions(PositionEncoding.LEARNED).norm(NormType.LAYER_NORM)
            .preNorm(false).normEps(1e-5f).build());
    for (ModelConfig c : configs) {
      ObjectNode json = HfConfig.toJson(c);
      HfConfig back = HfConfig.fromJson(JSON.readTree(JSON.writeValueAsString(json)), SRC);
      assertThat(back.config()).as(json.toString()).isEqualTo(HfConfig.savedConfig(c));
      boolean adjacentRotaryLlama = HfFamily.of(c) == HfFamily.LLAMA
          && c.positions() == PositionEncoding.ROTARY && c.ropeStyle() == RopeStyle.ADJACENT_PAIRS;
      assertThat(HfConfig.savedConfig(c).equals(c)).isEqualTo(!adjacentRotaryLlama);
      assertThat(back.family()).isEqualTo(HfFamily.of(c));
    }
  }

  @Test
  void plainFamiliesNeedNoExtensionFields() {
    assertThat(HfConfig.toJson(ModelConfig.gpt2(100, 64, 3, 4, 48)).toString()).doesNotContain("llmkit_");
    assertThat(HfConfig.toJson(ModelConfig.llama(100, 64, 3, 4, 2, 48, 96)).toString())
        .doesNotContain("llmkit_");
    ObjectNode g = HfConfig.toJson(ModelConfig.gpt2(100, 64, 3, 4, 48));
    assertThat(g.get("model_type").asText()).isEqualTo("gpt2");
    assertThat(g.get("n_inner").isNull()).isTrue();
    assertThat(g.get("architectures").get(0).asText()).isEqualTo("GPT2LMHeadModel");
  }

  private static ObjectNode gpt2Json() {
    return JSON.createObjectNode().put("model_type", "gpt2").put("vocab_size", 100)
        .put("n_positions", 64).put("n_embd", 48).put("n_layer", 3).put("n_head", 4);
  }

  private static ObjectNode llamaJson() {
    return JSON.createObjectNode().put("model_type", "llama").put("vocab_size", 100)
        .put("hidden_size", 48).put("intermediate_size", 96).put("num_hidden_layers", 3)
        .put("num_attention_heads", 4).put("num_key_value_heads", 2)
        .put("max_position_embeddings", 64).put("rms_norm_eps", 1e-5).put("rope_theta", 10000.0);
  }
}
