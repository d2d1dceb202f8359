package dev.llmkit.training.rlhf;

import dev.llmkit.model.weights.ModelWeights;
import dev.llmkit.training.TrainableModel;
import java.util.List;

/**
 * The held-out figures of an RLHF run: the mean reward of the policy's responses to prompts it was
 * not trained on, and its KL to the reference per response (the mean over those responses of
 * {@code sum_t logp_t - refLogp_t}, an unbiased estimate of KL(policy || reference) of the whole
 * response).
 *
 * @param meanReward mean reward of the sampled responses
 * @param klToReference mean KL per response
 * @param rollouts the responses drawn
 * @param rewards their rewards
 */
public record RlhfEvaluation(double meanReward, double klToReference, List<Rollout> rollouts, double[] rewards) {

  /**
   * Samples {@code k} responses to each prompt (seeded) and measures them.
   *
   * @param block positions per row for the log-probabilities (prompt + response must fit in block + 1)
   */
  public static RlhfEvaluation of(PolicySampler sampler, RewardFunction reward, ModelWeights policy,
      ModelWeights reference, List<String> prompts, int k, int block, long seed) {
    List<Rollout> rollouts = sampler.sample(prompts, k, seed);
    double[] rewards = RolloutBatch.rewards(reward, rollouts);
    RolloutBatch batch = new RolloutBatch(rollouts, block);
    int b = Math.min(8, rollouts.size());
    float[][] lp = batch.logProbs(new TrainableModel(policy, b, block));
    float[][] ref = batch.logProbs(new TrainableModel(reference, b, block));
    double kl = 0;
    double mean = 0;
    for (int i = 0; i < rollouts.size(); i++) {
      for (int t = 0; t < lp[i].length; t++) {
        kl += KlEstimators.k1(lp[i][t], ref[i][t]) / rollouts.size();
      }
      mean += rewards[i] / rollouts.size();
    }
    return new RlhfEvaluation(mean, kl, rollouts, rewards);
  }
}
