package dev.llmkit.training.rlhf;

import java.util.List;

/**
 * The reward of a response to a prompt, higher is better: a trained {@link RewardModel}, or plain
 * code (a rule such as "mentions a dog"). RLHF's policy optimisers and best-of-n sampling read
 * rewards only through this interface.
 */
@FunctionalInterface
public interface RewardFunction {

  /** The reward of {@code response} given {@code prompt}. */
  double reward(String prompt, String response);

  /**
   * Rewards of many responses, element by element ({@code prompts.get(i)}, {@code responses.get(i)});
   * a reward model overrides this to score them in batches.
   *
   * @throws IllegalArgumentException when the lists differ in length
   */
  default double[] rewards(List<String> prompts, List<String> responses) {
    if (prompts.size() != responses.size()) {
      throw new IllegalArgumentException(
          prompts.size() + " prompts but " + responses.size() + " responses");
    }
    double[] r = new double[prompts.size()];
    for (int i = 0; i < r.length; i++) {
      r[i] = reward(prompts.get(i), responses.get(i));
    }
    return r;
  }
}
