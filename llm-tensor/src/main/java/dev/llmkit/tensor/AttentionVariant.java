package dev.llmkit.tensor;

/**
 * The ways attention scores depart from {@code q·kᵀ/√hd} over every key the mask allows, as some
 * model families ask: a different score scale (Gemma 2's {@code query_pre_attn_scalar^-1/2}), a
 * soft cap on the scores ({@code cap·tanh(s/cap)}, Gemma 2's {@code attn_logit_softcapping}), and a
 * sliding window (a query at position p sees keys p-window+1..p; Mistral, Gemma 2, Phi-3). Immutable.
 *
 * @param scale score scale; 0 means {@code 1/√headDim}
 * @param softcap soft cap of the scaled scores; 0 means none
 * @param window the most recent keys a query sees (itself included); 0 means all
 */
public record AttentionVariant(float scale, float softcap, int window) {

  /** Plain scaled dot-product attention. */
  public static final AttentionVariant STANDARD = new AttentionVariant(0f, 0f, 0);

  /** Validates: scale and softcap ≥ 0 and finite, window ≥ 0. */
  public AttentionVariant {
    if (!(scale >= 0f) || Float.isInfinite(scale)) {
      throw new IllegalArgumentException("AttentionVariant: scale must be >= 0 and finite, got " + scale);
    }
    if (!(softcap >= 0f) || Float.isInfinite(softcap)) {
      throw new IllegalArgumentException(
          "AttentionVariant: softcap must be >= 0 and finite, got " + softcap);
    }
    if (window < 0) {
      throw new IllegalArgumentException("AttentionVariant: window must be >= 0, got " + window);
    }
  }

  /** True for plain attention (the fast kernels apply). */
  public boolean isStandard() {
    return scale == 0f && softcap == 0f && window == 0;
  }

  /** The score scale for heads of {@code headDim}. */
  public float scaleFor(int headDim) {
    return scale != 0f ? scale : (float) (1.0 / Math.sqrt(headDim));
  }

  /** True when a query at {@code queryPos} may see key {@code keyPos} under the mask and the window. */
  public boolean allows(AttentionMask mask, int queryPos, int keyPos) {
    return mask.allows(queryPos, keyPos) && (window == 0 || queryPos - keyPos < window);
  }
}
