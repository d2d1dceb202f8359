package dev.llmkit.model.io.hf;

import dev.llmkit.model.config.ModelConfig;
import dev.llmkit.model.io.TensorLoader;
import dev.llmkit.model.weights.LayerWeights;
import dev.llmkit.model.weights.ModelWeights;
import dev.llmkit.tensor.Tensor;
import java.io.IOException;

/**
 * Weight names of the Llama-shaped families whose tensors differ from {@code LlamaForCausalLM}'s
 * (read only; see {@link LlamaWeights} for Llama, Mistral and Qwen2):
 *
 * <ul>
 *   <li>Gemma ({@code GemmaForCausalLM}): Llama's names; its RMSNorm multiplies by {@code 1 + w},
 *       so every norm weight is loaded as {@code 1 + w} (as llama.cpp's converter stores it);
 *       the output is always tied.
 *   <li>Gemma 2 ({@code Gemma2ForCausalLM}): Gemma plus, per layer, {@code post_attention_layernorm}
 *       (the sandwich norm of the attention output), {@code pre_feedforward_layernorm} (the
 *       feed-forward's input norm) and {@code post_feedforward_layernorm}.
 *   <li>Phi-3 ({@code Phi3ForCausalLM}): {@code self_attn.qkv_proj} holds q, k, v stacked as rows
 *       and {@code mlp.gate_up_proj} the gate and up projections; both are split on load.
 * </ul>
 */
final class FamilyWeights {

  private FamilyWeights() {}

  /** Reads the weights of {@code family} (GEMMA, GEMMA2 or PHI3). */
  static ModelWeights load(TensorLoader in, ModelConfig c, HfFamily family) throws IOException {
    for (String n : in.source().names()) {
      if (n.endsWith("rotary_emb.inv_freq")) {
        in.markUsed(n);
      }
    }
    boolean gemma = family == HfFamily.GEMMA || family == HfFamily.GEMMA2;
    boolean gemma2 = family == HfFamily.GEMMA2;
    boolean phi3 = family == HfFamily.PHI3;
    int V = c.vocabSize();
    int C = c.dim();
    int H = c.ffnDim();
    int q = c.nHeads() * c.headDim();
    int kv = c.kvDim();
    Tensor emb = in.load("model.embed_tokens.weight", V, C);
    LayerWeights[] layers = new LayerWeights[c.nLayers()];
    for (int i = 0; i < layers.length; i++) {
      String p = "model.layers." + i + ".";
      // Phi-3 fuses qkv_proj: (q + 2kv, C) and gate_up_proj: (2H, C), gate then up
      String a = p + "self_attn.";
      Tensor[] qkv = in.loadParts(phi3 ? a + "qkv_proj.weight" : null,
          new String[] {a + "q_proj.weight", a + "k_proj.weight", a + "v_proj.weight"}, C, q, kv, kv);
      Tensor[] gateUp = in.loadParts(phi3 ? p + "mlp.gate_up_proj.weight" : null,
          new String[] {p + "mlp.gate_proj.weight", p + "mlp.up_proj.weight"}, C, H, H);
      Tensor attnNorm = norm(in, p + "input_layernorm.weight", C, gemma);
      Tensor mlpNorm = norm(in, p + (gemma2 ? "pre_feedforward_layernorm.weight"
          : "post_attention_layernorm.weight"), C, gemma);
      Tensor postAttn = gemma2 ? norm(in, p + "post_attention_layernorm.weight", C, true) : null;
      Tensor postFfn = gemma2 ? norm(in, p + "post_feedforward_layernorm.weight", C, true) : null;
      layers[i] = new LayerWeights(attnNorm, null, qkv[0], null, qkv[1], null, qkv[2], null,
          in.load(p + "self_attn.o_proj.weight", C, q), null, mlpNorm, null, gateUp[0], null, gateUp[1],
          in.load(p + "mlp.down_proj.weight", C, H), null, postAttn, postFfn);
    }
    Tensor norm = norm(in, "model.norm.weight", C, gemma);
    Tensor head = null;
    if (!c.tiedEmbeddings()) {
      head = in.load("lm_head.weight", V, C);
    } else if (in.has("lm_head.weight")) {
      in.markUsed("lm_head.weight");
    }
    return new ModelWeights(c, emb, null, layers, norm, null, head);
  }

  /** A norm weight; Gemma's {@code (1 + w)} applied when {@code plusOne}. */
  private static Tensor norm(TensorLoader in, String name, int C, boolean plusOne) throws IOException {
    Tensor w = in.load(name, C);
    if (plusOne) {
      addOne(w);
    }
    return w;
  }

  /** In place: w -> 1 + w, in float32 as transformers' {@code 1.0 + self.weight.float()}. */
  static void addOne(Tensor w) {
    for (int j = 0; j < w.length(); j++) {
      w.setFlat(j, 1f + w.getFlat(j));
    }
  }
}
