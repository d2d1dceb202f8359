package dev.llmkit.model.io.hf;

import dev.llmkit.model.config.ModelConfig;
import dev.llmkit.model.config.ModelConfig.Activation;
import dev.llmkit.model.config.ModelConfig.NormType;
import dev.llmkit.model.config.ModelConfig.PositionEncoding;
import dev.llmkit.model.io.CheckpointFormatException;
import dev.llmkit.model.io.TensorLoader;
import dev.llmkit.model.weights.LayerWeights;
import dev.llmkit.model.weights.ModelWeights;
import dev.llmkit.tensor.Tensor;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Weight names and layout of Hugging Face {@code GPT2LMHeadModel}: {@code transformer.wte},
 * {@code transformer.wpe}, {@code transformer.h.{i}.ln_1}, {@code .attn.c_attn} (q, k and v fused),
 * {@code .attn.c_proj}, {@code .ln_2}, {@code .mlp.c_fc}, {@code .mlp.c_proj}, {@code transformer.ln_f},
 * optional {@code lm_head}. Every matrix is a Conv1D stored {@code [in, out]}: loading splits c_attn
 * and transposes to the canonical {@code [out, in]}; saving re-fuses and transposes back.
 */
public final class Gpt2Weights {

  private Gpt2Weights() {}

  /**
   * Reads GPT-2 weights, with or without the {@code transformer.} prefix; the old
   * {@code .attn.bias}/{@code .attn.masked_bias} buffers are ignored.
   *
   * @throws CheckpointFormatException if a tensor is missing or has the wrong shape for the config
   */
  public static ModelWeights load(TensorLoader in, ModelConfig c) throws IOException {
    if (c.activation() == Activation.SWIGLU) {
      throw new IllegalArgumentException("GPT-2 layout has no gated feed-forward (SWIGLU)");
    }
    for (String n : in.source().names()) {
      if (n.endsWith(".attn.bias") || n.endsWith(".attn.masked_bias")) {
        in.markUsed(n);
      }
    }
    String p = in.has("transformer.wte.weight") || !in.has("wte.weight") ? "transformer." : "";
    int V = c.vocabSize();
    int C = c.dim();
    int H = c.ffnDim();
    int q = c.nHeads() * c.headDim();
    int kv = c.kvDim();
    boolean ln = c.norm() == NormType.LAYER_NORM;
    Tensor wte = in.load(p + "wte.weight", V, C);
    Tensor wpe = c.positions() == PositionEncoding.LEARNED
        ? in.load(p + "wpe.weight", c.contextLength(), C) : null;
    LayerWeights[] layers = new LayerWeights[c.nLayers()];
    for (int i = 0; i < layers.length; i++) {
      String h = p + "h." + i + ".";
      // c_attn: (C, q + 2kv) Conv1D -> wq (q, C), wk (kv, C), wv (kv, C)
      Tensor cAttn = in.load(h + "attn.c_attn.weight", C, q + 2 * kv);
      Tensor bq = null;
      Tensor bk = null;
      Tensor bv = null;
      Tensor bo = null;
      if (c.attentionBias()) {
        Tensor b = in.load(h + "attn.c_attn.bias", q + 2 * kv);
        bq = Matrices.range(b, 0, q);
        bk = Matrices.range(b, q, q + kv);
        bv = Matrices.range(b, q + kv, q + 2 * kv);
        bo = in.load(h + "attn.c_proj.bias", C);
      }
      Tensor b1 = c.mlpBias() ? in.load(h + "mlp.c_fc.bias", H) : null;
      Tensor b2 = c.mlpBias() ? in.load(h + "mlp.c_proj.bias", C) : null;
      layers[i] = new LayerWeights(
          in.load(h + "ln_1.weight", C), ln ? in.load(h + "ln_1.bias", C) : null,
          Matrices.transposeColumns(cAttn, 0, q), bq,
          Matrices.transposeColumns(cAttn, q, q + kv), bk,
          Matrices.transposeColumns(cAttn, q + kv, q + 2 * kv), bv,
          Matrices.transpose(in.load(h + "attn.c_proj.weight", q, C)), bo,   // (q, C) -> (C, q)
          in.load(h + "ln_2.weight", C), ln ? in.load(h + "ln_2.bias", C) : null,
          Matrices.transpose(in.load(h + "mlp.c_fc.weight", C, H)), b1,      // (C, H) -> (H, C)
          null,
          Matrices.transpose(in.load(h + "mlp.c_proj.weight", H, C)), b2);   // (H, C) -> (C, H)
    }
    Tensor lnf = in.load(p + "ln_f.weight", C);
    Tensor lnfBias = ln ? in.load(p + "ln_f.bias", C) : null;
    Tensor head = null;
    if (!c.tiedEmbeddings()) {
      head = in.load("lm_head.weight", V, C);
    } else if (in.has("lm_head.weight")) {
      in.markUsed("lm_head.weight"); // a tied copy some checkpoints store
    }
    return new ModelWeights(c, wte, wpe, layers, lnf, lnfBias, head);
  }

  /** The weights under GPT-2 names and in Conv1D layout, ready to be written. */
  public static Map<String, Tensor> toHf(ModelWeights w) {
    ModelConfig c = w.config();
    Map<String, Tensor> m = new LinkedHashMap<>();
    m.put("transformer.wte.weight", w.tokenEmbedding());
    if (w.positionEmbedding() != null) {
      m.put("transformer.wpe.weight", w.positionEmbedding());
    }
    for (int i = 0; i < w.nLayers(); i++) {
      LayerWeights l = w.layer(i);
      String h = "transformer.h." + i + ".";
      put(m, h + "ln_1.weight", l.attnNormWeight());
      put(m, h + "ln_1.bias", l.attnNormBias());
      // wq (q, C), wk (kv, C), wv (kv, C) -> c_attn (C, q + 2kv)
      m.put(h + "attn.c_attn.weight", Matrices.concatRowsTransposed(l.wq(), l.wk(), l.wv()));
      if (c.attentionBias()) {
        m.put(h + "attn.c_attn.bias", Matrices.concat(l.bq(), l.bk(), l.bv()));
      }
      m.put(h + "attn.c_proj.weight", Matrices.transpose(l.wo()));
      put(m, h + "attn.c_proj.bias", l.bo());
      put(m, h + "ln_2.weight", l.mlpNormWeight());
      put(m, h + "ln_2.bias", l.mlpNormBias());
      m.put(h + "mlp.c_fc.weight", Matrices.transpose(l.w1()));
      put(m, h + "mlp.c_fc.bias", l.b1());
      m.put(h + "mlp.c_proj.weight", Matrices.transpose(l.w2()));
      put(m, h + "mlp.c_proj.bias", l.b2());
    }
    m.put("transformer.ln_f.weight", w.finalNormWeight());
    put(m, "transformer.ln_f.bias", w.finalNormBias());
    if (!c.tiedEmbeddings()) {
      m.put("lm_head.weight", w.lmHead());
    }
    return m;
  }

  private static void put(Map<String, Tensor> m, String name, Tensor t) {
    if (t != null) {
      m.put(name, t);
    }
  }
}
