package dev.llmkit.model.transformer;

import dev.llmkit.model.config.ModelConfig;
import dev.llmkit.model.config.ModelConfig.PositionEncoding;
import dev.llmkit.tensor.Attention;
import dev.llmkit.tensor.AttentionMask;
import dev.llmkit.tensor.DecodeAttention;
import dev.llmkit.tensor.Rope;
import dev.llmkit.tensor.RopeTable;
import dev.llmkit.tensor.Simd;
import dev.llmkit.tensor.Tensor;

/**
 * Masked multi-head self-attention with grouped-query attention and a KV cache: the q/k/v
 * projections, rotary embeddings when the model uses them, the causal scaled dot-product attention
 * over every cached position, and the output projection.
 */
final class SelfAttention {

  /**
   * Chunks (T > 1) use the general attention kernel when its Vector API path is on (measured faster
   * than the sgemm composition once warm: ~16 vs ~22 ms per layer at T = 512), else
   * {@link PrefillAttention} (~20 ms against ~80-110 ms for the kernel's scalar fallback).
   */
  static final boolean GENERAL_KERNEL = Simd.enabled();

  private SelfAttention() {}

  /**
   * Attends the chunk's rows (absolute positions pos..pos+T-1) to cached positions 0..pos+T-1,
   * writing this chunk's keys and values into the cache first. One row without attention maps
   * takes the decode path ({@link DecodeAttention}, reading the cache in place); otherwise the
   * general kernel or {@link PrefillAttention} (see {@link #GENERAL_KERNEL}) runs, on the chunk's own
   * k and v when the session was empty, else on a copy of the cache.
   *
   * <p>in: (T, C) -> ws.proj: (T, C); uses ws.q (T, qDim), ws.k/ws.v (T, kvDim), ws.att (T, qDim).
   *
   * @param probs (nHeads, T, pos+T) to receive the attention weights, or null
   */
  static void forward(
      ModelConfig c, LayerLinears w, RopeTable rope, KvCache cache, AttentionScratch scratch,
      int layer, Workspace ws, Tensor in, int pos, Tensor probs) {
    int T = ws.rows;
    // in: (T, C) -> q: (T, nHeads*hd), k, v: (T, nKvHeads*hd)
    w.wq().forward(in, ws.q);
    w.wk().forward(in, ws.k);
    w.wv().forward(in, ws.v);
    if (c.positions() == PositionEncoding.ROTARY) {
      Rope.apply(ws.q, c.nHeads(), pos, rope, c.ropeStyle());
      Rope.apply(ws.k, c.nKvHeads(), pos, rope, c.ropeStyle());
    }
    cache.write(layer, pos, ws.k, ws.v, T);
    if (T == 1 && probs == null) {
      // decode: q: (1, qDim) over the cache in place -> att: (1, qDim)
      scratch.decode.forward(
          ws.q, cache.keysT(layer), cache.values(layer), cache.capacity(), pos + 1, ws.att);
    } else {
      // q: (T, qDim), k, v: (pos+T, kvDim) -> att: (T, qDim)
      Tensor k = ws.k;
      Tensor v = ws.v;
      if (pos > 0) {
        k = scratch.keys(pos + T);
        v = scratch.values(pos + T);
        cache.copyTo(layer, pos + T, k, v);
      }
      if (GENERAL_KERNEL) {
        Attention.forward(
            ws.q, k, v, c.nHeads(), c.nKvHeads(), AttentionMask.CAUSAL, pos + T, pos, ws.att, probs);
      } else {
        scratch.prefill.forward(ws.q, k, v, pos + T, pos, ws.att, probs);
      }
    }
    // att: (T, qDim) -> proj: (T, C)
    w.wo().forward(ws.att, ws.proj);
  }
}
