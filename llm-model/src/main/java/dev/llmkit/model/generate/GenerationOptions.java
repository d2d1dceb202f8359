package dev.llmkit.model.generate;

import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What to generate and when to stop.
 *
 * @param maxTokens the most new tokens to generate, {@code >= 1}
 * @param stopStrings generation stops when the text contains one of these; the stop string and
 *     what follows it are not part of the result
 * @param stopTokens ids that end the generation (not part of the text); null means the
 *     tokenizer's EOS id, else the model config's EOS id, if any
 * @param addBos whether to put the tokenizer's BOS id in front of the prompt (when it has one)
 * @param slidingWindow false: stop with {@link FinishReason#CONTEXT_FULL} when the context is full
 *     (and reject a longer prompt); true: forget the oldest tokens and go on
 */
public record GenerationOptions(
    int maxTokens, List<String> stopStrings, Set<Integer> stopTokens, boolean addBos,
    boolean slidingWindow) {

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
  }

  /** maxTokens new tokens, stopping at EOS, BOS added when the tokenizer has one. */
  public static GenerationOptions maxTokens(int maxTokens) {
    return new GenerationOptions(maxTokens, List.of(), null, true, false);
  }

  /** These options with other stop strings. */
  public GenerationOptions withStopStrings(String... stop) {
    return new GenerationOptions(maxTokens, List.of(stop), stopTokens, addBos, slidingWindow);
  }

  /** These options with other stop tokens. */
  public GenerationOptions withStopTokens(Set<Integer> tokens) {
    return new GenerationOptions(maxTokens, stopStrings, tokens, addBos, slidingWindow);
  }

  /** These options with BOS added or not. */
  public GenerationOptions withAddBos(boolean add) {
    return new GenerationOptions(maxTokens, stopStrings, stopTokens, add, slidingWindow);
  }

  /** These options with or without a sliding window. */
  public GenerationOptions withSlidingWindow(boolean sliding) {
    return new GenerationOptions(maxTokens, stopStrings, stopTokens, addBos, sliding);
  }
}
