package dev.llmkit.model.io.gguf;

import dev.llmkit.model.config.ModelConfig;
import dev.llmkit.model.config.ModelConfig.Activation;
import dev.llmkit.model.config.ModelConfig.NormType;
import dev.llmkit.model.config.ModelConfig.PositionEncoding;
import dev.llmkit.model.config.RopeScaling;
import dev.llmkit.model.io.CheckpointFormatException;
import dev.llmkit.model.io.TensorLoader;
import dev.llmkit.model.weights.LayerWeights;
import dev.llmkit.model.weights.ModelWeights;
import dev.llmkit.tensor.RopeStyle;
import dev.llmkit.tensor.Tensor;
import java.io.IOException;
import java.util.List;

/**
 * The rotary families of GGUF files as llama.cpp's {@code convert_hf_to_gguf.py} writes them, and as
 * llama.cpp runs them (metadata keys {@code <arch>.*}, tensors {@code blk.N.*}):
 *
 * <ul>
 *   <li>{@code llama} (Llama 1-3, Mistral, SmolLM2, TinyLlama): q/k rows permuted to Meta's
 *       adjacent pairs ({@link RopeStyle#ADJACENT_PAIRS}); Llama 3.1's {@code rope_freqs} tensor
 *       (per-pair divisors of the frequencies). llama.cpp's llama has no sliding window, so a
 *       Mistral converted to it attends to the whole context.
 *   <li>{@code qwen2}: rotate-half (NEOX) RoPE, {@code attn_q/k/v.bias}, no {@code attn_output.bias}.
 *   <li>{@code gemma}, {@code gemma2}: rotate-half, GeGLU, embeddings × √C, head width
 *       {@code attention.key_length}, norm weights stored as {@code 1 + w}; Gemma 2 adds
 *       {@code post_attention_norm}, {@code post_ffw_norm}, {@code attn_logit_softcapping},
 *       {@code final_logit_softcapping} and {@code attention.sliding_window} on even layers. The
 *       attention scale is llama.cpp's: 1/√key_length (1/√(C/heads) for the 46-layer 27B), not
 *       {@code query_pre_attn_scalar}, which GGUF does not carry.
 *   <li>{@code phi3}: rotate-half, fused {@code attn_qkv} and {@code ffn_up} (gate then up, 2H
 *       rows), {@code attention.sliding_window} on every layer; longrope ({@code rope_factors_long})
 *       is not supported.
 * </ul>
 *
 * <p>{@code rope.scaling.type} {@code linear} and {@code yarn} are read; any other throws naming it.
 */
final class GgufFamilies {

  /** The rotary architectures read here. */
  static final List<String> ARCHITECTURES = List.of("llama", "qwen2", "gemma", "gemma2", "phi3");

  private GgufFamilies() {}

  /** Sets the rotary family's fields of {@code b} from the metadata of {@code g}. */
  static void configure(GgufFile g, String arch, ModelConfig.Builder b, int dim, int heads)
      throws CheckpointFormatException {
    String p = arch + ".";
    boolean gemma = arch.startsWith("gemma");
    int headDim = g.metadata().containsKey(p + "attention.key_length")
        ? g.requiredInt(p + "attention.key_length") : 0;
    if (headDim == 0) {
      if (dim % heads != 0) {
        throw new CheckpointFormatException(g.path(), p + "embedding_length " + dim
            + " is not a multiple of " + p + "attention.head_count " + heads);
      }
      headDim = dim / heads;
    }
    long rotDims = g.integer(p + "rope.dimension_count", headDim);
    if (rotDims != headDim) {
      throw new CheckpointFormatException(g.path(), p + "rope.dimension_count " + rotDims
          + " differs from the head size " + headDim + " (partial rotary is not supported)");
    }
    int context = g.requiredInt(p + "context_length");
    b.explicitHeadDim(headDim * heads == dim ? 0 : headDim)
        .positions(PositionEncoding.ROTARY)
        .ropeStyle(arch.equals("llama") ? RopeStyle.ADJACENT_PAIRS : RopeStyle.ROTATE_HALF)
        .ropeTheta(g.number(p + "rope.freq_base", 10000.0))
        .ropeScaling(ropeScaling(g, p, headDim, context))
        .norm(NormType.RMS_NORM)
        .normEps((float) g.number(p + "attention.layer_norm_rms_epsilon", 1e-5))
        .activation(gemma ? Activation.GEGLU_TANH : Activation.SWIGLU)
        .attentionBias(g.tensors().containsKey("blk.0.attn_q.bias"))
        .mlpBias(false);
    if (arch.equals("gemma2") || arch.equals("phi3")) {
      long window = g.integer(p + "attention.sliding_window", 0);
      if (window > 0 && window < context) {
        b.slidingWindow((int) window).slidingWindowPeriod(arch.equals("gemma2") ? 2 : 1);
      }
    }
    if (gemma) {
      b.embeddingScale((float) Math.sqrt(dim)).tiedEmbeddings(true);
    }
    if (arch.equals("gemma2")) {
      b.attentionSoftcap((float) g.number(p + "attn_logit_softcapping", 50.0))
          .finalLogitSoftcap((float) g.number(p + "final_logit_softcapping", 30.0))
          .sandwichNorms(true);
      if (g.requiredInt(p + "block_count") == 46) {
        b.attentionScale((float) (1.0 / Math.sqrt((double) dim / heads)));
      }
    }
  }

  private static RopeScaling ropeScaling(GgufFile g, String p, int headDim, int context)
      throws CheckpointFormatException {
    if (g.tensors().containsKey("rope_factors_long.weight")) {
      throw new CheckpointFormatException(g.path(),
          "rope scaling 'longrope' (rope_factors_long/short, Phi-3 128k) is not supported");
    }
    String type = g.string(p + "rope.scaling.type");
    RopeScaling scaling;
    try {
      if (type == null || type.equals("none")) {
        scaling = RopeScaling.NONE;
      } else if (type.equals("linear")) {
        scaling = RopeScaling.linear(g.number(p + "rope.scaling.factor", 1.0));
      } else if (type.equals("yarn")) {
        scaling = RopeScaling.yarn(g.number(p + "rope.scaling.factor", 1.0),
            (int) g.integer(p + "rope.scaling.original_context_length", context),
            g.number(p + "rope.scaling.yarn_beta_fast", 32), g.number(p + "rope.scaling.yarn_beta_slow", 1),
            g.number(p + "rope.scaling.attn_factor", 0));
      } else {
        throw new CheckpointFormatException(g.path(), p + "rope.scaling.type '" + type
            + "' is not supported (expected none, linear or yarn; Llama 3's scaling comes as the "
            + "rope_freqs tensor)");
      }
    } catch (IllegalArgumentException e) {
      throw new CheckpointFormatException(g.path(), e.getMessage(), e);
    }
    GgufFile.TensorInfo freqs = g.tensors().get("rope_freqs.weight");
    if (freqs == null) {
      return scaling;
    }
    if (scaling.type() != RopeScaling.Type.NONE) {
      throw new CheckpointFormatException(g.path(), "both rope_freqs and " + p + "rope.scaling.type '"
          + type + "': expected one");
    }
    if (freqs.elements() != headDim / 2) {
      throw new CheckpointFormatException(g.path(), "tensor 'rope_freqs.weight' has " + freqs.elements()
          + " factors, expected head size / 2 = " + headDim / 2);
    }
    Tensor f = Tensor.zeros(headDim / 2);
    try {
      g.read("rope_freqs.weight", f);
    } catch (IOException e) {
      throw new CheckpointFormatException(g.path(), "tensor 'rope_freqs.weight' unreadable: " + e.getMessage(), e);
    }
    return RopeScaling.freqFactors(f.toArray());
  }

  /**
   * Loads the weights of a rotary architecture: every matrix the file stores quantized stays as its
   * blocks (under its canonical name in {@code in.stored}), the others are read as F32.
   */
  static ModelWeights load(GgufCheckpoint.Matrices in, ModelConfig c, String arch)
      throws IOException {
    if (in.loader.has("rope_freqs.weight")) {
      in.loader.markUsed("rope_freqs.weight"); // read with the config
    }
    boolean phi3 = arch.equals("phi3");
    int V = c.vocabSize();
    int C = c.dim();
    int H = c.ffnDim();
    int q = c.nHeads() * c.headDim();
    int kv = c.kvDim();
    boolean ab = c.attentionBias();
    boolean sandwich = c.sandwichNorms();
    Tensor emb = in.matrix("token_embd.weight", "tok_embeddings.weight", V, C);
    LayerWeights[] layers = new LayerWeights[c.nLayers()];
    for (int i = 0; i < layers.length; i++) {
      String p = "blk." + i + ".";
      String n = "layers." + i + ".";
      Tensor[] qkv;
      Tensor[] gateUp;
      if (phi3) {
        // phi3 fuses attn_qkv: (q + 2kv, C) and ffn_up: (2H, C), gate then up
        qkv = in.splitRows(p + "attn_qkv.weight", C, new int[] {q, kv, kv},
            n + "attn.wq.weight", n + "attn.wk.weight", n + "attn.wv.weight");
        gateUp = in.splitRows(p + "ffn_up.weight", C, new int[] {H, H},
            n + "mlp.w1.weight", n + "mlp.w3.weight");
      } else {
        qkv = new Tensor[] {
            in.matrix(p + "attn_q.weight", n + "attn.wq.weight", q, C),
            in.matrix(p + "attn_k.weight", n + "attn.wk.weight", kv, C),
            in.matrix(p + "attn_v.weight", n + "attn.wv.weight", kv, C)};
        gateUp = new Tensor[] {
            in.matrix(p + "ffn_gate.weight", n + "mlp.w1.weight", H, C),
            in.matrix(p + "ffn_up.weight", n + "mlp.w3.weight", H, C)};
      }
      layers[i] = new LayerWeights(
          in.load(p + "attn_norm.weight", C), null,
          qkv[0], ab ? in.load(p + "attn_q.bias", q) : null,
          qkv[1], ab ? in.load(p + "attn_k.bias", kv) : null,
          qkv[2], ab ? in.load(p + "attn_v.bias", kv) : null,
          in.matrix(p + "attn_output.weight", n + "attn.wo.weight", C, q),
          ab ? outputBias(in.loader, p, C) : null,
          in.load(p + "ffn_norm.weight", C), null,
          gateUp[0], null, gateUp[1],
          in.matrix(p + "ffn_down.weight", n + "mlp.w2.weight", C, H), null,
          sandwich ? in.load(p + "post_attention_norm.weight", C) : null,
          sandwich ? in.load(p + "post_ffw_norm.weight", C) : null);
    }
    Tensor norm = in.load("output_norm.weight", C);
    Tensor head = null;
    if (!c.tiedEmbeddings()) {
      head = in.matrix("output.weight", "lm_head.weight", V, C);
    } else if (in.loader.has("output.weight")) {
      in.loader.markUsed("output.weight");
    }
    return new ModelWeights(c, emb, null, layers, norm, null, head, in.stored);
  }

  /** attn_output.bias is optional when q/k/v have biases (Qwen2): zero if absent. */
  private static Tensor outputBias(TensorLoader in, String p, int C) throws IOException {
    Tensor b = in.loadOptional(p + "attn_output.bias", C);
    return b != null ? b : Tensor.zeros(C);
  }
}
