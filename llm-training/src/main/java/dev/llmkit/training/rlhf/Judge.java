package dev.llmkit.training.rlhf;

import dev.llmkit.training.finetune.PreferencePair;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Who ranks the responses to a prompt in human-feedback collection: a person at a terminal, a rule,
 * a reward model, another model. Every ranking implies preference pairs ({@link #pairs}), the data
 * DPO and the reward model learn from.
 */
@FunctionalInterface
public interface Judge {

  /**
   * Ranks the responses, best first, as indices into {@code responses}: a full ranking, or a prefix
   * of one (just the best, when only the best is picked). Indices not listed rank below every listed
   * one, tied among themselves.
   */
  int[] rank(String prompt, List<String> responses);

  /** A judge that ranks by a reward function, highest reward first (ties by position). */
  static Judge byReward(RewardFunction reward) {
    return (prompt, responses) -> {
      double[] r = reward.rewards(java.util.Collections.nCopies(responses.size(), prompt), responses);
      return IntStream.range(0, responses.size()).boxed()
          .sorted(Comparator.comparingDouble((Integer i) -> -r[i]))
          .mapToInt(Integer::intValue).toArray();
    };
  }

  /**
   * Every preference pair a ranking implies: each listed response is preferred to every response
   * listed after it and to every unlisted one. Pairs of equal texts and pairs with an empty
   * response say nothing and are left out.
   *
   * @throws IllegalArgumentException when the ranking names an index twice or one outside the
   *     responses
   */
  static List<PreferencePair> pairs(String prompt, List<String> responses, int[] ranking) {
    boolean[] listed = new boolean[responses.size()];
    for (int i : ranking) {
      if (i < 0 || i >= responses.size()) {
        throw new IllegalArgumentException("ranking names response " + (i + 1) + " of "
            + responses.size());
      }
      if (listed[i]) {
        throw new IllegalArgumentException("ranking names response " + (i + 1) + " twice");
      }
      listed[i] = true;
    }
    List<PreferencePair> out = new ArrayList<>();
    for (int a = 0; a < ranking.length; a++) {
      for (int b = a + 1; b < ranking.length; b++) {
        add(out, prompt, responses.get(ranking[a]), responses.get(ranking[b]));
      }
      for (int u = 0; u < responses.size(); u++) {
        if (!listed[u]) {
          add(out, prompt, responses.get(ranking[a]), responses.get(u));
        }
      }
    }
    return out;
  }

  private static void add(List<PreferencePair> out, String prompt, String chosen, String rejected) {
    if (!chosen.isEmpty() && !rejected.isEmpty() && !chosen.equals(rejected)) {
      out.add(new PreferencePair(prompt, chosen, rejected));
    }
  }
}
