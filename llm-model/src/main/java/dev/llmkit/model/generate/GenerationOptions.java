package dev.llmkit.model.generate;

import dev.llmkit.model.ContextOverflow;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What to generate and when to stop.
 *
 * @param maxTokens the most new tokens to generate, {@code >= 1}
 * @param stopStrings generation stops when the text contains one of these; the stop string and
 *     what follows it are not part of the result
 * @param stopTokens ids that end the generation (not part of the text); null means the model's
 *     own stop ids ({@link dev.llmkit.model.config.ModelConfig#stopTokenIds}, from
 *     generation_config.json or GGUF) together with the tokenizer's EOS id
 * @param addBos whether to put the tokenizer's BOS id in front of the prompt (when it has one)
 * @param contextOverflow what to do when the context is full: {@link ContextOverflow#STOP} stops
 *     with {@link FinishReason#CONTEXT_FULL} (and rejects a longer prompt); SLIDE and SHIFT forget
 *     the oldest tokens and go on
 * @param keepFirst how many of the first tokens (of the prompt) an overflow keeps
 */
public record GenerationOptions(
    int maxTokens, List<String> stopStrings, Set<Integer> stopTokens, boolean addBos,
    ContextOverflow contextOverflow, int keepFirst) {

  /** Validates the options. */
  public GenerationOptions {
    if (maxTokens < 1) {
      throw new IllegalArgumentException("maxTokens must be >= 1, got " + maxTokens);
    }
    stopStrings = List.copyOf(Objects.requireNonNull(stopStrings, "stopStrings"));
    for (String s : stopStrings) {
      if (s.isEmpty()) {
        throw new IllegalArgumentException("a stop string must not be empty");
      }
    }
    stopTokens = stopTokens == null ? null : Set.copyOf(stopTokens);
    Objects.requireNonNull(contextOverflow, "contextOverflow");
    if (keepFirst < 0) {
      throw new IllegalArgumentException("keepFirst must be >= 0, got " + keepFirst);
    }
  }

  /** The options before {@link ContextOverflow}: a sliding window is SLIDE, none is STOP. */
  public GenerationOptions(
      int maxTokens, List<String> stopStrings, Set<Integer> stopTokens, boolean addBos,
      boolean slidingWindow) {
    this(maxTokens, stopStrings, stopTokens, addBos,
        slidingWindow ? ContextOverflow.SLIDE : ContextOverflow.STOP, 0);
  }

  /** maxTokens new tokens, stopping at EOS, BOS added when the tokenizer has one, STOP at a full context. */
  public static GenerationOptions maxTokens(int maxTokens) {
    return new GenerationOptions(maxTokens, List.of(), null, true, ContextOverflow.STOP, 0);
  }

  /** Whether a full context forgets tokens (SLIDE or SHIFT) rather than stopping. */
  public boolean slidingWindow() {
    return contextOverflow != ContextOverflow.STOP;
  }

  /** These options with other stop strings. */
  public GenerationOptions withStopStrings(String... stop) {
    return new GenerationOptions(
        maxTokens, List.of(stop), stopTokens, addBos, contextOverflow, keepFirst);
  }

  /** These options with other stop tokens. */
  public GenerationOptions withStopTokens(Set<Integer> tokens) {
    return new GenerationOptions(
        maxTokens, stopStrings, tokens, addBos, contextOverflow, keepFirst);
  }

  /** These options with BOS added or not. */
  public GenerationOptions withAddBos(boolean add) {
    return new GenerationOptions(
        maxTokens, stopStrings, stopTokens, add, contextOverflow, keepFirst);
  }

  /** These options with SLIDE (true) or STOP (false) at a full context. */
  public GenerationOptions withSlidingWindow(boolean sliding) {
    return withContextOverflow(sliding ? ContextOverflow.SLIDE : ContextOverflow.STOP);
  }

  /** These options with another policy at a full context. */
  public GenerationOptions withContextOverflow(ContextOverflow overflow) {
    return new GenerationOptions(maxTokens, stopStrings, stopTokens, addBos, overflow, keepFirst);
  }

  /** These options keeping the first {@code n} tokens when the context overflows. */
  public GenerationOptions withKeepFirst(int n) {
    return new GenerationOptions(maxTokens, stopStrings, stopTokens, addBos, contextOverflow, n);
  }
}
