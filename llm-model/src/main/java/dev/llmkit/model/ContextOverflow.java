package dev.llmkit.model;

import dev.llmkit.model.config.ModelConfig;
import dev.llmkit.model.config.ModelConfig.PositionEncoding;

/**
 * What a session does when a chunk would take it past the model's context length. SLIDE and
 * SHIFT both keep the first {@link SessionOptions#keepFirst()} tokens (a system prompt, say) and
 * the most recent ones, and forget those between; they differ in what they do with the kept
 * tokens' KV cache.
 */
public enum ContextOverflow {
  /** Refuse: the session throws, a generation stops with {@code CONTEXT_FULL}. */
  STOP,
  /**
   * Forget the oldest tokens and recompute the KV cache of the kept ones from position 0 (what
   * nanoGPT's sampler does by cropping): exact (the logits are those of a fresh session over the
   * kept tokens) and the only choice for added (learned or sinusoidal) positions, at the cost of a
   * prefill over the kept tokens.
   */
  SLIDE,
  /**
   * llama.cpp's context shift for rotary models: keep the first n tokens, drop the oldest half of
   * the rest, move the remaining cache rows down and re-rotate their keys by the position delta
   * (no recompute). The kept rows keep what attention gave them while the dropped tokens were in
   * context, so after the first layer the result differs from a fresh forward over the kept
   * tokens. Needs rotary positions.
   */
  SHIFT;

  /** The choice that keeps going: SHIFT for rotary positions, SLIDE otherwise. */
  public static ContextOverflow continuing(ModelConfig config) {
    return config.positions() == PositionEncoding.ROTARY ? SHIFT : SLIDE;
  }
}
