package dev.llmkit.model.io.hf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmkit.model.config.ModelConfig;
import dev.llmkit.model.io.CheckpointFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Stop ids from config.json and generation_config.json: one id or a list (Llama 3 Instruct). */
class GenerationConfigTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;

  private static ObjectNode llamaJson() {
    return JSON.createObjectNode().put("model_type", "llama").put("vocab_size", 100)
        .put("hidden_size", 48).put("intermediate_size", 96).put("num_hidden_layers", 3)
        .put("num_attention_heads", 4).put("num_key_value_heads", 2)
        .put("max_position_embeddings", 64).put("rms_norm_eps", 1e-5).put("rope_theta", 10000.0);
  }

  private Path write(ObjectNode config, String generationConfig) throws IOException {
    Path cfg = tmp.resolve("config.json");
    Files.writeString(cfg, config.toString());
    if (generationConfig != null) {
      Files.writeString(tmp.resolve(GenerationConfig.FILE), generationConfig);
    }
    return cfg;
  }

  @Test
  void aListOfEosIdsInConfigJsonGivesTheFirstAsEosAndAllAsStops() throws IOException {
    ModelConfig c = HfConfig.read(write(
        llamaJson().put("bos_token_id", 1).set("eos_token_id", JSON.readTree("[98, 99, 97]")),
        null)).config();
    assertThat(c.eosTokenId()).isEqualTo(98);
    assertThat(c.stopTokenIds()).containsExactly(99, 97);
    assertThat(c.stopTokens()).containsExactly(98, 99, 97);
  }

  @Test
  void generationConfigAddsItsEosIds() throws IOException {
    ModelConfig c = HfConfig.read(write(llamaJson().put("eos_token_id", 2),
        "{\"bos_token_id\": 1, \"eos_token_id\": [2, 7], \"do_sample\": true}")).config();
    assertThat(c.eosTokenId()).isEqualTo(2);
    assertThat(c.stopTokens()).containsExactly(2, 7);
    ModelConfig single = HfConfig.read(write(llamaJson().put("eos_token_id", 2),
        "{\"eos_token_id\": 5}")).config();
    assertThat(single.stopTokens()).containsExactly(2, 5);
  }

  @Test
  void withoutGenerationConfigOnlyTheEosStops() throws IOException {
    ModelConfig c = HfConfig.read(write(llamaJson().put("eos_token_id", 2), null)).config();
    assertThat(c.stopTokenIds()).isEmpty();
    assertThat(c).isEqualTo(ModelConfig.llama(100, 64, 3, 4, 2, 48, 96).toBuilder()
        .eosTokenId(2).normEps(1e-5f).build());
  }

  @Test
  void aBadEosIdIsNamedWithItsFile() throws IOException {
    Path cfg = write(llamaJson().put("eos_token_id", 2), "{\"eos_token_id\": [2, 100]}");
    assertThatThrownBy(() -> HfConfig.read(cfg))
        .isInstanceOf(CheckpointFormatException.class)
        .hasMessageContaining(GenerationConfig.FILE)
        .hasMessageContaining("[0, 100)")
        .hasMessageContaining("[2,100]");
    Path bad = write(llamaJson().put("eos_token_id", 2), "{not json");
    assertThatThrownBy(() -> HfConfig.read(bad))
        .isInstanceOf(CheckpointFormatException.class)
        .hasMessageContaining("not valid JSON");
  }
}
