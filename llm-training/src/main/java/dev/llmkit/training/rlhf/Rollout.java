package dev.llmkit.training.rlhf;

import dev.llmkit.training.finetune.TokenizedExample;
import java.util.Objects;

/**
 * One sampled response of the policy: the prompt as text and ids (BOS included when the policy
 * adds one), the generated ids (the end-of-sequence id included when the generation ended on it),
 * the response text, and the log-probability the sampling policy gave each generated id.
 *
 * @param prompt the prompt text
 * @param promptIds the ids the policy was run on
 * @param responseIds the generated ids (at least one)
 * @param response the decoded response text (without the stop token)
 * @param logProbs log pi(token) of each generated id under the distribution it was drawn from
 */
public record Rollout(String prompt, int[] promptIds, int[] responseIds, String response, float[] logProbs) {

  /** Checks the parts are present and consistent. */
  public Rollout {
    Objects.requireNonNull(prompt, "prompt");
    Objects.requireNonNull(response, "response");
    if (promptIds.length == 0) {
      throw new IllegalArgumentException("a rollout needs at least one prompt id");
    }
    if (responseIds.length == 0) {
      throw new IllegalArgumentException("a rollout needs at least one response id");
    }
    if (logProbs.length != responseIds.length) {
      throw new IllegalArgumentException(logProbs.length + " log-probabilities for "
          + responseIds.length + " response ids");
    }
  }

  /** Prompt then response ids as one sequence, the loss on the response ids only. */
  public TokenizedExample sequence() {
    int[] ids = new int[promptIds.length + responseIds.length];
    System.arraycopy(promptIds, 0, ids, 0, promptIds.length);
    System.arraycopy(responseIds, 0, ids, promptIds.length, responseIds.length);
    return new TokenizedExample(ids, promptIds.length);
  }
}
