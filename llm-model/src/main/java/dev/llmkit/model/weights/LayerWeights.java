package dev.llmkit.model.weights;

import dev.llmkit.tensor.Tensor;

/**
 * The parameters of one transformer block, in the library's canonical layout: every matrix is stored
 * {@code [out, in]} as {@code nn.Linear} does (GPT-2's Conv1D {@code [in, out]} weights are transposed
 * when loaded). Absent parts are {@code null}: biases of a model without biases, the norm bias of
 * RMSNorm, {@code w3} of a non-gated feed-forward.
 *
 * <p>Shapes, with C = dim, H = ffnDim, hd = headDim:
 *
 * @param attnNormWeight (C) norm before attention (after it, in post-norm models)
 * @param attnNormBias (C) or null
 * @param wq (nHeads*hd, C) query projection
 * @param bq (nHeads*hd) or null
 * @param wk (nKvHeads*hd, C) key projection
 * @param bk (nKvHeads*hd) or null
 * @param wv (nKvHeads*hd, C) value projection
 * @param bv (nKvHeads*hd) or null
 * @param wo (C, nHeads*hd) attention output projection
 * @param bo (C) or null
 * @param mlpNormWeight (C) norm before the feed-forward network
 * @param mlpNormBias (C) or null
 * @param w1 (H, C) first feed-forward matrix (GPT-2 c_fc, Llama gate_proj)
 * @param b1 (H) or null
 * @param w3 (H, C) SwiGLU's up projection (Llama up_proj), or null
 * @param w2 (C, H) second feed-forward matrix (GPT-2 c_proj, Llama down_proj)
 * @param b2 (C) or null
 * @param postAttnNormWeight (C) norm of the attention output before the residual add (Gemma 2's
 *     {@code post_attention_layernorm}), or null when the config has no sandwich norms
 * @param postFfnNormWeight (C) norm of the feed-forward output before the residual add (Gemma 2's
 *     {@code post_feedforward_layernorm}), or null
 */
public record LayerWeights(
    Tensor attnNormWeight,
    Tensor attnNormBias,
    Tensor wq,
    Tensor bq,
    Tensor wk,
    Tensor bk,
    Tensor wv,
    Tensor bv,
    Tensor wo,
    Tensor bo,
    Tensor mlpNormWeight,
    Tensor mlpNormBias,
    Tensor w1,
    Tensor b1,
    Tensor w3,
    Tensor w2,
    Tensor b2,
    Tensor postAttnNormWeight,
    Tensor postFfnNormWeight) {

  /** A layer without sandwich norms (every family but Gemma 2). */
  public LayerWeights(Tensor attnNormWeight, Tensor attnNormBias, Tensor wq, Tensor bq, Tensor wk,
      Tensor bk, Tensor wv, Tensor bv, Tensor wo, Tensor bo, Tensor mlpNormWeight, Tensor mlpNormBias,
      Tensor w1, Tensor b1, Tensor w3, Tensor w2, Tensor b2) {
    this(attnNormWeight, attnNormBias, wq, bq, wk, bk, wv, bv, wo, bo, mlpNormWeight, mlpNormBias, w1,
        b1, w3, w2, b2, null, null);
  }
}
