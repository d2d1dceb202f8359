package dev.llmkit.model.io.hf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmkit.model.config.ModelConfig;
import dev.llmkit.model.io.CheckpointFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The stop ids of a Hugging Face folder: {@code eos_token_id} of config.json and of
 * {@code generation_config.json} beside it, each a single id or a list (Llama 3 Instruct lists
 * {@code <|end_of_text|>}, {@code <|eom_id|>} and {@code <|eot_id|>}), as transformers'
 * {@code generate} stops at any of them.
 */
public final class GenerationConfig {

  /** The file name inside a Hugging Face folder. */
  public static final String FILE = "generation_config.json";

  private GenerationConfig() {}

  /**
   * The config with every EOS id of config.json ({@code root}) and of generation_config.json
   * beside {@code configFile} (when present) added to its {@link ModelConfig#stopTokenIds}.
   *
   * @throws CheckpointFormatException when generation_config.json is not JSON or an
   *     {@code eos_token_id} is not a token id of the vocabulary (naming the file)
   */
  public static ModelConfig withStopTokens(ModelConfig config, JsonNode root, Path configFile)
      throws IOException {
    Set<Integer> ids = new LinkedHashSet<>(config.stopTokenIds());
    ids.addAll(eosIds(root, configFile, config.vocabSize()));
    Path gen = configFile.resolveSibling(FILE);
    if (Files.isRegularFile(gen)) {
      JsonNode g;
      try {
        g = new ObjectMapper().readTree(gen.toFile());
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        throw new CheckpointFormatException(gen, "not valid JSON: " + e.getOriginalMessage(), e);
      }
      ids.addAll(eosIds(g, gen, config.vocabSize()));
    }
    ids.remove(config.eosTokenId());
    return ids.equals(new LinkedHashSet<>(config.stopTokenIds()))
        ? config : config.toBuilder().stopTokenIds(new ArrayList<>(ids)).build();
  }

  /** The {@code eos_token_id} of a JSON object: none, one id or a list of ids. */
  static List<Integer> eosIds(JsonNode root, Path source, int vocab) throws CheckpointFormatException {
    JsonNode v = root == null ? null : root.get("eos_token_id");
    List<Integer> ids = new ArrayList<>();
    if (v == null || v.isNull()) {
      return ids;
    }
    for (JsonNode e : v.isArray() ? v : List.of(v)) {
      if (!e.isIntegralNumber() || !e.canConvertToInt() || e.asInt() < 0 || e.asInt() >= vocab) {
        throw new CheckpointFormatException(source,
            "eos_token_id must be a token id in [0, " + vocab + ") or a list of them, got " + v);
      }
      ids.add(e.asInt());
    }
    return ids;
  }
}
