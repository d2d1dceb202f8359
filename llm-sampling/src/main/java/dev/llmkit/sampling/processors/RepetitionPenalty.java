package dev.llmkit.sampling.processors;

import dev.llmkit.sampling.LogitsProcessor;
import dev.llmkit.sampling.SamplingContext;

/**
 * Repetition penalty with Hugging Face's semantics ({@code RepetitionPenaltyLogitsProcessor}, after
 * Keskar et al. 2019): every token that occurs in the history has its logit divided by the penalty
 * if it is positive and multiplied by it if it is negative, once however often it occurred. A
 * penalty above 1 discourages repetition, below 1 encourages it, 1 disables it.
 *
 * <p>The history is the context's tokens (prompt and generated), or only its last {@code window}
 * tokens when a window is set (llama.cpp's {@code repeat_last_n}).
 */
public final class RepetitionPenalty implements LogitsProcessor {

  private final float penalty;
  private final int window;

  /**
   * A penalty over the whole history.
   *
   * @param penalty the penalty, a finite number {@code > 0}
   * @throws IllegalArgumentException unless the penalty is finite and {@code > 0}
   */
  public RepetitionPenalty(float penalty) {
    this(penalty, 0);
  }

  /**
   * A penalty over the last {@code window} tokens of the history.
   *
   * @param penalty the penalty, a finite number {@code > 0}
   * @param window how many of the latest tokens count, {@code >= 0} (0: the whole history)
   * @throws IllegalArgumentException if the penalty is not finite and {@code > 0}, or the window is
   *     negative
   */
  public RepetitionPenalty(float penalty, int window) {
    this.penalty = Validation.positivePenalty("repetition penalty", penalty);
    this.window = Penalties.window(window);
  }

  /** The penalty. */
  public float penalty() {
    return penalty;
  }

  @Override
  public void process(float[] logits, SamplingContext context) {
    // logits: (V) -> logits with the history's tokens penalised once each
    if (penalty == 1f) {
      return;
    }
    int end = context.size();
    int start = Penalties.start(end, window);
    // last[t] = latest history position of t, so each distinct token is penalised exactly once
    int[] last = context.intScratch(logits.length);
    for (int j = start; j < end; j++) {
      int t = Validation.tokenInVocabulary("history token", context.token(j), logits.length);
      last[t] = j;
    }
    for (int j = start; j < end; j++) {
      int t = context.token(j);
      if (last[t] == j) {
        float l = logits[t];
        logits[t] = l < 0 ? l * penalty : l / penalty;
      }
    }
  }

  @Override
  public String toString() {
    return "repetition-penalty(" + penalty + (window > 0 ? ", last " + window : "") + ")";
  }
}
