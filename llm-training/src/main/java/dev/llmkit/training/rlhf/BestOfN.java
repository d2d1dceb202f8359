package dev.llmkit.training.rlhf;

import java.util.List;
import java.util.Objects;

/**
 * Best-of-n (rejection) sampling at inference: draw n responses from the policy and keep the one the
 * reward function scores highest.
 */
public final class BestOfN {

  /**
   * The outcome.
   *
   * @param best the highest-scoring response
   * @param bestReward its reward
   * @param candidates every response drawn, in order
   * @param rewards their rewards
   */
  public record Result(Rollout best, double bestReward, List<Rollout> candidates, double[] rewards) {}

  private final PolicySampler sampler;
  private final RewardFunction reward;

  /** Best-of-n over the given sampler and reward. */
  public BestOfN(PolicySampler sampler, RewardFunction reward) {
    this.sampler = Objects.requireNonNull(sampler, "sampler");
    this.reward = Objects.requireNonNull(reward, "reward");
  }

  /**
   * Draws {@code n} responses (seeds seed, seed+1, …) and returns the best (the first of equals).
   *
   * @throws IllegalArgumentException when {@code n < 1}
   */
  public Result sample(String prompt, int n, long seed) {
    if (n < 1) {
      throw new IllegalArgumentException("n must be >= 1 (the number of responses to draw), got " + n);
    }
    List<Rollout> c = sampler.sample(List.of(prompt), n, seed);
    double[] rw = RolloutBatch.rewards(reward, c);
    int best = 0;
    for (int i = 1; i < rw.length; i++) {
      if (rw[i] > rw[best]) {
        best = i;
      }
    }
    return new Result(c.get(best), rw[best], List.copyOf(c), rw);
  }
}
