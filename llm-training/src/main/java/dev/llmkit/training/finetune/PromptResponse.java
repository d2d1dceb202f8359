package dev.llmkit.training.finetune;

import java.util.Objects;

/**
 * One supervised fine-tuning example: the model learns to produce {@code response} after
 * {@code prompt}; the loss counts the response tokens only.
 *
 * @param prompt the context (not learned)
 * @param response the text to learn (non-empty)
 */
public record PromptResponse(String prompt, String response) {

  /** Checks both texts are present and the response is non-empty. */
  public PromptResponse {
    Objects.requireNonNull(prompt, "prompt");
    Objects.requireNonNull(response, "response");
    if (response.isEmpty()) {
      throw new IllegalArgumentException("response must not be empty (prompt: " + abbreviate(prompt) + ")");
    }
  }

  static String abbreviate(String s) {
    return s.length() <= 40 ? '"' + s + '"' : '"' + s.substring(0, 40) + "...\"";
  }
}
