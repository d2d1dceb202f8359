package dev.llmkit.examples.cli;

import dev.llmkit.model.ContextOverflow;
import dev.llmkit.model.config.ModelConfig;
import java.util.Locale;

/** {@code --context-overflow stop|slide|shift}: what generation does when the context is full. */
final class OverflowOption {

  static final String DESCRIPTION = "When the context is full: stop (finish CONTEXT_FULL), slide"
      + " (forget the oldest tokens, recompute the rest) or shift (llama.cpp's context shift: drop"
      + " the oldest half, re-rotate the cached keys; rotary models only). Default: shift for"
      + " rotary models, slide otherwise.";

  private OverflowOption() {}

  /**
   * The policy named by {@code value} (any case), or when null the one that keeps going for this
   * model ({@link ContextOverflow#continuing}).
   */
  static ContextOverflow parse(String value, ModelConfig config) {
    if (value == null) {
      return ContextOverflow.continuing(config);
    }
    try {
      return ContextOverflow.valueOf(value.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "--context-overflow " + value + ": expected stop, slide or shift");
    }
  }
}
