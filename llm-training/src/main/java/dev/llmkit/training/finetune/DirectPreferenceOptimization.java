package dev.llmkit.training.finetune;

import dev.llmkit.model.weights.ModelWeights;
import dev.llmkit.tokenizer.Tokenizer;
import dev.llmkit.training.GradientNorms;
import dev.llmkit.training.StepEvent;
import dev.llmkit.training.TrainableModel;
import dev.llmkit.training.TrainingDivergedException;
import dev.llmkit.training.TrainingListener;
import dev.llmkit.training.TrainingResult;
import dev.llmkit.training.data.SplitMix64;
import dev.llmkit.training.optim.AdamW;
import dev.llmkit.training.optim.AdamWConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Direct Preference Optimization (Rafailov et al., 2023): fine-tunes a policy so that, relative to a
 * frozen reference model, it prefers the chosen continuation of each pair over the rejected one. The
 * loss of a pair is
 *
 * <pre>
 *   L = -log sigmoid(beta * ((pi_c - ref_c) - (pi_r - ref_r)))
 * </pre>
 *
 * where {@code pi_c} is the policy's summed log-probability of the chosen continuation's tokens given
 * the prompt, and so on. Its gradient with respect to every continuation token's log-probability is
 * {@code -+ beta * sigmoid(-z) / pairs}, passed to {@link TrainableModel#backward(float[])}.
 *
 * <p>The reference model is evaluated once, at construction: it is frozen, so its log-probabilities
 * of every pair are computed up front and kept.
 */
public final class DirectPreferenceOptimization {

  private final TrainableModel policy;
  private final AdamW optimizer;
  private final DpoConfig config;
  private final TokenizedExample[] chosen;
  private final TokenizedExample[] rejected;
  private final double[] refChosen;
  private final double[] refRejected;
  private final List<TrainingListener> listeners = new ArrayList<>();
  private final int[] inputs;
  private final int[] targets;
  private final float[] dLogProb;
  private final SplitMix64 rng;
  private long step;
  private final long peakMemoryBytes;

  /**
   * Prepares DPO of {@code policy} against {@code reference}.
   *
   * @param policy the parameters to train (updated in place)
   * @param reference the frozen reference parameters (usually a copy of the policy before DPO); must
   *     have the policy's configuration and are never modified
   * @throws IllegalArgumentException when the configurations differ or a pair does not fit the block
   */
  public DirectPreferenceOptimization(ModelWeights policy, ModelWeights reference,
      List<PreferencePair> pairs, Tokenizer tokenizer, AdamWConfig optimizerConfig, DpoConfig config) {
    this.config = Objects.requireNonNull(config, "config");
    if (!policy.config().equals(reference.config())) {
      throw new IllegalArgumentException("the reference model's configuration " + reference.config()
          + " differs from the policy's " + policy.config());
    }
    if (pairs.isEmpty()) {
      throw new IllegalArgumentException("no preference pairs");
    }
    int n = pairs.size();
    chosen = new TokenizedExample[n];
    rejected = new TokenizedExample[n];
    for (int i = 0; i < n; i++) {
      PreferencePair p = pairs.get(i);
      chosen[i] = TokenizedExample.of(tokenizer, p.prompt(), p.chosen(), config.block(), i);
      rejected[i] = TokenizedExample.of(tokenizer, p.prompt(), p.rejected(), config.block(), i);
    }
    int rows = 2 * config.pairsPerStep();
    inputs = new int[rows * config.block()];
    targets = new int[inputs.length];
    dLogProb = new float[inputs.length];
    rng = new SplitMix64(config.seed());
    this.policy = new TrainableModel(policy, rows, config.block());
    this.optimizer = new AdamW(policy, this.policy.gradients(), optimizerConfig);
    refChosen = new double[n];
    refRejected = new double[n];
    TrainableModel ref = new TrainableModel(reference, rows, config.block());
    logProbs(ref, refChosen, refRejected);
    // the reference's training form lives beside the policy's until its log-probabilities are taken
    this.peakMemoryBytes = this.policy.trainingBytes() + optimizer.stateBytes() + ref.trainingBytes();
  }

  /**
   * Bytes of tensor memory at this run's peak, by the models' own account: the policy's training
   * buffers and AdamW moments, plus the reference model's training form, held together while the
   * reference log-probabilities are computed.
   */
  public long peakMemoryBytes() {
    return peakMemoryBytes;
  }

  /** Adds a listener of steps ({@link StepEvent#loss()} is the DPO loss). */
  public DirectPreferenceOptimization addListener(TrainingListener listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
    return this;
  }

  /** The policy in training form. */
  public TrainableModel policy() {
    return policy;
  }

  /**
   * Runs every step: draws {@code pairsPerStep} pairs (uniformly, seeded), computes the DPO loss and
   * its gradient, clips, and takes an AdamW step.
   *
   * @throws TrainingDivergedException when the loss or a gradient is not finite
   */
  public TrainingResult run() {
    int pairs = config.pairsPerStep();
    long total = config.steps();
    long first = step;
    for (TrainingListener l : listeners) {
      l.onStart(first, total);
    }
    float[] losses = new float[(int) (total - first)];
    int[] picked = new int[pairs];
    long nanos = 0;
    long tokensPerStep = (long) inputs.length;
    while (step < total) {
      long t0 = System.nanoTime();
      double lr = config.schedule().learningRate(step);
      for (int i = 0; i < pairs; i++) {
        picked[i] = (int) rng.nextLong(chosen.length);
      }
      policy.zeroGrad();
      double loss = lossAndGradients(picked);
      long stepNo = step + 1;
      if (!Double.isFinite(loss)) {
        throw new TrainingDivergedException(stepNo, "DPO diverged: loss is " + loss + " at step " + stepNo);
      }
      double norm = GradientNorms.scaleAndClip(policy.gradients(), 1f, config.gradientClip());
      if (!Double.isFinite(norm)) {
        throw new TrainingDivergedException(stepNo,
            "DPO diverged: gradient norm is " + norm + " at step " + stepNo);
      }
      optimizer.step((float) lr);
      step = stepNo;
      long dt = System.nanoTime() - t0;
      nanos += dt;
      losses[(int) (step - first - 1)] = (float) loss;
      StepEvent ev = new StepEvent(step, total, (float) loss, lr, norm, tokensPerStep / (dt / 1e9),
          Duration.ofNanos(nanos / (step - first) * (total - step)));
      for (TrainingListener l : listeners) {
        l.onStep(ev);
      }
    }
    TrainingResult r = new TrainingResult(step, losses, Map.of(),
        nanos > 0 ? tokensPerStep * (step - first) / (nanos / 1e9) : 0, nanos / 1e9);
    for (TrainingListener l : listeners) {
      l.onFinish(r);
    }
    return r;
  }

  /**
   * The DPO loss of the given pairs (indices into the data set, {@code pairsPerStep} of them) under
   * the current policy, with its gradient ADDED into {@code policy().gradients()} (zero them first).
   * {@link #run()} calls this once per step.
   *
   * @throws IllegalArgumentException when the number of pairs is not {@code pairsPerStep}
   */
  public double lossAndGradients(int[] pairIndices) {
    int pairs = config.pairsPerStep();
    int block = config.block();
    if (pairIndices.length != pairs) {
      throw new IllegalArgumentException(
          "expected pairsPerStep = " + pairs + " pair indices, got " + pairIndices.length);
    }
    for (int i = 0; i < pairs; i++) {
      chosen[pairIndices[i]].writeRow(inputs, targets, i * block, block);
      rejected[pairIndices[i]].writeRow(inputs, targets, (pairs + i) * block, block);
    }
    policy.forward(inputs, targets);
    float[] lp = policy.targetLogProbs();
    double loss = 0;
    java.util.Arrays.fill(dLogProb, 0f);
    for (int i = 0; i < pairs; i++) {
      int e = pairIndices[i];
      double piC = rowSum(lp, targets, i * block, block);
      double piR = rowSum(lp, targets, (pairs + i) * block, block);
      double z = config.beta() * ((piC - refChosen[e]) - (piR - refRejected[e]));
      loss += softplus(-z) / pairs;
      // dL/dz = -sigmoid(-z) / pairs; dz/dpiC = beta, dz/dpiR = -beta
      double dz = -sigmoid(-z) / pairs;
      fillRow(dLogProb, targets, i * block, block, (float) (config.beta() * dz));
      fillRow(dLogProb, targets, (pairs + i) * block, block, (float) (-config.beta() * dz));
    }
    if (Double.isFinite(loss)) {
      policy.backward(dLogProb);
    }
    return loss;
  }

  /** Loss, mean margin and accuracy of the current policy over every pair. */
  public DpoMetrics evaluate() {
    int n = chosen.length;
    double[] pc = new double[n];
    double[] pr = new double[n];
    logProbs(policy, pc, pr);
    double loss = 0;
    double margin = 0;
    int right = 0;
    for (int i = 0; i < n; i++) {
      double m = (pc[i] - refChosen[i]) - (pr[i] - refRejected[i]);
      loss += softplus(-config.beta() * m);
      margin += m;
      right += m > 0 ? 1 : 0;
    }
    return new DpoMetrics(loss / n, margin / n, (double) right / n);
  }

  /** Summed continuation log-probabilities of every pair under {@code model}. */
  private void logProbs(TrainableModel model, double[] outChosen, double[] outRejected) {
    int pairs = config.pairsPerStep();
    int block = config.block();
    int n = chosen.length;
    for (int start = 0; start < n; start += pairs) {
      for (int i = 0; i < pairs; i++) {
        int e = Math.min(start + i, n - 1); // the last batch is padded with a repeated pair
        chosen[e].writeRow(inputs, targets, i * block, block);
        rejected[e].writeRow(inputs, targets, (pairs + i) * block, block);
      }
      model.forward(inputs, targets);
      float[] lp = model.targetLogProbs();
      for (int i = 0; i < pairs && start + i < n; i++) {
        outChosen[start + i] = rowSum(lp, targets, i * block, block);
        outRejected[start + i] = rowSum(lp, targets, (pairs + i) * block, block);
      }
    }
  }

  private static double rowSum(float[] lp, int[] targets, int offset, int block) {
    double s = 0;
    for (int t = offset; t < offset + block; t++) {
      if (targets[t] >= 0) {
        s += lp[t];
      }
    }
    return s;
  }

  private static void fillRow(float[] d, int[] targets, int offset, int block, float v) {
    for (int t = offset; t < offset + block; t++) {
      d[t] = targets[t] >= 0 ? v : 0f;
    }
  }

  private static double sigmoid(double x) {
    return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
  }

  /** {@code log(1 + e^x)}, stable for large |x|. */
  private static double softplus(double x) {
    return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
  }
}
