package dev.llmkit.sampling.processors;

import dev.llmkit.sampling.LogitsProcessor;
import dev.llmkit.sampling.SamplingContext;
import java.util.Arrays;

/** Bans tokens: their logits become {@code -Infinity}, so they are never chosen. */
public final class BannedTokens implements LogitsProcessor {

  private final int[] tokens;

  /**
   * Creates the processor.
   *
   * @param tokens the banned token ids, each {@code >= 0} (duplicates are fine)
   * @throws IllegalArgumentException if an id is negative
   */
  public BannedTokens(int... tokens) {
    if (tokens == null) {
      throw new IllegalArgumentException("banned tokens is null; expected an array (possibly empty)");
    }
    for (int t : tokens) {
      if (t < 0) {
        throw new IllegalArgumentException("banned token " + t + " is negative; expected an id >= 0");
      }
    }
    this.tokens = Arrays.stream(tokens).sorted().distinct().toArray();
  }

  /** The banned token ids, sorted, without duplicates. */
  public int[] tokens() {
    return tokens.clone();
  }

  @Override
  public void process(float[] logits, SamplingContext context) {
    // logits: (V) -> logits with the banned tokens at -Infinity
    for (int t : tokens) {
      logits[Validation.tokenInVocabulary("banned token", t, logits.length)] =
          Float.NEGATIVE_INFINITY;
    }
  }

  @Override
  public String toString() {
    return "banned-tokens(" + tokens.length + ")";
  }
}
