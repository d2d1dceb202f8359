package dev.llmkit.model.t5;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmkit.model.io.CheckpointFormatException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The architecture of a T5 encoder–decoder model (Hugging Face {@code T5ForConditionalGeneration};
 * the fields are those of its {@code config.json}). Immutable; validated on construction.
 *
 * @param vocabSize {@code vocab_size}
 * @param dModel {@code d_model}: width of the residual stream
 * @param dKv {@code d_kv}: width of one attention head (nHeads * dKv need not be dModel)
 * @param dFf {@code d_ff}: hidden width of the feed-forward network
 * @param numLayers {@code num_layers}: encoder blocks
 * @param numDecoderLayers {@code num_decoder_layers}: decoder blocks (default: numLayers)
 * @param numHeads {@code num_heads}
 * @param numBuckets {@code relative_attention_num_buckets}
 * @param maxDistance {@code relative_attention_max_distance}
 * @param feedForward {@code feed_forward_proj}: relu (T5 v1.0) or gated-gelu (v1.1, Flan-T5)
 * @param tiedEmbeddings {@code tie_word_embeddings}: the output head is the shared embedding, applied
 *     to the decoder output scaled by dModel^-0.5
 * @param layerNormEps {@code layer_norm_epsilon}
 * @param decoderStartTokenId {@code decoder_start_token_id}: the decoder's first input
 * @param eosTokenId {@code eos_token_id}
 * @param padTokenId {@code pad_token_id}
 * @param contextLength longest encoder input and decoder sequence a session accepts ({@code
 *     n_positions}, 512 when absent; the relative bias itself has no limit)
 */
public record T5Config(
    int vocabSize,
    int dModel,
    int dKv,
    int dFf,
    int numLayers,
    int numDecoderLayers,
    int numHeads,
    int numBuckets,
    int maxDistance,
    FeedForward feedForward,
    boolean tiedEmbeddings,
    float layerNormEps,
    int decoderStartTokenId,
    int eosTokenId,
    int padTokenId,
    int contextLength) {

  /** The config file of a Hugging Face folder. */
  public static final String FILE = "config.json";

  /** The feed-forward network ({@code feed_forward_proj}). */
  public enum FeedForward {
    /** {@code relu}: wo(relu(wi x)). */
    RELU("relu"),
    /** {@code gated-gelu}: wo(gelu_tanh(wi_0 x) * wi_1 x). */
    GATED_GELU("gated-gelu");

    private final String hfName;

    FeedForward(String hfName) {
      this.hfName = hfName;
    }

    /** The name in config.json. */
    public String hfName() {
      return hfName;
    }
  }

  /** Validates every field; a bad value throws naming it. */
  public T5Config {
    positive("vocabSize", vocabSize);
    positive("dModel", dModel);
    positive("dKv", dKv);
    positive("dFf", dFf);
    positive("numLayers", numLayers);
    positive("numDecoderLayers", numDecoderLayers);
    positive("numHeads", numHeads);
    positive("maxDistance", maxDistance);
    positive("contextLength", contextLength);
    if (numBuckets < 4 || numBuckets % 2 != 0) {
      throw new IllegalArgumentException("numBuckets must be even and >= 4, got " + numBuckets);
    }
    if (maxDistance <= numBuckets / 4) {
      throw new IllegalArgumentException("maxDistance " + maxDistance + " must exceed numBuckets/4 = "
          + numBuckets / 4);
    }
    if (feedForward == null) {
      throw new IllegalArgumentException("feedForward must be relu or gated-gelu, got null");
    }
    if (!(layerNormEps > 0)) {
      throw new IllegalArgumentException("layerNormEps must be > 0, got " + layerNormEps);
    }
    for (int id : new int[] {decoderStartTokenId, eosTokenId, padTokenId}) {
      if (id < -1 || id >= vocabSize) {
        throw new IllegalArgumentException("decoder start/eos/pad ids " + decoderStartTokenId + "/"
            + eosTokenId + "/" + padTokenId + " must be -1 or inside the vocabulary of " + vocabSize);
      }
    }
    if (decoderStartTokenId < 0) {
      throw new IllegalArgumentException("decoderStartTokenId must be a token id, got " + decoderStartTokenId);
    }
  }

  private static void positive(String name, int v) {
    if (v <= 0) {
      throw new IllegalArgumentException(name + " must be > 0, got " + v);
    }
  }

  /** Width of q, k, v: numHeads * dKv. */
  public int innerDim() {
    return numHeads * dKv;
  }

  /** A new builder with Hugging Face's defaults for the optional fields. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder starting from this config. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.vocabSize = vocabSize;
    b.dModel = dModel;
    b.dKv = dKv;
    b.dFf = dFf;
    b.numLayers = numLayers;
    b.numDecoderLayers = numDecoderLayers;
    b.numHeads = numHeads;
    b.numBuckets = numBuckets;
    b.maxDistance = maxDistance;
    b.feedForward = feedForward;
    b.tiedEmbeddings = tiedEmbeddings;
    b.layerNormEps = layerNormEps;
    b.decoderStartTokenId = decoderStartTokenId;
    b.eosTokenId = eosTokenId;
    b.padTokenId = padTokenId;
    b.contextLength = contextLength;
    return b;
  }

  /** Builder of {@link T5Config}: sizes have no defaults; numDecoderLayers defaults to numLayers. */
  public static final class Builder {
    private int vocabSize;
    private int dModel;
    private int dKv;
    private int dFf;
    private int numLayers;
    private int numDecoderLayers;
    private int numHeads;
    private int numBuckets = 32;
    private int maxDistance = 128;
    private FeedForward feedForward = FeedForward.RELU;
    private boolean tiedEmbeddings = true;
    private float layerNormEps = 1e-6f;
    private int decoderStartTokenId = 0;
    private int eosTokenId = 1;
    private int padTokenId = 0;
    private int contextLength = 512;

    private Builder() {}

    public Builder vocabSize(int v) { this.vocabSize = v; return this; }
    public Builder dModel(int v) { this.dModel = v; return this; }
    public Builder dKv(int v) { this.dKv = v; return this; }
    public Builder dFf(int v) { this.dFf = v; return this; }
    public Builder numLayers(int v) { this.numLayers = v; return this; }
    public Builder numDecoderLayers(int v) { this.numDecoderLayers = v; return this; }
    public Builder numHeads(int v) { this.numHeads = v; return this; }
    public Builder numBuckets(int v) { this.numBuckets = v; return this; }
    public Builder maxDistance(int v) { this.maxDistance = v; return this; }
    public Builder feedForward(FeedForward v) { this.feedForward = v; return this; }
    public Builder tiedEmbeddings(boolean v) { this.tiedEmbeddings = v; return this; }
    public Builder layerNormEps(float v) { this.layerNormEps = v; return this; }
    public Builder decoderStartTokenId(int v) { this.decoderStartTokenId = v; return this; }
    public Builder eosTokenId(int v) { this.eosTokenId = v; return this; }
    public Builder padTokenId(int v) { this.padTokenId = v; return this; }
    public Builder contextLength(int v) { this.contextLength = v; return this; }

    /** The config; throws naming the first invalid field. */
    public T5Config build() {
      return new T5Config(vocabSize, dModel, dKv, dFf, numLayers,
          numDecoderLayers == 0 ? numLayers : numDecoderLayers, numHeads, numBuckets, maxDistance,
          feedForward, tiedEmbeddings, layerNormEps, decoderStartTokenId, eosTokenId, padTokenId,
          contextLength);
    }
  }

  // ------------------------------------------------------------------------------- config.json

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** True when the tree is a T5 config ({@code model_type} "t5"). */
  public static boolean isT5(JsonNode root) {
    return root != null && root.path("model_type").asText("").toLowerCase(Locale.ROOT).equals("t5");
  }

  /** Reads a {@code config.json}; throws naming the file and the field at fault. */
  public static T5Config read(Path file) throws IOException {
    JsonNode root;
    try {
      root = JSON.readTree(file.toFile());
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new CheckpointFormatException(file, "not valid JSON: " + e.getOriginalMessage(), e);
    }
    return fromJson(root, file);
  }

  /** Parses a T5 config tree; throws naming the source and the field at fault. */
  public static T5Config fromJson(JsonNode root, Path source) throws CheckpointFormatException {
    if (!isT5(root)) {
      throw new CheckpointFormatException(source, "model_type is "
          + (root == null ? "absent" : root.path("model_type")) + ", expected \"t5\"");
    }
    String ff = root.path("feed_forward_proj").asText("relu");
    FeedForward feedForward = switch (ff) {
      case "relu" -> FeedForward.RELU;
      case "gated-gelu" -> FeedForward.GATED_GELU;
      default -> throw new CheckpointFormatException(source,
          "feed_forward_proj \"" + ff + "\" is not supported (expected \"relu\" or \"gated-gelu\")");
    };
    try {
      int layers = required(root, "num_layers", source);
      return builder()
          .vocabSize(required(root, "vocab_size", source))
          .dModel(required(root, "d_model", source))
          .dKv(required(root, "d_kv", source))
          .dFf(required(root, "d_ff", source))
          .numLayers(layers)
          .numDecoderLayers(optional(root, "num_decoder_layers", layers, source))
          .numHeads(required(root, "num_heads", source))
          .numBuckets(optional(root, "relative_attention_num_buckets", 32, source))
          .maxDistance(optional(root, "relative_attention_max_distance", 128, source))
          .feedForward(feedForward)
          .tiedEmbeddings(root.path("tie_word_embeddings").asBoolean(true))
          .layerNormEps((float) root.path("layer_norm_epsilon").asDouble(1e-6))
          .decoderStartTokenId(optional(root, "decoder_start_token_id", 0, source))
          .eosTokenId(optional(root, "eos_token_id", 1, source))
          .padTokenId(optional(root, "pad_token_id", 0, source))
          .contextLength(optional(root, "n_positions", 512, source))
          .build();
    } catch (IllegalArgumentException e) {
      throw new CheckpointFormatException(source, e.getMessage(), e);
    }
  }

  private static int required(JsonNode root, String field, Path source) throws CheckpointFormatException {
    JsonNode n = root.get(field);
    if (n == null || !n.canConvertToInt() || !n.isIntegralNumber()) {
      throw new CheckpointFormatException(source, "missing or non-integer required field '" + field
          + "'" + (n == null ? "" : " (got " + n + ")"));
    }
    return n.asInt();
  }

  private static int optional(JsonNode root, String field, int fallback, Path source)
      throws CheckpointFormatException {
    JsonNode n = root.get(field);
    return n == null || n.isNull() ? fallback : required(root, field, source);
  }

  /** The config.json tree Hugging Face's T5Config reads. */
  public ObjectNode toJson() {
    ObjectNode o = JSON.createObjectNode();
    o.putArray("architectures").add("T5ForConditionalGeneration");
    o.put("model_type", "t5");
    o.put("is_encoder_decoder", true);
    o.put("vocab_size", vocabSize);
    o.put("d_model", dModel);
    o.put("d_kv", dKv);
    o.put("d_ff", dFf);
    o.put("num_layers", numLayers);
    o.put("num_decoder_layers", numDecoderLayers);
    o.put("num_heads", numHeads);
    o.put("relative_attention_num_buckets", numBuckets);
    o.put("relative_attention_max_distance", maxDistance);
    o.put("feed_forward_proj", feedForward.hfName());
    o.put("tie_word_embeddings", tiedEmbeddings);
    o.put("layer_norm_epsilon", layerNormEps);
    o.put("decoder_start_token_id", decoderStartTokenId);
    o.put("eos_token_id", eosTokenId);
    o.put("pad_token_id", padTokenId);
    o.put("n_positions", contextLength);
    o.put("dropout_rate", 0.0);
    return o;
  }

  /** Writes {@link #toJson} to {@code dir/config.json}. */
  public void write(Path dir) throws IOException {
    dev.llmkit.model.io.AtomicFiles.write(dir.resolve(FILE), JSON.writeValueAsBytes(toJson()));
  }
}
