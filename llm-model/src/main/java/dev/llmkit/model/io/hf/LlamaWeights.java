package dev.llmkit.model.io.hf;

import dev.llmkit.model.config.ModelConfig;
import dev.llmkit.model.config.ModelConfig.Activation;
import dev.llmkit.model.config.ModelConfig.NormType;
import dev.llmkit.model.config.ModelConfig.PositionEncoding;
import dev.llmkit.model.io.CheckpointFormatException;
import dev.llmkit.model.io.TensorLoader;
import dev.llmkit.model.weights.LayerWeights;
import dev.llmkit.model.weights.ModelWeights;
import dev.llmkit.tensor.RopeStyle;
import dev.llmkit.tensor.Tensor;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Weight names of Hugging Face {@code LlamaForCausalLM}: {@code model.embed_tokens},
 * {@code model.layers.{i}.input_layernorm}, {@code .self_attn.{q,k,v,o}_proj} (biases when
 * attention_bias), {@code .post_attention_layernorm}, {@code .mlp.{gate,up,down}_proj} (gate = w1,
 * up = w3, down = w2), {@code model.norm}, {@code lm_head} (absent when tied). Matrices are nn.Linear
 * {@code [out, in]} like the canonical layout; q/k stay as stored (permuted for rotate-half RoPE, which
 * the config's {@code ropeStyle} ROTATE_HALF matches).
 *
 * <p>A model with Meta's adjacent-pair RoPE ({@link RopeStyle#ADJACENT_PAIRS}, e.g. from llama2.c or
 * GGUF) is saved as Hugging Face does in {@code convert_llama_weights_to_hf.py}: the rows of q and k
 * (and their biases) are permuted within each head so that rotating halves computes the same
 * function, and the config is written as plain rotate-half Llama. Such a folder therefore loads in
 * Hugging Face transformers, and reloads here with {@code ropeStyle} ROTATE_HALF and permuted q/k:
 * the same model, not the same bytes.
 *
 * <p>The canonical layout has no bias for SwiGLU's up projection: with mlp_bias, {@code up_proj.bias}
 * must be all zeros on load (else an error names it) and is written as zeros on save.
 */
public final class LlamaWeights {

  /** Name of a learned position table, for configs that have one ({@code llmkit_positions}). */
  static final String POSITIONS = "model.embed_positions.weight";

  private LlamaWeights() {}

  /**
   * Reads Llama weights; {@code rotary_emb.inv_freq} buffers of old checkpoints are ignored.
   *
   * @throws CheckpointFormatException if a tensor is missing or has the wrong shape for the config
   */
  public static ModelWeights load(TensorLoader in, ModelConfig c) throws IOException {
    if (c.activation() != Activation.SWIGLU || c.sandwichNorms()) {
      throw new IllegalArgumentException("Llama layout needs the gated feed-forward (SWIGLU)");
    }
    for (String n : in.source().names()) {
      if (n.endsWith("rotary_emb.inv_freq")) {
        in.markUsed(n);
      }
    }
    int V = c.vocabSize();
    int C = c.dim();
    int H = c.ffnDim();
    int q = c.nHeads() * c.headDim();
    int kv = c.kvDim();
    boolean ln = c.norm() == NormType.LAYER_NORM;
    boolean ab = c.attentionBias();
    boolean mb = c.mlpBias();
    Tensor emb = in.load("model.embed_tokens.weight", V, C);
    Tensor pos = c.positions() == PositionEncoding.LEARNED
        ? in.load(POSITIONS, c.contextLength(), C) : null;
    LayerWeights[] layers = new LayerWeights[c.nLayers()];
    for (int i = 0; i < layers.length; i++) {
      String p = "model.layers." + i + ".";
      if (mb) {
        Tensor upBias = in.load(p + "mlp.up_proj.bias", H);
        for (int j = 0; j < H; j++) {
          if (upBias.getFlat(j) != 0f) {
            throw new CheckpointFormatException(
                in.source().file(p + "mlp.up_proj.bias"), "tensor '" + p + "mlp.up_proj.bias'"
                    + " is non-zero at " + j + ": a bias on SwiGLU's up projection is not supported");
          }
        }
      }
      layers[i] = new LayerWeights(
          in.load(p + "input_layernorm.weight", C),
          ln ? in.load(p + "input_layernorm.bias", C) : null,
          in.load(p + "self_attn.q_proj.weight", q, C), ab ? in.load(p + "self_attn.q_proj.bias", q) : null,
          in.load(p + "self_attn.k_proj.weight", kv, C), ab ? in.load(p + "self_attn.k_proj.bias", kv) : null,
          in.load(p + "self_attn.v_proj.weight", kv, C), ab ? in.load(p + "self_attn.v_proj.bias", kv) : null,
          in.load(p + "self_attn.o_proj.weight", C, q), ab ? outputBias(in, p, C) : null,
          in.load(p + "post_attention_layernorm.weight", C),
          ln ? in.load(p + "post_attention_layernorm.bias", C) : null,
          in.load(p + "mlp.gate_proj.weight", H, C), mb ? in.load(p + "mlp.gate_proj.bias", H) : null,
          in.load(p + "mlp.up_proj.weight", H, C),
          in.load(p + "mlp.down_proj.weight", C, H), mb ? in.load(p + "mlp.down_proj.bias", C) : null);
    }
    Tensor norm = in.load("model.norm.weight", C);
    Tensor normBias = ln ? in.load("model.norm.bias", C) : null;
    Tensor head = null;
    if (!c.tiedEmbeddings()) {
      head = in.load("lm_head.weight", V, C);
    } else if (in.has("lm_head.weight")) {
      in.markUsed("lm_head.weight");
    }
    return new ModelWeights(c, emb, pos, layers, norm, normBias, head);
  }

  /** o_proj.bias; Qwen2 has biases on q/k/v only, so an absent one is zero. */
  private static Tensor outputBias(TensorLoader in, String p, int C) throws IOException {
    Tensor b = in.loadOptional(p + "self_attn.o_proj.bias", C);
    return b != null ? b : Tensor.zeros(C);
  }

  /** The weights under Llama names, ready to be written. */
  public static Map<String, Tensor> toHf(ModelWeights w) {
    ModelConfig c = w.config();
    Map<String, Tensor> m = new LinkedHashMap<>();
    m.put("model.embed_tokens.weight", w.tokenEmbedding());
    if (w.positionEmbedding() != null) {
      m.put(POSITIONS, w.positionEmbedding());
    }
    for (int i = 0; i < w.nLayers(); i++) {
      LayerWeights l = w.layer(i);
      String p = "model.layers." + i + ".";
      put(m, p + "input_layernorm.weight", l.attnNormWeight());
      put(m, p + "input_layernorm.bias", l.attnNormBias());
      int hd = c.headDim();
      put(m, p + "self_attn.q_proj.weight", toRotateHalf(c, l.wq(), c.nHeads(), hd));
      put(m, p + "self_attn.q_proj.bias", toRotateHalf(c, l.bq(), c.nHeads(), hd));
      put(m, p + "self_attn.k_proj.weight", toRotateHalf(c, l.wk(), c.nKvHeads(), hd));
      put(m, p + "self_attn.k_proj.bias", toRotateHalf(c, l.bk(), c.nKvHeads(), hd));
      put(m, p + "self_attn.v_proj.weight", l.wv());
      put(m, p + "self_attn.v_proj.bias", l.bv());
      put(m, p + "self_attn.o_proj.weight", l.wo());
      put(m, p + "self_attn.o_proj.bias", l.bo());
      put(m, p + "post_attention_layernorm.weight", l.mlpNormWeight());
      put(m, p + "post_attention_layernorm.bias", l.mlpNormBias());
      put(m, p + "mlp.gate_proj.weight", l.w1());
      put(m, p + "mlp.gate_proj.bias", l.b1());
      put(m, p + "mlp.up_proj.weight", l.w3());
      if (c.mlpBias()) {
        m.put(p + "mlp.up_proj.bias", Tensor.zeros(c.ffnDim()));
      }
      put(m, p + "mlp.down_proj.weight", l.w2());
      put(m, p + "mlp.down_proj.bias", l.b2());
    }
    m.put("model.norm.weight", w.finalNormWeight());
    put(m, "model.norm.bias", w.finalNormBias());
    if (!c.tiedEmbeddings()) {
      m.put("lm_head.weight", w.lmHead());
    }
    return m;
  }

  /** True when q/k are permuted on save (see the class comment). */
  static boolean permutesOnSave(ModelConfig c) {
    return c.positions() == PositionEncoding.ROTARY && c.ropeStyle() == RopeStyle.ADJACENT_PAIRS;
  }

  /**
   * Rows of a q or k projection (or bias) from adjacent-pair to rotate-half order, per head: HF row
   * {@code j*hd/2 + i} = Meta row {@code 2i + j}, as transformers' {@code permute()} does.
   *
   * <pre>// w: (heads*hd, C) or (heads*hd) -> out: same shape</pre>
   */
  static Tensor toRotateHalf(ModelConfig c, Tensor w, int heads, int hd) {
    if (w == null || !permutesOnSave(c)) {
      return w;
    }
    Tensor out = Tensor.zeros(w.shape());
    int width = w.length() / (heads * hd);
    int half = hd / 2;
    for (int h = 0; h < heads; h++) {
      for (int i = 0; i < half; i++) {
        for (int j = 0; j < 2; j++) {
          int src = h * hd + 2 * i + j;
          int dst = h * hd + j * half + i;
          out.buffer().put(dst * width, w.buffer(), src * width, width);
        }
      }
    }
    return out;
  }

  private static void put(Map<String, Tensor> m, String name, Tensor t) {
    if (t != null) {
      m.put(name, t);
    }
  }
}
