package dev.llmkit.sampling.processors;

import dev.llmkit.sampling.LogitsProcessor;
import dev.llmkit.sampling.SamplingContext;

/**
 * Frequency and presence penalties with OpenAI's semantics: a token that occurred c &gt; 0 times in
 * the history has its logit lowered by {@code c * frequencyPenalty + presencePenalty}. Positive
 * values discourage repetition, negative ones encourage it, 0 disables each.
 *
 * <p>The history is the context's tokens (prompt and generated), or only its last {@code window}
 * tokens when a window is set (llama.cpp's {@code repeat_last_n}).
 */
public final class FrequencyPresencePenalty implements LogitsProcessor {

  private final float frequencyPenalty;
  private final float presencePenalty;
  private final int window;

  /**
   * Penalties over the whole history.
   *
   * @param frequencyPenalty subtracted once per occurrence, finite
   * @param presencePenalty subtracted once if the token occurred at all, finite
   * @throws IllegalArgumentException if a penalty is not finite
   */
  public FrequencyPresencePenalty(float frequencyPenalty, float presencePenalty) {
    this(frequencyPenalty, presencePenalty, 0);
  }

  /**
   * Penalties over the last {@code window} tokens of the history.
   *
   * @param frequencyPenalty subtracted once per occurrence, finite
   * @param presencePenalty subtracted once if the token occurred at all, finite
   * @param window how many of the latest tokens count, {@code >= 0} (0: the whole history)
   * @throws IllegalArgumentException if a penalty is not finite or the window is negative
   */
  public FrequencyPresencePenalty(float frequencyPenalty, float presencePenalty, int window) {
    this.frequencyPenalty = Validation.additivePenalty("frequency penalty", frequencyPenalty);
    this.presencePenalty = Validation.additivePenalty("presence penalty", presencePenalty);
    this.window = Penalties.window(window);
  }

  /** The frequency penalty. */
  public float frequencyPenalty() {
    return frequencyPenalty;
  }

  /** The presence penalty. */
  public float presencePenalty() {
    return presencePenalty;
  }

  @Override
  public void process(float[] logits, SamplingContext context) {
    // logits: (V) -> logits - count * frequencyPenalty - (count > 0) * presencePenalty
    if (frequencyPenalty == 0f && presencePenalty == 0f) {
      return;
    }
    int end = context.size();
    int start = Penalties.start(end, window);
    int[] count = context.intScratch(logits.length);
    for (int j = start; j < end; j++) {
      int t = Validation.tokenInVocabulary("history token", context.token(j), logits.length);
      count[t] = 0;
    }
    for (int j = start; j < end; j++) {
      count[context.token(j)]++;
    }
    for (int j = start; j < end; j++) {
      int t = context.token(j);
      int c = count[t];
      if (c > 0) {
        logits[t] -= c * frequencyPenalty + presencePenalty;
        count[t] = 0; // once per distinct token
      }
    }
  }

  @Override
  public String toString() {
    return "frequency/presence-penalty(" + frequencyPenalty + ", " + presencePenalty
        + (window > 0 ? ", last " + window : "") + ")";
  }
}
