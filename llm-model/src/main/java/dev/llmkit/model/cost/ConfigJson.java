package dev.llmkit.model.cost;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Reads the shape of a model from a Hugging Face {@code config.json}, for cost purposes only: it
 * knows the tensor layout of more families than llmkit can run ({@code gpt2}, {@code llama},
 * {@code mistral}, {@code qwen2}, {@code gemma}, {@code gemma2}, {@code phi3}, {@code bert}) and reads
 * no weights.
 *
 * <p>Family rules it applies: {@code head_dim} overrides width / heads (Gemma, Mistral Nemo);
 * {@code num_key_value_heads} defaults to the heads; Qwen2 has q/k/v biases but no output bias;
 * Llama's {@code attention_bias} and {@code mlp_bias}; {@code tie_word_embeddings} defaults as in
 * each family's Transformers config class (true for GPT-2 and Gemma, false otherwise); Gemma 2 has
 * four norms per block; Phi-3's fused {@code qkv_proj} and {@code gate_up_proj} hold exactly the
 * elements of separate q/k/v and gate/up matrices; GPT-2's {@code n_inner} null means 4 x width;
 * BERT is counted as {@code BertModel} (embeddings, token types, pooler).
 */
public final class ConfigJson {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** The families this reader knows. */
  public static final List<String> FAMILIES =
      List.of("gpt2", "llama", "mistral", "qwen2", "gemma", "gemma2", "phi3", "bert");

  private ConfigJson() {}

  /**
   * Reads {@code path}: a {@code config.json}, or a model folder holding one (weights, if any, are
   * not opened).
   *
   * @throws IllegalArgumentException when the file is missing, not JSON, of an unknown family, or
   *     lacks or mis-sizes a field its family needs (the message names the file and the field)
   */
  public static ArchitectureShape read(Path path) {
    Path file = Files.isDirectory(path) ? path.resolve("config.json") : path;
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("no config.json at " + file
          + " (expected a model folder with a config.json, or the config.json itself)");
    }
    try {
      return parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Parses the text of a {@code config.json}.
   *
   * @param source named in error messages (the file)
   */
  public static ArchitectureShape parse(String json, String source) {
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(source + " is not valid JSON: " + e.getOriginalMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException(source + ": expected a JSON object");
    }
    Fields f = new Fields(root, source);
    String family = f.text("model_type");
    switch (family) {
      case "gpt2": {
        int dim = f.size("n_embd");
        int heads = f.size("n_head");
        int ffn = f.has("n_inner") ? f.size("n_inner") : 4 * dim;
        int positions = f.has("n_positions") ? f.size("n_positions") : f.size("n_ctx");
        f.divides("n_embd", dim, "n_head", heads);
        return new ArchitectureShape(family, true, f.size("vocab_size"), dim, f.size("n_layer"), heads,
            heads, dim / heads, ffn, positions, true, 0, true, 2, true, true, true, false,
            f.flag("tie_word_embeddings", true), false, false);
      }
      case "llama":
      case "mistral":
      case "qwen2":
      case "gemma":
      case "gemma2":
      case "phi3": {
        int dim = f.size("hidden_size");
        int heads = f.size("num_attention_heads");
        int kvHeads = f.has("num_key_value_heads") ? f.size("num_key_value_heads") : heads;
        int headDim;
        if (f.has("head_dim")) {
          headDim = f.size("head_dim");
        } else {
          f.divides("hidden_size", dim, "num_attention_heads", heads);
          headDim = dim / heads;
        }
        if (heads % kvHeads != 0) {
          throw new IllegalArgumentException(source + ": num_attention_heads " + heads
              + " must be a multiple of num_key_value_heads " + kvHeads);
        }
        boolean llamaBias = family.equals("llama") && f.flag("attention_bias", false);
        boolean qkvBias = family.equals("qwen2") || llamaBias;
        boolean mlpBias = family.equals("llama") && f.flag("mlp_bias", false);
        boolean tiedDefault = family.startsWith("gemma");
        return new ArchitectureShape(family, true, f.size("vocab_size"), dim,
            f.size("num_hidden_layers"), heads, kvHeads, headDim, f.size("intermediate_size"),
            f.size("max_position_embeddings"), false, 0, false, family.equals("gemma2") ? 4 : 2,
            qkvBias, llamaBias, mlpBias, true, f.flag("tie_word_embeddings", tiedDefault), false, false);
      }
      case "bert": {
        int dim = f.size("hidden_size");
        int heads = f.size("num_attention_heads");
        f.divides("hidden_size", dim, "num_attention_heads", heads);
        int types = f.has("type_vocab_size") ? f.size("type_vocab_size") : 2;
        return new ArchitectureShape(family, false, f.size("vocab_size"), dim,
            f.size("num_hidden_layers"), heads, heads, dim / heads, f.size("intermediate_size"),
            f.size("max_position_embeddings"), true, types, true, 2, true, true, true, false, true, true,
            true);
      }
      default:
        throw new IllegalArgumentException(source + ": model_type \"" + family
            + "\" is not a family the cost model knows; known: " + String.join(", ", FAMILIES));
    }
  }

  /** Typed, checked access to the fields of one config. */
  private static final class Fields {
    private final JsonNode root;
    private final String source;

    Fields(JsonNode root, String source) {
      this.root = root;
      this.source = source;
    }

    boolean has(String name) {
      JsonNode n = root.get(name);
      return n != null && !n.isNull();
    }

    String text(String name) {
      JsonNode n = root.get(name);
      if (n == null || n.isNull()) {
        throw new IllegalArgumentException(source + ": missing field \"" + name + "\"");
      }
      if (!n.isTextual()) {
        throw new IllegalArgumentException(source + ": field \"" + name + "\" must be a string, got " + n);
      }
      return n.asText();
    }

    int size(String name) {
      JsonNode n = root.get(name);
      if (n == null || n.isNull()) {
        throw new IllegalArgumentException(source + ": missing field \"" + name
            + "\", which model_type " + root.path("model_type").asText() + " needs");
      }
      if (!n.isIntegralNumber()) {
        throw new IllegalArgumentException(source + ": field \"" + name
            + "\" must be a whole number, got " + n);
      }
      long v = n.asLong();
      if (!n.canConvertToLong() || v < 1 || v > ArchitectureShape.MAX_SIZE) {
        throw new IllegalArgumentException(source + ": field \"" + name + "\" must be in [1, "
            + ArchitectureShape.MAX_SIZE + "], got " + n);
      }
      return (int) v;
    }

    boolean flag(String name, boolean dflt) {
      JsonNode n = root.get(name);
      if (n == null || n.isNull()) {
        return dflt;
      }
      if (!n.isBoolean()) {
        throw new IllegalArgumentException(source + ": field \"" + name + "\" must be true or false, got " + n);
      }
      return n.asBoolean();
    }

    void divides(String aName, int a, String bName, int b) {
      if (a % b != 0) {
        throw new IllegalArgumentException(source + ": " + aName + " " + a + " must be a multiple of "
            + bName + " " + b + " (or give head_dim)");
      }
    }
  }
}
