package dev.llmkit.model.io.hf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmkit.model.config.ModelConfig;
import dev.llmkit.model.config.ModelConfig.Activation;
import dev.llmkit.model.config.ModelConfig.NormType;
import dev.llmkit.model.config.ModelConfig.PositionEncoding;
import dev.llmkit.model.config.RopeScaling;
import dev.llmkit.model.io.AtomicFiles;
import dev.llmkit.model.io.CheckpointFormatException;
import dev.llmkit.tensor.RopeStyle;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * A Hugging Face {@code config.json} and the {@link ModelConfig} it describes.
 *
 * <p>Reading: {@code model_type} {@code gpt2} (vocab_size, n_positions, n_embd, n_layer, n_head,
 * n_inner (null = 4·n_embd), layer_norm_epsilon, activation_function, tie_word_embeddings) or
 * {@code llama} (vocab_size, hidden_size, intermediate_size, num_hidden_layers, num_attention_heads,
 * num_key_value_heads (default = heads), max_position_embeddings, rms_norm_eps, rope_theta (default
 * 10000), hidden_act silu, tie_word_embeddings, attention_bias, mlp_bias; {@code mistral} and
 * {@code qwen2} read as Llama when their sliding window is off or spans the whole context, Qwen2 with
 * q/k/v biases); bos/eos ids in all. A
 * missing required field, a value of the wrong type or a contradictory one throws naming it.
 *
 * <p>Writing: the family is {@link HfFamily#of}; what it cannot express (sinusoidal or rotary
 * positions in GPT-2, post-norm, RMSNorm in GPT-2, LayerNorm in Llama, GPT-2 without biases or with
 * grouped-query attention) is written as extra {@code llmkit_*} fields that this class reads back.
 * Every config round-trips exactly except one: a rotary Llama with adjacent-pair RoPE is written as
 * plain (rotate-half) Llama, because {@link LlamaWeights} permutes its q/k rows on save as Hugging
 * Face's converter does (see {@link #savedConfig}).
 *
 * @param family the model family ({@code model_type})
 * @param config the architecture
 */
public record HfConfig(HfFamily family, ModelConfig config) {

  /** The file name inside a Hugging Face folder. */
  public static final String FILE = "config.json";

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  /** Reads strictly: duplicate keys and trailing content are errors. */
  private static final ObjectMapper STRICT = new ObjectMapper()
      .enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
      .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  /**
   * Reads a {@code config.json}.
   *
   * @throws CheckpointFormatException naming the file and the field at fault
   */
  public static HfConfig read(Path file) throws IOException {
    JsonNode root;
    try {
      root = STRICT.readTree(file.toFile());
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new CheckpointFormatException(file, "not valid JSON: " + e.getOriginalMessage(), e);
    }
    HfConfig c = fromJson(root, file);
    return new HfConfig(c.family(), GenerationConfig.withStopTokens(c.config(), root, file));
  }

  /**
   * Parses a config tree.
   *
   * @param source the file it came from, for error messages
   * @throws CheckpointFormatException naming the source and the field at fault
   */
  public static HfConfig fromJson(JsonNode root, Path source) throws CheckpointFormatException {
    if (root == null || !root.isObject()) {
      throw new CheckpointFormatException(source, "config is not a JSON object");
    }
    Fields f = new Fields(root, source);
    String type = f.string("model_type", null);
    if (type == null) {
      throw new CheckpointFormatException(
          source, "missing required field 'model_type' (expected \"gpt2\" or \"llama\")");
    }
    HfFamily family;
    ModelConfig.Builder b = ModelConfig.builder();
    switch (type) {
      case "gpt2" -> {
        family = HfFamily.GPT2;
        int dim = f.requiredInt("n_embd");
        int heads = f.requiredInt("n_head");
        f.divisible("n_embd", dim, "n_head", heads);
        int inner = f.has("n_inner") ? f.requiredInt("n_inner") : 4 * dim;
        b.vocabSize(f.requiredInt("vocab_size"))
            .contextLength(f.requiredInt("n_positions"))
            .dim(dim)
            .nLayers(f.requiredInt("n_layer"))
            .nHeads(heads)
            .nKvHeads(heads)
            .ffnDim(inner)
            .positions(PositionEncoding.LEARNED)
            .norm(NormType.LAYER_NORM)
            .normEps((float) f.number("layer_norm_epsilon", 1e-5))
            .activation(gpt2Activation(f))
            .attentionBias(true)
            .mlpBias(true)
            .tiedEmbeddings(f.bool("tie_word_embeddings", true));
        if (f.has("n_ctx") && f.requiredInt("n_ctx") != f.requiredInt("n_positions")) {
          // GPT-2 configs carry both; they must agree.
          throw new CheckpointFormatException(
              source, "n_ctx " + f.requiredInt("n_ctx") + " contradicts n_positions "
                  + f.requiredInt("n_positions"));
        }
      }
      case "llama", "mistral", "qwen2", "phi3", "gemma", "gemma2" -> {
        // one reader for the Llama-shaped families (ModelFamilies documents what each adds)
        family = switch (type) {
          case "gemma" -> HfFamily.GEMMA;
          case "gemma2" -> HfFamily.GEMMA2;
          case "phi3" -> HfFamily.PHI3;
          default -> HfFamily.LLAMA;
        };
        boolean qwen2 = type.equals("qwen2");
        boolean gemma = type.startsWith("gemma");
        int dim = f.requiredInt("hidden_size");
        int heads = f.requiredInt("num_attention_heads");
        int kv = f.has("num_key_value_heads") ? f.requiredInt("num_key_value_heads") : heads;
        f.divisible("num_attention_heads", heads, "num_key_value_heads", kv);
        int headDim = 0;
        if (f.has("head_dim") || gemma) {
          // Gemma's config class defaults head_dim to 256
          int hd = f.has("head_dim") ? f.requiredInt("head_dim") : 256;
          if (hd <= 0) {
            throw new CheckpointFormatException(source, "head_dim must be > 0, got " + hd);
          }
          if (hd * heads != dim) {
            headDim = hd;
          }
        }
        if (headDim == 0) {
          f.divisible("hidden_size", dim, "num_attention_heads", heads);
        }
        String act = gemma ? f.string("hidden_activation", "gelu_pytorch_tanh") : f.string("hidden_act", "silu");
        Activation activation;
        if (gemma) {
          if (!act.equals("gelu_pytorch_tanh") && !act.equals("gelu_new") && !act.equals("gelu_fast")) {
            throw new CheckpointFormatException(source, "hidden_activation '" + act + "' is not "
                + "supported for " + type + " (expected \"gelu_pytorch_tanh\")");
          }
          activation = Activation.GEGLU_TANH;
        } else {
          if (!act.equals("silu") && !act.equals("swish")) {
            throw new CheckpointFormatException(
                source, "hidden_act '" + act + "' is not supported for " + type + " (expected \"silu\")");
          }
          activation = Activation.SWIGLU;
        }
        int context = f.requiredInt("max_position_embeddings");
        b.ropeScaling(ropeScaling(f, root.get("rope_scaling"), context));
        if (f.number("partial_rotary_factor", 1.0) != 1.0) {
          throw new CheckpointFormatException(source, "partial_rotary_factor "
              + f.number("partial_rotary_factor", 1.0) + " is not supported (only full rotary: 1.0)");
        }
        // sliding window: Mistral and Phi-3 on every layer, Gemma 2 on even layers; Qwen2 only
        // with use_sliding_window (then on some layers only: not supported)
        int window = 0;
        if (!type.equals("llama") && !type.equals("gemma") && f.has("sliding_window")) {
          int sw = f.requiredInt("sliding_window");
          if (qwen2) {
            if (f.bool("use_sliding_window", false) && sw < context) {
              throw new CheckpointFormatException(source, "sliding_window " + sw + " with "
                  + "use_sliding_window (Qwen2's per-layer windows) is not supported");
            }
          } else if (sw <= 0) {
            throw new CheckpointFormatException(source, "sliding_window must be > 0, got " + sw);
          } else if (sw < context) {
            window = sw;
          }
        } else if (type.equals("gemma2") && !root.has("sliding_window")) {
          window = Math.min(4096, context) < context ? 4096 : 0;
        }
        b.vocabSize(f.requiredInt("vocab_size"))
            .contextLength(context)
            .dim(dim)
            .nLayers(f.requiredInt("num_hidden_layers"))
            .nHeads(heads)
            .nKvHeads(kv)
            .explicitHeadDim(headDim)
            .ffnDim(f.requiredInt("intermediate_size"))
            .positions(PositionEncoding.ROTARY)
            .ropeStyle(RopeStyle.ROTATE_HALF)
            .ropeTheta(f.number("rope_theta", 10000.0))
            .norm(NormType.RMS_NORM)
            .normEps((float) f.number("rms_norm_eps", 1e-6))
            .activation(activation)
            .attentionBias(qwen2 || f.bool("attention_bias", false))
            .mlpBias(f.bool("mlp_bias", false))
            .tiedEmbeddings(f.bool("tie_word_embeddings", gemma))
            .slidingWindow(window)
            .slidingWindowPeriod(type.equals("gemma2") ? 2 : 1);
        if (gemma) {
          // transformers: hidden_states * torch.tensor(hidden_size**0.5, dtype=float32)
          b.embeddingScale((float) Math.sqrt(dim));
        }
        if (type.equals("gemma2")) {
          b.attentionScale((float) Math.pow(f.number("query_pre_attn_scalar", 256), -0.5))
              .attentionSoftcap((float) optionalNumber(root, f, "attn_logit_softcapping", 50.0))
              .finalLogitSoftcap((float) optionalNumber(root, f, "final_logit_softcapping", 30.0))
              .sandwichNorms(true);
        }
      }
      default -> throw new CheckpointFormatException(
          source, "model_type '" + type
              + "' is not supported (expected gpt2, llama, mistral, qwen2, phi3, gemma or gemma2)");
    }
    b.bosTokenId(f.tokenId("bos_token_id")).eosTokenId(f.tokenId("eos_token_id"));
    applyExtensions(f, family, b);
    try {
      return new HfConfig(family, b.build());
    } catch (IllegalArgumentException e) {
      throw new CheckpointFormatException(source, "inconsistent config: " + e.getMessage(), e);
    }
  }

  /** A number whose absence means {@code dflt} and whose explicit null means 0 (off). */
  private static double optionalNumber(JsonNode root, Fields f, String name, double dflt)
      throws CheckpointFormatException {
    if (!root.has(name)) {
      return dflt;
    }
    return f.number(name, 0.0);
  }

  /**
   * {@code rope_scaling}: null or type "default" is plain RoPE; "linear", "dynamic", "llama3" and
   * "yarn" as transformers' {@code modeling_rope_utils.py}; any other type throws naming it.
   */
  static RopeScaling ropeScaling(Fields parent, JsonNode node, int context)
      throws CheckpointFormatException {
    if (node == null || node.isNull()) {
      return RopeScaling.NONE;
    }
    if (!node.isObject()) {
      throw new CheckpointFormatException(parent.source, "rope_scaling must be an object or null, got " + node);
    }
    Fields r = new Fields(node, parent.source);
    String type = r.string("rope_type", r.string("type", null));
    if (type == null) {
      throw new CheckpointFormatException(parent.source, "rope_scaling " + node + " has no 'rope_type'");
    }
    try {
      return switch (type) {
        case "default" -> RopeScaling.NONE;
        case "linear" -> RopeScaling.linear(r.number("factor", 0));
        case "dynamic" -> RopeScaling.dynamic(r.number("factor", 0));
        case "llama3" -> RopeScaling.llama3(r.number("factor", 0), r.number("low_freq_factor", 1),
            r.number("high_freq_factor", 4), r.has("original_max_position_embeddings")
                ? r.requiredInt("original_max_position_embeddings") : 8192);
        case "yarn" -> RopeScaling.yarn(r.number("factor", 0),
            r.has("original_max_position_embeddings")
                ? r.requiredInt("original_max_position_embeddings") : context,
            r.number("beta_fast", 32), r.number("beta_slow", 1), r.number("attention_factor", 0));
        default -> throw new CheckpointFormatException(parent.source, "rope_scaling type '" + type
            + "' is not supported (expected default, linear, dynamic, llama3 or yarn)");
      };
    } catch (IllegalArgumentException e) {
      throw new CheckpointFormatException(parent.source, e.getMessage(), e);
    }
  }

  private static Activation gpt2Activation(Fields f) throws CheckpointFormatException {
    String a = f.string("activation_function", "gelu_new");
    return switch (a) {
      case "gelu_new", "gelu_pytorch_tanh", "gelu_fast" -> Activation.GELU_TANH;
      case "gelu" -> Activation.GELU_ERF;
      case "relu" -> Activation.RELU;
      default -> throw new CheckpointFormatException(
          f.source, "activation_function '" + a
              + "' is not supported (expected gelu_new, gelu_pytorch_tanh, gelu or relu)");
    };
  }

  /** The {@code llmkit_*} fields override what the family implies. */
  private static void applyExtensions(Fields f, HfFamily family, ModelConfig.Builder b)
      throws CheckpointFormatException {
    if (f.has("llmkit_positions")) {
      b.positions(f.enumValue("llmkit_positions", PositionEncoding.class));
    }
    if (f.has("llmkit_rope_style")) {
      b.ropeStyle(f.enumValue("llmkit_rope_style", RopeStyle.class));
    }
    if (f.has("llmkit_rope_theta")) {
      b.ropeTheta(f.number("llmkit_rope_theta", 10000.0));
    }
    if (f.has("llmkit_norm")) {
      b.norm(f.enumValue("llmkit_norm", NormType.class));
    }
    if (f.has("llmkit_pre_norm")) {
      b.preNorm(f.bool("llmkit_pre_norm", true));
    }
    if (f.has("llmkit_attention_bias")) {
      b.attentionBias(f.bool("llmkit_attention_bias", true));
    }
    if (f.has("llmkit_mlp_bias")) {
      b.mlpBias(f.bool("llmkit_mlp_bias", true));
    }
    if (f.has("llmkit_n_kv_heads")) {
      b.nKvHeads(f.requiredInt("llmkit_n_kv_heads"));
    }
    if (family == HfFamily.GPT2 && f.has("llmkit_activation")) {
      Activation a = f.enumValue("llmkit_activation", Activation.class);
      if (a == Activation.SWIGLU) {
        throw new CheckpointFormatException(
            f.source, "llmkit_activation SWIGLU needs model_type llama");
      }
      b.activation(a);
    }
  }

  /** The config.json tree of this config (family fields plus {@code llmkit_*} where needed). */
  public static ObjectNode toJson(ModelConfig c) {
    if (c.activation() == Activation.GEGLU_TANH || c.sandwichNorms() || c.slidingWindow() > 0
        || c.embeddingScale() != 1f || c.attentionScale() != 0f || c.attentionSoftcap() != 0f
        || c.finalLogitSoftcap() != 0f || c.explicitHeadDim() != 0
        || c.ropeScaling().type() != RopeScaling.Type.NONE) {
      throw new IllegalArgumentException("saving a config with " + describeUnsaved(c)
          + " as a Hugging Face folder is not supported (llmkit reads Gemma, Gemma 2, Mistral, "
          + "Phi-3 and rope_scaling but writes only GPT-2 and Llama configs)");
    }
    HfFamily family = HfFamily.of(c);
    ObjectNode o = JSON.createObjectNode();
    o.putArray("architectures").add(family.architecture());
    o.put("model_type", family.modelType());
    o.put("vocab_size", c.vocabSize());
    if (family == HfFamily.GPT2) {
      o.put("n_positions", c.contextLength());
      o.put("n_ctx", c.contextLength());
      o.put("n_embd", c.dim());
      o.put("n_layer", c.nLayers());
      o.put("n_head", c.nHeads());
      if (c.ffnDim() == 4 * c.dim()) {
        o.putNull("n_inner");
      } else {
        o.put("n_inner", c.ffnDim());
      }
      o.put("activation_function", switch (c.activation()) {
        case GELU_TANH -> "gelu_new";
        case GELU_ERF -> "gelu";
        case RELU -> "relu";
        case SWIGLU, GEGLU_TANH -> throw new IllegalStateException("gated feed-forwards are saved as llama");
      });
      o.put("layer_norm_epsilon", c.normEps());
      o.put("resid_pdrop", 0.0);
      o.put("embd_pdrop", 0.0);
      o.put("attn_pdrop", 0.0);
      o.put("scale_attn_weights", true);
      o.put("tie_word_embeddings", c.tiedEmbeddings());
      if (c.positions() != PositionEncoding.LEARNED) {
        o.put("llmkit_positions", lower(c.positions()));
      }
      if (c.positions() == PositionEncoding.ROTARY) {
        o.put("llmkit_rope_style", lower(c.ropeStyle()));
        o.put("llmkit_rope_theta", c.ropeTheta());
      }
      if (c.norm() != NormType.LAYER_NORM) {
        o.put("llmkit_norm", lower(c.norm()));
      }
      if (!c.attentionBias()) {
        o.put("llmkit_attention_bias", false);
      }
      if (!c.mlpBias()) {
        o.put("llmkit_mlp_bias", false);
      }
      if (c.nKvHeads() != c.nHeads()) {
        o.put("llmkit_n_kv_heads", c.nKvHeads());
      }
    } else {
      o.put("hidden_size", c.dim());
      o.put("intermediate_size", c.ffnDim());
      o.put("num_hidden_layers", c.nLayers());
      o.put("num_attention_heads", c.nHeads());
      o.put("num_key_value_heads", c.nKvHeads());
      o.put("max_position_embeddings", c.contextLength());
      o.put("hidden_act", "silu");
      o.put("rms_norm_eps", c.normEps());
      o.put("rope_theta", c.ropeTheta());
      o.putNull("rope_scaling");
      o.put("attention_bias", c.attentionBias());
      o.put("mlp_bias", c.mlpBias());
      o.put("tie_word_embeddings", c.tiedEmbeddings());
      if (c.positions() != PositionEncoding.ROTARY) {
        o.put("llmkit_positions", lower(c.positions()));
      }
      if (c.positions() != PositionEncoding.ROTARY && c.ropeStyle() != RopeStyle.ROTATE_HALF) {
        o.put("llmkit_rope_style", lower(c.ropeStyle()));
      }
      if (c.norm() != NormType.RMS_NORM) {
        o.put("llmkit_norm", lower(c.norm()));
      }
    }
    if (!c.preNorm()) {
      o.put("llmkit_pre_norm", false);
    }
    if (c.bosTokenId() >= 0) {
      o.put("bos_token_id", c.bosTokenId());
    }
    if (c.eosTokenId() >= 0) {
      o.put("eos_token_id", c.eosTokenId());
    }
    o.put("torch_dtype", "float32");
    return o;
  }

  private static String describeUnsaved(ModelConfig c) {
    StringBuilder sb = new StringBuilder();
    if (c.activation() == Activation.GEGLU_TANH) sb.append("GeGLU, ");
    if (c.sandwichNorms()) sb.append("sandwich norms, ");
    if (c.slidingWindow() > 0) sb.append("sliding window ").append(c.slidingWindow()).append(", ");
    if (c.embeddingScale() != 1f) sb.append("embedding scale, ");
    if (c.attentionScale() != 0f) sb.append("attention scale, ");
    if (c.attentionSoftcap() != 0f || c.finalLogitSoftcap() != 0f) sb.append("soft-capping, ");
    if (c.explicitHeadDim() != 0) sb.append("head_dim ").append(c.explicitHeadDim()).append(", ");
    if (c.ropeScaling().type() != RopeScaling.Type.NONE) sb.append("rope_scaling ").append(c.ropeScaling()).append(", ");
    return sb.substring(0, sb.length() - 2);
  }

  /**
   * The config a saved folder reloads with: {@code c} itself, except that a rotary Llama-family
   * config with adjacent-pair RoPE becomes rotate-half (its q/k rows are permuted on save).
   */
  public static ModelConfig savedConfig(ModelConfig c) {
    if (HfFamily.of(c) == HfFamily.LLAMA && LlamaWeights.permutesOnSave(c)) {
      return c.toBuilder().ropeStyle(RopeStyle.ROTATE_HALF).build();
    }
    return c;
  }

  /** Writes {@code dir/config.json} atomically. */
  public static void write(Path dir, ModelConfig c) throws IOException {
    AtomicFiles.write(dir.resolve(FILE), JSON.writeValueAsBytes(toJson(c)));
  }

  private static String lower(Enum<?> e) {
    return e.name().toLowerCase(Locale.ROOT);
  }

  /** Typed access to config fields with errors naming the field. */
  private static final class Fields {
    final JsonNode root;
    final Path source;

    Fields(JsonNode root, Path source) {
      this.root = root;
      this.source = source;
    }

    boolean has(String name) {
      JsonNode v = root.get(name);
      return v != null && !v.isNull();
    }

    int requiredInt(String name) throws CheckpointFormatException {
      JsonNode v = root.get(name);
      if (v == null || v.isNull()) {
        throw new CheckpointFormatException(source, "missing required field '" + name + "'");
      }
      if (!v.isIntegralNumber() || !v.canConvertToInt()) {
        throw new CheckpointFormatException(
            source, "field '" + name + "' must be an integer, got " + v);
      }
      return v.asInt();
    }

    double number(String name, double dflt) throws CheckpointFormatException {
      JsonNode v = root.get(name);
      if (v == null || v.isNull()) {
        return dflt;
      }
      if (!v.isNumber()) {
        throw new CheckpointFormatException(source, "field '" + name + "' must be a number, got " + v);
      }
      return v.asDouble();
    }

    boolean bool(String name, boolean dflt) throws CheckpointFormatException {
      JsonNode v = root.get(name);
      if (v == null || v.isNull()) {
        return dflt;
      }
      if (!v.isBoolean()) {
        throw new CheckpointFormatException(source, "field '" + name + "' must be true or false, got " + v);
      }
      return v.asBoolean();
    }

    String string(String name, String dflt) throws CheckpointFormatException {
      JsonNode v = root.get(name);
      if (v == null || v.isNull()) {
        return dflt;
      }
      if (!v.isTextual()) {
        throw new CheckpointFormatException(source, "field '" + name + "' must be a string, got " + v);
      }
      return v.asText();
    }

    <E extends Enum<E>> E enumValue(String name, Class<E> type) throws CheckpointFormatException {
      String s = string(name, null);
      try {
        return Enum.valueOf(type, s.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new CheckpointFormatException(
            source, "field '" + name + "' has unknown value '" + s + "' (expected one of "
                + java.util.Arrays.toString(type.getEnumConstants()).toLowerCase(Locale.ROOT) + ")");
      }
    }

    /** A token id; an array (several EOS ids) gives its first element; absent gives -1. */
    int tokenId(String name) throws CheckpointFormatException {
      JsonNode v = root.get(name);
      if (v == null || v.isNull()) {
        return -1;
      }
      if (v.isArray()) {
        if (v.isEmpty()) {
          return -1;
        }
        v = v.get(0);
      }
      if (!v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() < 0) {
        throw new CheckpointFormatException(source, "field '" + name + "' must be a token id, got " + v);
      }
      int id = v.asInt();
      int vocab = requiredInt("vocab_size");
      if (id >= vocab) {
        throw new CheckpointFormatException(
            source, "field '" + name + "' = " + id + " is outside vocab_size " + vocab);
      }
      return id;
    }

    void divisible(String aName, int a, String bName, int b) throws CheckpointFormatException {
      if (a <= 0 || b <= 0 || a % b != 0) {
        throw new CheckpointFormatException(
            source, aName + " " + a + " must be a positive multiple of " + bName + " " + b);
      }
    }
  }
}
