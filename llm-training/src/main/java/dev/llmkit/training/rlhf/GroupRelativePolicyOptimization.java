package dev.llmkit.training.rlhf;

import dev.llmkit.model.weights.ModelWeights;
import dev.llmkit.training.GradientNorms;
import dev.llmkit.training.TrainableModel;
import dev.llmkit.training.TrainingDivergedException;
import dev.llmkit.training.data.SplitMix64;
import dev.llmkit.training.optim.AdamW;
import dev.llmkit.training.optim.AdamWConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Group Relative Policy Optimization (Shao et al., 2024, DeepSeekMath; TRL's GRPOTrainer): for each
 * prompt, sample a group of k responses from the policy, score them with the {@link RewardFunction},
 * and normalise the rewards within the group into advantages {@code A_i = (r_i - mean) / (std + 1e-4)}
 * (no value model). The loss of the step is
 *
 * <pre>
 *   L = 1/G sum_i 1/|o_i| sum_t [ max(-A_i rho_t, -A_i clip(rho_t, 1-eps, 1+eps)) + beta k3_t ]
 *   rho_t = exp(logp_t - oldLogp_t),  k3_t = exp(ref_t - logp_t) - (ref_t - logp_t) - 1
 * </pre>
 *
 * over the G = promptsPerStep * k responses, against a frozen reference model (usually the starting
 * policy). Rollouts come from a {@link PolicySampler} that must sample the policy being trained.
 */
public final class GroupRelativePolicyOptimization {

  private final TrainableModel policy;
  private final TrainableModel reference;
  private final AdamW optimizer;
  private final PolicySampler sampler;
  private final RewardFunction reward;
  private final List<String> prompts;
  private final GrpoConfig config;
  private final SplitMix64 rng;
  private final int[] inputs;
  private final int[] targets;
  private final float[] old;
  private final float[] ref;
  private final float[] dLogp;
  private final double[] advantages;
  private final List<Consumer<RlhfStep>> listeners = new ArrayList<>();
  private long step;

  /**
   * Prepares GRPO of {@code policy} (trained in place) against the frozen {@code reference}.
   *
   * @throws IllegalArgumentException when the configurations differ or there are no prompts
   */
  public GroupRelativePolicyOptimization(ModelWeights policy, ModelWeights reference, PolicySampler sampler,
      RewardFunction reward, List<String> prompts, AdamWConfig optimizerConfig, GrpoConfig config) {
    this.config = Objects.requireNonNull(config, "config");
    if (!policy.config().equals(reference.config())) {
      throw new IllegalArgumentException("the reference model's configuration " + reference.config()
          + " differs from the policy's " + policy.config());
    }
    if (prompts.isEmpty()) {
      throw new IllegalArgumentException("no prompts");
    }
    this.sampler = Objects.requireNonNull(sampler, "sampler");
    this.reward = Objects.requireNonNull(reward, "reward");
    this.prompts = List.copyOf(prompts);
    int rows = config.promptsPerStep() * config.groupSize();
    this.policy = new TrainableModel(policy, rows, config.block());
    this.reference = new TrainableModel(reference, rows, config.block());
    this.optimizer = new AdamW(policy, this.policy.gradients(), optimizerConfig);
    this.rng = new SplitMix64(config.seed());
    int n = rows * config.block();
    inputs = new int[n];
    targets = new int[n];
    old = new float[n];
    ref = new float[n];
    dLogp = new float[n];
    advantages = new double[rows];
  }

  /** Adds a listener called after every step. */
  public GroupRelativePolicyOptimization addListener(Consumer<RlhfStep> listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
    return this;
  }

  /** The policy in training form. */
  public TrainableModel policy() {
    return policy;
  }

  /**
   * Advantages normalised within each group of {@code k} consecutive rewards:
   * {@code (r - mean) / (std + 1e-4)} with the unbiased standard deviation, as TRL.
   */
  public static double[] groupAdvantages(double[] rewards, int k) {
    if (k < 2 || rewards.length % k != 0) {
      throw new IllegalArgumentException(rewards.length + " rewards are not groups of k = " + k + " >= 2");
    }
    double[] a = new double[rewards.length];
    for (int g = 0; g < rewards.length; g += k) {
      double mean = 0;
      for (int i = g; i < g + k; i++) {
        mean += rewards[i] / k;
      }
      double var = 0;
      for (int i = g; i < g + k; i++) {
        var += (rewards[i] - mean) * (rewards[i] - mean) / (k - 1);
      }
      double std = Math.sqrt(var);
      for (int i = g; i < g + k; i++) {
        a[i] = (rewards[i] - mean) / (std + 1e-4);
      }
    }
    return a;
  }

  /**
   * The GRPO loss (see the class comment) of a batch of rows, and its gradient with respect to each
   * target log-probability written into {@code dLogp} (0 where there is no target).
   *
   * @param logp (rows*block) the policy's target log-probabilities
   * @param oldLogp (rows*block) those of the policy that sampled the rollouts
   * @param refLogp (rows*block) those of the reference model
   * @param targets (rows*block) the target ids, negative where ignored
   * @param advantages (rows) the advantage of each row's response
   */
  public static double loss(float[] logp, float[] oldLogp, float[] refLogp, int[] targets, int block,
      double[] advantages, double eps, double beta, float[] dLogp) {
    int rows = advantages.length;
    double total = 0;
    for (int r = 0; r < rows; r++) {
      int count = 0;
      for (int t = r * block; t < (r + 1) * block; t++) {
        count += targets[t] >= 0 ? 1 : 0;
      }
      double w = count == 0 ? 0 : 1.0 / count / rows;
      for (int t = r * block; t < (r + 1) * block; t++) {
        if (targets[t] < 0) {
          dLogp[t] = 0f;
          continue;
        }
        double a = advantages[r];
        total += w * (ClippedSurrogate.loss(logp[t], oldLogp[t], a, eps) + beta * KlEstimators.k3(logp[t], refLogp[t]));
        dLogp[t] = (float) (w * (ClippedSurrogate.gradient(logp[t], oldLogp[t], a, eps)
            + beta * KlEstimators.k3Gradient(logp[t], refLogp[t])));
      }
    }
    return total;
  }

  /** Runs every remaining step; returns the steps' records. */
  public List<RlhfStep> run() {
    List<RlhfStep> out = new ArrayList<>();
    while (step < config.steps()) {
      out.add(step());
    }
    return out;
  }

  /**
   * One step: rollouts of {@code promptsPerStep} prompts (drawn uniformly, seeded) times k, their
   * rewards and group advantages, the old and reference log-probabilities, then {@code epochs}
   * clipped gradient steps.
   *
   * @throws TrainingDivergedException when the loss or the gradient is not finite
   */
  public RlhfStep step() {
    int p = config.promptsPerStep();
    int k = config.groupSize();
    List<String> picked = RolloutBatch.draw(prompts, p, rng);
    List<Rollout> rollouts = sampler.sample(picked, k, config.seed() + 7919L * (step + 1) * p * k);
    RolloutBatch batch = new RolloutBatch(rollouts, config.block());
    double[] rewards = RolloutBatch.rewards(reward, rollouts);
    System.arraycopy(groupAdvantages(rewards, k), 0, advantages, 0, advantages.length);
    int[] all = RolloutBatch.range(0, rollouts.size());
    batch.writeRows(all, rollouts.size(), inputs, targets);
    reference.forward(inputs, targets);
    System.arraycopy(reference.targetLogProbs(), 0, ref, 0, ref.length);
    policy.forward(inputs, targets);
    System.arraycopy(policy.targetLogProbs(), 0, old, 0, old.length);
    double kl = 0;
    for (int t = 0; t < old.length; t++) {
      if (targets[t] >= 0) {
        kl += KlEstimators.k1(old[t], ref[t]) / rollouts.size();
      }
    }
    double loss = 0;
    long stepNo = step + 1;
    for (int e = 0; e < config.epochs(); e++) {
      if (e > 0) {
        policy.forward(inputs, targets);
      }
      policy.zeroGrad();
      loss = loss(policy.targetLogProbs(), old, ref, targets, config.block(), advantages,
          config.clipEpsilon(), config.beta(), dLogp);
      if (!Double.isFinite(loss)) {
        throw new TrainingDivergedException(stepNo, "GRPO diverged: loss is " + loss + " at step " + stepNo);
      }
      policy.backward(dLogp);
      double norm = GradientNorms.scaleAndClip(policy.gradients(), 1f, config.gradientClip());
      if (!Double.isFinite(norm)) {
        throw new TrainingDivergedException(stepNo, "GRPO diverged: gradient norm is " + norm + " at step " + stepNo);
      }
      optimizer.step((float) config.schedule().learningRate(step * config.epochs() + e));
    }
    step = stepNo;
    double mean = RolloutBatch.mean(rewards);
    RlhfStep s = new RlhfStep(step, config.steps(), mean, kl, loss, config.beta());
    for (Consumer<RlhfStep> l : listeners) {
      l.accept(s);
    }
    return s;
  }
}
