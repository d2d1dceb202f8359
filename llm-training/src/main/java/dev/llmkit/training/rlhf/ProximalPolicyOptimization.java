package dev.llmkit.training.rlhf;

import dev.llmkit.model.weights.ModelWeights;
import dev.llmkit.tensor.Tensor;
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
 * PPO for language models as in the RLHF papers (Ziegler et al., 2019; Ouyang et al., 2022) and
 * TRL's PPOTrainer: each step samples one response per drawn prompt, scores it with the
 * {@link RewardFunction} (the reward comes at the last token), and gives every token the reward
 *
 * <pre>
 *   r_t = -klCoef * (logp_t - refLogp_t)  (+ score at the last token)
 * </pre>
 *
 * a per-token KL penalty to the frozen reference. A value model (a transformer with a scalar head,
 * as TRL's: e.g. initialised from the reward model) predicts V_t at every response position; GAE
 * turns rewards and values into advantages (whitened over the batch) and returns. Then
 * {@code epochs} passes over shuffled minibatches minimise the clipped surrogate (mean over the
 * minibatch's tokens) for the policy and {@code valueCoefficient} times the clipped value loss for
 * the value model (each model with its own AdamW and gradient clip). The KL coefficient is fixed, or
 * adapted towards a target ({@link AdaptiveKlController}).
 */
public final class ProximalPolicyOptimization {

  private final TrainableModel policy;
  private final TrainableModel reference;
  private final ScalarHeadModel value;
  private final AdamW policyOptimizer;
  private final AdamW valueOptimizer;
  private final PolicySampler sampler;
  private final RewardFunction reward;
  private final List<String> prompts;
  private final PpoConfig config;
  private final AdaptiveKlController kl;
  private final SplitMix64 rng;
  private final int mb;
  private final int[] inputs;
  private final int[] targets;
  private final float[] flatOld;
  private final float[] flatAdv;
  private final float[] flatValues;
  private final float[] flatReturns;
  private final float[] grad;
  private final List<Consumer<RlhfStep>> listeners = new ArrayList<>();
  private long step;

  /**
   * Prepares PPO of {@code policy} (trained in place) against the frozen {@code reference}, with a
   * value model of backbone {@code valueBackbone} and head {@code valueHead} (1, C), trained in
   * place.
   *
   * @throws IllegalArgumentException when the policy and reference configurations differ or there
   *     are no prompts
   */
  public ProximalPolicyOptimization(ModelWeights policy, ModelWeights reference, ModelWeights valueBackbone,
      Tensor valueHead, PolicySampler sampler, RewardFunction reward, List<String> prompts,
      AdamWConfig optimizerConfig, PpoConfig config) {
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
    this.mb = config.rolloutBatch() / config.minibatches();
    this.policy = new TrainableModel(policy, mb, config.block());
    this.reference = new TrainableModel(reference, mb, config.block());
    this.value = new ScalarHeadModel(valueBackbone, valueHead, mb, config.block());
    this.policyOptimizer = new AdamW(policy, this.policy.gradients(), optimizerConfig);
    this.valueOptimizer = new AdamW(value.parameters(), value.gradients(), optimizerConfig);
    this.kl = new AdaptiveKlController(config.klCoefficient(), config.klTarget(), config.klHorizon());
    this.rng = new SplitMix64(config.seed());
    int n = mb * config.block();
    inputs = new int[n];
    targets = new int[n];
    flatOld = new float[n];
    flatAdv = new float[n];
    flatValues = new float[n];
    flatReturns = new float[n];
    grad = new float[n];
  }

  /** Adds a listener called after every step. */
  public ProximalPolicyOptimization addListener(Consumer<RlhfStep> listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
    return this;
  }

  /** The policy in training form. */
  public TrainableModel policy() {
    return policy;
  }

  /** The KL coefficient in force. */
  public double klCoefficient() {
    return kl.value();
  }

  /**
   * Per-token rewards of one response: {@code -klCoef * (logp - refLogp)} at every token, plus the
   * score at the last. With the policy equal to the reference the penalty is exactly 0.
   */
  public static float[] tokenRewards(float[] logp, float[] refLogp, double score, double klCoef) {
    float[] r = new float[logp.length];
    for (int t = 0; t < r.length; t++) {
      r[t] = (float) (klCoef * ((double) refLogp[t] - logp[t])); // -klCoef * k1, +0 when equal
    }
    r[r.length - 1] += (float) score;
    return r;
  }

  /**
   * The policy loss of a minibatch: the clipped surrogate's mean over its target tokens, with its
   * gradient with respect to each target log-probability written into {@code dLogp}.
   */
  public static double policyLoss(float[] logp, float[] oldLogp, float[] advantages, int[] targets,
      double eps, float[] dLogp) {
    int n = 0;
    for (int t : targets) {
      n += t >= 0 ? 1 : 0;
    }
    double total = 0;
    for (int t = 0; t < targets.length; t++) {
      if (targets[t] < 0 || n == 0) {
        dLogp[t] = 0f;
        continue;
      }
      total += ClippedSurrogate.loss(logp[t], oldLogp[t], advantages[t], eps) / n;
      dLogp[t] = (float) (ClippedSurrogate.gradient(logp[t], oldLogp[t], advantages[t], eps) / n);
    }
    return total;
  }

  /**
   * {@code coefficient} times the clipped value loss's mean over the minibatch's target tokens, with
   * its gradient with respect to each predicted value written into {@code dValues}.
   */
  public static double valueLoss(float[] values, float[] oldValues, float[] returns, int[] targets,
      double clip, double coefficient, float[] dValues) {
    int n = 0;
    for (int t : targets) {
      n += t >= 0 ? 1 : 0;
    }
    double total = 0;
    for (int t = 0; t < targets.length; t++) {
      if (targets[t] < 0 || n == 0) {
        dValues[t] = 0f;
        continue;
      }
      total += coefficient * ValueLoss.loss(values[t], oldValues[t], returns[t], clip) / n;
      dValues[t] = (float) (coefficient * ValueLoss.gradient(values[t], oldValues[t], returns[t], clip) / n);
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
   * One step: rollouts, scores, the old/reference log-probabilities and values, per-token rewards,
   * GAE, then {@code epochs} x {@code minibatches} gradient steps of policy and value model, and the
   * KL controller's update.
   *
   * @throws TrainingDivergedException when a loss or gradient is not finite
   */
  public RlhfStep step() {
    int b = config.rolloutBatch();
    List<String> picked = RolloutBatch.draw(prompts, b, rng);
    List<Rollout> rollouts = sampler.sample(picked, 1, config.seed() + 7919L * (step + 1) * b);
    RolloutBatch batch = new RolloutBatch(rollouts, config.block());
    double[] scores = RolloutBatch.rewards(reward, rollouts);
    float[][] old = batch.logProbs(policy);
    float[][] ref = batch.logProbs(reference);
    float[][] values = batch.values(value);
    float[][] adv = new float[b][];
    float[][] returns = new float[b][];
    double klSum = 0;
    double coef = kl.value();
    double mean = 0;
    double sq = 0;
    int tokens = 0;
    for (int i = 0; i < b; i++) {
      float[] r = tokenRewards(old[i], ref[i], scores[i], coef);
      for (int t = 0; t < old[i].length; t++) {
        klSum += KlEstimators.k1(old[i][t], ref[i][t]);
      }
      adv[i] = Gae.advantages(r, values[i], config.gamma(), config.lambda());
      returns[i] = new float[adv[i].length];
      for (int t = 0; t < adv[i].length; t++) {
        returns[i][t] = adv[i][t] + values[i][t];
        mean += adv[i][t];
        sq += (double) adv[i][t] * adv[i][t];
        tokens++;
      }
    }
    // whiten the advantages over every token of the batch (TRL's masked_whiten)
    mean /= tokens;
    double var = tokens > 1 ? (sq - tokens * mean * mean) / (tokens - 1) : 0;
    double inv = 1 / Math.sqrt(Math.max(var, 0) + 1e-8);
    for (float[] a : adv) {
      for (int t = 0; t < a.length; t++) {
        a[t] = (float) ((a[t] - mean) * inv);
      }
    }
    long stepNo = step + 1;
    double loss = 0;
    long gradientStep = step * config.epochs() * config.minibatches();
    for (int e = 0; e < config.epochs(); e++) {
      int[] order = shuffled(b);
      for (int m = 0; m < config.minibatches(); m++) {
        int[] idx = java.util.Arrays.copyOfRange(order, m * mb, (m + 1) * mb);
        batch.writeRows(idx, mb, inputs, targets);
        batch.toFlat(old, idx, flatOld);
        batch.toFlat(adv, idx, flatAdv);
        float lr = (float) config.schedule().learningRate(gradientStep++);
        policy.zeroGrad();
        policy.forward(inputs, targets);
        loss = policyLoss(policy.targetLogProbs(), flatOld, flatAdv, targets, config.clipEpsilon(), grad);
        check(loss, "policy loss", stepNo);
        policy.backward(grad);
        check(GradientNorms.scaleAndClip(policy.gradients(), 1f, config.gradientClip()),
            "policy gradient norm", stepNo);
        policyOptimizer.step(lr);
        batch.toFlat(values, idx, flatValues);
        batch.toFlat(returns, idx, flatReturns);
        value.zeroGrad();
        float[] v = value.forward(inputs);
        double vl = valueLoss(v, flatValues, flatReturns, targets, config.valueClip(),
            config.valueCoefficient(), grad);
        check(vl, "value loss", stepNo);
        value.backward(grad);
        check(GradientNorms.scaleAndClip(value.gradients().values(), 1f, config.gradientClip()),
            "value gradient norm", stepNo);
        valueOptimizer.step(lr);
      }
    }
    double meanKl = klSum / b;
    if (config.klTarget() > 0) {
      kl.update(meanKl, b);
    }
    step = stepNo;
    double meanScore = RolloutBatch.mean(scores);
    RlhfStep s = new RlhfStep(step, config.steps(), meanScore, meanKl, loss, coef);
    for (Consumer<RlhfStep> l : listeners) {
      l.accept(s);
    }
    return s;
  }

  private int[] shuffled(int n) {
    int[] p = RolloutBatch.range(0, n);
    for (int i = n - 1; i > 0; i--) {
      int j = (int) rng.nextLong(i + 1);
      int t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }

  private static void check(double v, String what, long step) {
    if (!Double.isFinite(v)) {
      throw new TrainingDivergedException(step, "PPO diverged: " + what + " is " + v + " at step " + step);
    }
  }
}
