package dev.llmkit.model.io.gguf;

import dev.llmkit.model.config.ModelConfig;
import dev.llmkit.model.config.ModelConfig.Activation;
import dev.llmkit.model.config.ModelConfig.NormType;
import dev.llmkit.model.config.ModelConfig.PositionEncoding;
import dev.llmkit.model.io.CheckpointFormatException;
import dev.llmkit.model.io.LoadedModel;
import dev.llmkit.model.io.TensorLoader;
import dev.llmkit.model.weights.LayerWeights;
import dev.llmkit.model.weights.ModelWeights;
import dev.llmkit.tensor.RopeStyle;
import dev.llmkit.tensor.Tensor;
import dev.llmkit.tensor.WeightMatrix;
import dev.llmkit.tensor.quant.QuantizedMatrix;
import dev.llmkit.tokenizer.Tokenizer;
import dev.llmkit.tokenizer.gguf.GgufTokenizers;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Models stored as GGUF (llama.cpp): architectures {@code llama} and {@code gpt2}, tensors F32, F16,
 * BF16 (read into float32) or block-quantized Q8_0, Q4_0, Q4_K, Q5_K, Q6_K (so {@code Q4_K_M} files,
 * which mix Q4_K, Q5_K and Q6_K, load), the tokenizer from the {@code tokenizer.ggml.*} metadata
 * through llm-tokenizer.
 *
 * <p>Quantized matrices stay quantized: each becomes a {@link QuantizedMatrix} holding the file's
 * blocks ({@link ModelWeights#storedMatrices()}), so the resident size is about the file's; no
 * float32 copy is made. The token table, when quantized, is dequantized a row at a time on lookup.
 * Vectors (norms, biases) and the learned position table are read into float32 whatever their type.
 *
 * <p>llama: {@code token_embd}, {@code blk.N.attn_norm}, {@code blk.N.attn_q/k/v/output},
 * {@code blk.N.ffn_norm}, {@code blk.N.ffn_gate/up/down} (w1/w3/w2), {@code output_norm},
 * {@code output} (absent when tied). llama.cpp's converter permutes q/k back to Meta's layout, so the
 * config uses {@link RopeStyle#ADJACENT_PAIRS}. gpt2: {@code token_embd}, {@code position_embd},
 * {@code blk.N.attn_norm}, {@code attn_qkv} (q, k, v stacked as rows), {@code attn_output},
 * {@code ffn_norm}, {@code ffn_up}, {@code ffn_down}, {@code output_norm}, {@code output}; tanh GELU.
 * GGUF lists dimensions innermost first, so a {@code [in, out]} GGUF matrix is the canonical
 * {@code [out, in]}.
 */
public final class GgufCheckpoint {

  private static final Logger LOG = LoggerFactory.getLogger(GgufCheckpoint.class);

  private GgufCheckpoint() {}

  /**
   * Loads a GGUF model.
   *
   * @param file the .gguf file
   * @param withTokenizer whether to build the tokenizer from the metadata
   * @throws CheckpointFormatException if the file is corrupt, has no tensors, an unsupported
   *     architecture, or a missing tensor or metadata key (named)
   */
  public static LoadedModel load(Path file, boolean withTokenizer) throws IOException {
    ModelWeights weights;
    Tokenizer tok = null;
    try (GgufFile g = GgufFile.open(file)) {
      if (g.tensors().isEmpty()) {
        throw new CheckpointFormatException(
            file, "holds no tensors (a vocabulary-only GGUF?); nothing to load as a model");
      }
      ModelConfig c = config(g);
      Matrices in = new Matrices(g);
      weights = switch (g.string("general.architecture")) {
        case "gpt2" -> loadGpt2(in, c);
        default -> GgufFamilies.load(in, c, g.string("general.architecture"));
      };
      Set<String> unused = in.unused();
      if (!unused.isEmpty()) {
        LOG.warn("{}: {} tensors are not used: {}", file, unused.size(), unused);
      }
      if (withTokenizer && g.metadata().containsKey("tokenizer.ggml.tokens")) {
        try {
          tok = GgufTokenizers.fromMetadata(g.header()); // the metadata read once, for both
        } catch (UnsupportedOperationException e) {
          LOG.warn("{}: tokenizer not loaded: {}", file, e.getMessage());
        }
      }
    }
    return new LoadedModel(weights, tok);
  }

  /**
   * The architecture described by a GGUF's metadata (the vocabulary size comes from
   * {@code token_embd}).
   *
   * @throws CheckpointFormatException naming the missing or inconsistent key
   */
  public static ModelConfig config(GgufFile g) throws CheckpointFormatException {
    Path file = g.path();
    String arch = g.string("general.architecture");
    if (arch == null) {
      throw new CheckpointFormatException(file, "missing required metadata 'general.architecture'");
    }
    if (!arch.equals("gpt2") && !GgufFamilies.ARCHITECTURES.contains(arch)) {
      throw new CheckpointFormatException(file, "general.architecture '" + arch
          + "' is not supported (expected gpt2, " + String.join(", ", GgufFamilies.ARCHITECTURES) + ")");
    }
    String p = arch + ".";
    int dim = g.requiredInt(p + "embedding_length");
    int heads = g.requiredInt(p + "attention.head_count");
    int kvHeads = g.metadata().containsKey(p + "attention.head_count_kv")
        ? g.requiredInt(p + "attention.head_count_kv") : heads;
    if (arch.equals("gpt2") && dim % heads != 0) {
      throw new CheckpointFormatException(
          file, p + "embedding_length " + dim + " is not a multiple of " + p + "attention.head_count " + heads);
    }
    if (heads % kvHeads != 0) {
      throw new CheckpointFormatException(
          file, p + "attention.head_count " + heads + " is not a multiple of " + p
              + "attention.head_count_kv " + kvHeads);
    }
    GgufFile.TensorInfo emb = g.tensors().get("token_embd.weight");
    if (emb == null || emb.dims().length != 2) {
      throw new CheckpointFormatException(file, "tensor 'token_embd.weight' is missing or not a matrix");
    }
    if (emb.dims()[1] > Integer.MAX_VALUE) {
      throw new CheckpointFormatException(file, "tensor 'token_embd.weight' is too large");
    }
    int vocab = (int) emb.dims()[1];
    long declared = g.integer(p + "vocab_size", vocab);
    if (declared != vocab) {
      throw new CheckpointFormatException(
          file, p + "vocab_size " + declared + " contradicts token_embd.weight rows " + vocab);
    }
    ModelConfig.Builder b = ModelConfig.builder()
        .vocabSize(vocab)
        .dim(dim)
        .nLayers(g.requiredInt(p + "block_count"))
        .nHeads(heads)
        .nKvHeads(kvHeads)
        .ffnDim(g.requiredInt(p + "feed_forward_length"))
        .contextLength(g.requiredInt(p + "context_length"))
        .tiedEmbeddings(!g.tensors().containsKey("output.weight"));
    if (!arch.equals("gpt2")) {
      GgufFamilies.configure(g, arch, b, dim, heads);
    } else {
      b.positions(PositionEncoding.LEARNED)
          .norm(NormType.LAYER_NORM)
          .normEps((float) g.number(p + "attention.layer_norm_epsilon", 1e-5))
          .activation(Activation.GELU_TANH)
          .attentionBias(g.tensors().containsKey("blk.0.attn_qkv.bias"))
          .mlpBias(g.tensors().containsKey("blk.0.ffn_up.bias"));
    }
    long bos = g.integer("tokenizer.ggml.bos_token_id", -1);
    long eos = g.integer("tokenizer.ggml.eos_token_id", -1);
    b.bosTokenId(bos >= 0 && bos < vocab ? (int) bos : -1);
    b.eosTokenId(eos >= 0 && eos < vocab ? (int) eos : -1);
    b.stopTokenIds(GgufStopTokens.of(g, vocab));
    try {
      return b.build();
    } catch (IllegalArgumentException e) {
      throw new CheckpointFormatException(file, "inconsistent metadata: " + e.getMessage(), e);
    }
  }

  private static ModelWeights loadGpt2(Matrices in, ModelConfig c) throws IOException {
    int V = c.vocabSize();
    int C = c.dim();
    int H = c.ffnDim();
    int q = c.nHeads() * c.headDim();
    int kv = c.kvDim();
    Tensor emb = in.matrix("token_embd.weight", "tok_embeddings.weight", V, C);
    Tensor pos = in.load("position_embd.weight", c.contextLength(), C);
    LayerWeights[] layers = new LayerWeights[c.nLayers()];
    for (int i = 0; i < layers.length; i++) {
      String p = "blk." + i + ".";
      String n = "layers." + i + ".";
      // attn_qkv: (q + 2kv, C) -> wq (q, C), wk (kv, C), wv (kv, C); quantized rows split as blocks
      Tensor[] qkv = in.splitRows(p + "attn_qkv.weight", C, new int[] {q, kv, kv},
          n + "attn.wq.weight", n + "attn.wk.weight", n + "attn.wv.weight");
      Tensor bq = null;
      Tensor bk = null;
      Tensor bv = null;
      Tensor bo = null;
      if (c.attentionBias()) {
        Tensor b = in.load(p + "attn_qkv.bias", q + 2 * kv);
        bq = b.slice(0, q).copy();
        bk = b.slice(q, q + kv).copy();
        bv = b.slice(q + kv, q + 2 * kv).copy();
        bo = in.load(p + "attn_output.bias", C);
      }
      boolean mb = c.mlpBias();
      layers[i] = new LayerWeights(
          in.load(p + "attn_norm.weight", C), in.load(p + "attn_norm.bias", C),
          qkv[0], bq,
          qkv[1], bk,
          qkv[2], bv,
          in.matrix(p + "attn_output.weight", n + "attn.wo.weight", C, q), bo,
          in.load(p + "ffn_norm.weight", C), in.load(p + "ffn_norm.bias", C),
          in.matrix(p + "ffn_up.weight", n + "mlp.w1.weight", H, C), mb ? in.load(p + "ffn_up.bias", H) : null,
          null,
          in.matrix(p + "ffn_down.weight", n + "mlp.w2.weight", C, H), mb ? in.load(p + "ffn_down.bias", C) : null);
    }
    Tensor norm = in.load("output_norm.weight", C);
    Tensor normBias = in.load("output_norm.bias", C);
    Tensor head = c.tiedEmbeddings() ? null : in.matrix("output.weight", "lm_head.weight", V, C);
    return new ModelWeights(c, emb, pos, layers, norm, normBias, head, in.stored);
  }

  /**
   * A {@link TensorLoader} over a GGUF file that keeps block-quantized matrices as their blocks:
   * {@link #matrix} returns the F32 tensor of an F32/F16/BF16 matrix, or null after putting the
   * {@link QuantizedMatrix} under its canonical name into {@link #stored}.
   */
  static final class Matrices {
    final GgufFile file;
    final TensorLoader loader;
    final Map<String, WeightMatrix> stored = new LinkedHashMap<>();

    Matrices(GgufFile file) {
      this.file = file;
      this.loader = new TensorLoader(file);
    }

    Tensor load(String name, int... shape) throws IOException {
      return loader.load(name, shape);
    }

    Tensor loadOptional(String name, int... shape) throws IOException {
      return loader.loadOptional(name, shape);
    }

    Set<String> unused() {
      return loader.unused();
    }

    /** The (rows, cols) matrix {@code name}: F32, or null with its blocks stored as {@code canonical}. */
    Tensor matrix(String name, String canonical, int rows, int cols) throws IOException {
      loader.checkShape(name, rows, cols);
      if (file.quantType(name) == null) {
        return loader.load(name, rows, cols);
      }
      loader.markUsed(name);
      stored.put(canonical, file.readQuantized(name));
      return null;
    }

    /** Row blocks of a fused (sum(parts), cols) matrix, each F32 or stored under its canonical name. */
    Tensor[] splitRows(String name, int cols, int[] parts, String... canonical) throws IOException {
      int total = 0;
      for (int p : parts) {
        total += p;
      }
      loader.checkShape(name, total, cols);
      Tensor[] out = new Tensor[parts.length];
      if (file.quantType(name) == null) {
        Tensor all = loader.load(name, total, cols);
        for (int i = 0, r = 0; i < parts.length; r += parts[i++]) {
          out[i] = all.slice(r, r + parts[i]).copy();
        }
        return out;
      }
      loader.markUsed(name);
      QuantizedMatrix all = file.readQuantized(name);
      for (int i = 0, r = 0; i < parts.length; r += parts[i++]) {
        stored.put(canonical[i], all.rows(r, r + parts[i]));
      }
      return out;
    }
  }
}
