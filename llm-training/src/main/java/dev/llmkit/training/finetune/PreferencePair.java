package dev.llmkit.training.finetune;

import java.util.Objects;

/**
 * One preference example for DPO: after {@code prompt}, {@code chosen} is preferred over
 * {@code rejected}.
 *
 * @param prompt the shared context
 * @param chosen the preferred continuation (non-empty)
 * @param rejected the dispreferred continuation (non-empty)
 */
public record PreferencePair(String prompt, String chosen, String rejected) {

  /** Checks the texts are present and both continuations non-empty. */
  public PreferencePair {
    Objects.requireNonNull(prompt, "prompt");
    Objects.requireNonNull(chosen, "chosen");
    Objects.requireNonNull(rejected, "rejected");
    if (chosen.isEmpty() || rejected.isEmpty()) {
      throw new IllegalArgumentException("chosen and rejected must not be empty (prompt: "
          + PromptResponse.abbreviate(prompt) + ")");
    }
  }
}
