package dev.llmkit.sampling.processors;

import dev.llmkit.sampling.LogitsProcessor;
import dev.llmkit.sampling.SamplingContext;
import dev.llmkit.sampling.TopSelection;

/**
 * Top-k: keeps the k largest logits and removes the rest (as Hugging Face's
 * {@code TopKLogitsWarper}: every token whose logit equals the k-th largest is kept too, so the
 * result never depends on token order). k = 0 disables it; k larger than the vocabulary keeps
 * everything.
 *
 * <p>Cost: one pass with a heap of k entries (partial selection, no sort), one masking pass.
 */
public final class TopK implements LogitsProcessor {

  private final int k;

  /**
   * Creates the processor.
   *
   * @param k how many tokens to keep, {@code >= 0} (0 disables it)
   * @throws IllegalArgumentException if {@code k < 0}
   */
  public TopK(int k) {
    this.k = Validation.topK(k);
  }

  /** k. */
  public int k() {
    return k;
  }

  @Override
  public void process(float[] logits, SamplingContext context) {
    // logits: (V) -> logits with all but the k largest at -Infinity
    int vocab = logits.length;
    if (k == 0 || k >= vocab) {
      return;
    }
    int[] heap = context.intScratch(k);
    int found = TopSelection.top(logits, vocab, k, Float.NEGATIVE_INFINITY, heap, null);
    if (found < k) {
      return; // fewer than k possible tokens: nothing to remove
    }
    float kth = logits[heap[k - 1]];
    for (int i = 0; i < vocab; i++) {
      if (logits[i] < kth) {
        logits[i] = Float.NEGATIVE_INFINITY;
      }
    }
  }

  @Override
  public String toString() {
    return "top-k(" + k + ")";
  }
}
