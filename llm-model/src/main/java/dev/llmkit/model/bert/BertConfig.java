package dev.llmkit.model.bert;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmkit.model.io.CheckpointFormatException;
import dev.llmkit.model.nn.Activation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The shape of an encoder-only (BERT) model, as Hugging Face's {@code BertConfig} names it in
 * {@code config.json}: {@code vocab_size}, {@code hidden_size}, {@code num_hidden_layers},
 * {@code num_attention_heads}, {@code intermediate_size}, {@code max_position_embeddings},
 * {@code type_vocab_size}, {@code layer_norm_eps}, {@code hidden_act}, {@code pad_token_id} and, for
 * a classifier, the labels of {@code id2label}.
 *
 * @param vocabSize V, rows of the word embeddings
 * @param hidden C, the model width
 * @param layers number of encoder blocks
 * @param heads attention heads (C must be a multiple)
 * @param intermediate H, the feed-forward width
 * @param maxPositions rows of the learned position table: the longest sequence
 * @param typeVocabSize rows of the token-type (segment) table
 * @param layerNormEps LayerNorm epsilon
 * @param activation the feed-forward nonlinearity ({@code gelu} is the erf form)
 * @param padTokenId id of the padding token
 * @param labels class names of a sequence classifier by id (empty when there are none)
 */
public record BertConfig(int vocabSize, int hidden, int layers, int heads, int intermediate,
    int maxPositions, int typeVocabSize, float layerNormEps, Activation activation,
    int padTokenId, List<String> labels) {

  /** The file name of a Hugging Face config. */
  public static final String FILE = "config.json";

  /** Validates the shape. */
  public BertConfig {
    positive("vocab_size", vocabSize);
    positive("hidden_size", hidden);
    positive("num_hidden_layers", layers);
    positive("num_attention_heads", heads);
    positive("intermediate_size", intermediate);
    positive("max_position_embeddings", maxPositions);
    positive("type_vocab_size", typeVocabSize);
    if (hidden % heads != 0) {
      throw new IllegalArgumentException("BertConfig: hidden_size " + hidden
          + " must be a multiple of num_attention_heads " + heads);
    }
    if (!(layerNormEps > 0)) {
      throw new IllegalArgumentException("BertConfig: layer_norm_eps " + layerNormEps + " must be > 0");
    }
    if (activation == null || activation.gated()) {
      throw new IllegalArgumentException("BertConfig: activation " + activation
          + " must be one of RELU, GELU_ERF, GELU_TANH");
    }
    labels = List.copyOf(labels == null ? List.of() : labels);
  }

  private static void positive(String name, int v) {
    if (v < 1) {
      throw new IllegalArgumentException("BertConfig: " + name + " " + v + " must be positive");
    }
  }

  /** Width of one attention head, C / heads. */
  public int headDim() {
    return hidden / heads;
  }

  /** This config with other class labels (a classification head of {@code labels.size()} classes). */
  public BertConfig withLabels(List<String> newLabels) {
    return new BertConfig(vocabSize, hidden, layers, heads, intermediate, maxPositions,
        typeVocabSize, layerNormEps, activation, padTokenId, newLabels);
  }

  /** Reads {@code config.json}. */
  public static BertConfig read(Path file) throws IOException {
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(Files.readAllBytes(file));
    } catch (com.fasterxml.jackson.core.JacksonException e) {
      throw new CheckpointFormatException(file, "is not valid JSON: " + e.getOriginalMessage(), e);
    }
    return fromJson(root, file);
  }

  /**
   * A config from the fields of a Hugging Face BERT {@code config.json}.
   *
   * @throws CheckpointFormatException naming the file and field when one is missing or wrong
   */
  public static BertConfig fromJson(JsonNode root, Path file) throws CheckpointFormatException {
    if (root == null || !root.isObject()) {
      throw new CheckpointFormatException(file, "expected a JSON object");
    }
    String type = root.path("model_type").asText("bert");
    if (!type.equals("bert")) {
      throw new CheckpointFormatException(file, "model_type '" + type + "' is not an encoder (expected bert)");
    }
    List<String> labels = new ArrayList<>();
    JsonNode id2label = root.get("id2label");
    if (id2label != null && id2label.isObject() && root.has("architectures")
        && root.get("architectures").toString().contains("SequenceClassification")) {
      for (int i = 0; i < id2label.size(); i++) {
        JsonNode l = id2label.get(Integer.toString(i));
        if (l == null) {
          throw new CheckpointFormatException(file, "id2label has no entry \"" + i + "\" (expected ids 0.."
              + (id2label.size() - 1) + ")");
        }
        labels.add(l.asText());
      }
    }
    try {
      return new BertConfig(integer(root, "vocab_size", file), integer(root, "hidden_size", file),
          integer(root, "num_hidden_layers", file), integer(root, "num_attention_heads", file),
          integer(root, "intermediate_size", file), integer(root, "max_position_embeddings", file),
          root.path("type_vocab_size").asInt(2),
          (float) root.path("layer_norm_eps").asDouble(1e-12),
          activation(root.path("hidden_act").asText("gelu"), file),
          root.path("pad_token_id").asInt(0), labels);
    } catch (IllegalArgumentException e) {
      throw new CheckpointFormatException(file, e.getMessage(), e);
    }
  }

  private static int integer(JsonNode root, String field, Path file) throws CheckpointFormatException {
    JsonNode n = root.get(field);
    if (n == null || !n.canConvertToInt()) {
      throw new CheckpointFormatException(file, "field '" + field + "' is missing or not an integer");
    }
    return n.asInt();
  }

  private static Activation activation(String name, Path file) throws CheckpointFormatException {
    return switch (name) {
      case "gelu" -> Activation.GELU_ERF;
      case "gelu_new", "gelu_pytorch_tanh", "gelu_fast" -> Activation.GELU_TANH;
      case "relu" -> Activation.RELU;
      default -> throw new CheckpointFormatException(
          file, "hidden_act '" + name + "' is not supported (expected gelu, gelu_new or relu)");
    };
  }

  /** The Hugging Face {@code config.json} of this config for {@code architecture}. */
  public ObjectNode toJson(String architecture) {
    ObjectNode o = new ObjectMapper().createObjectNode();
    o.putArray("architectures").add(architecture);
    o.put("model_type", "bert");
    o.put("vocab_size", vocabSize);
    o.put("hidden_size", hidden);
    o.put("num_hidden_layers", layers);
    o.put("num_attention_heads", heads);
    o.put("intermediate_size", intermediate);
    o.put("max_position_embeddings", maxPositions);
    o.put("type_vocab_size", typeVocabSize);
    o.put("layer_norm_eps", (double) layerNormEps);
    o.put("hidden_act", switch (activation) {
      case GELU_ERF -> "gelu";
      case GELU_TANH -> "gelu_new";
      default -> "relu";
    });
    o.put("pad_token_id", padTokenId);
    o.put("position_embedding_type", "absolute");
    if (!labels.isEmpty()) {
      ObjectNode id2label = o.putObject("id2label");
      ObjectNode label2id = o.putObject("label2id");
      for (int i = 0; i < labels.size(); i++) {
        id2label.put(Integer.toString(i), labels.get(i));
        label2id.put(labels.get(i), i);
      }
    }
    return o;
  }

  /** Writes {@code config.json} into {@code dir}. */
  public void write(Path dir, String architecture) throws IOException {
    Files.writeString(dir.resolve(FILE),
        toJson(architecture).toPrettyString() + "\n");
  }
}
