package dev.llmkit.training.rlhf;

import dev.llmkit.training.GradientNorms;
import dev.llmkit.training.StepEvent;
import dev.llmkit.training.TrainingDivergedException;
import dev.llmkit.training.TrainingListener;
import dev.llmkit.training.TrainingResult;
import dev.llmkit.training.data.SplitMix64;
import dev.llmkit.training.finetune.PreferencePair;
import dev.llmkit.training.finetune.TokenizedExample;
import dev.llmkit.training.optim.AdamW;
import dev.llmkit.training.optim.AdamWConfig;
import dev.llmkit.training.schedule.LearningRateSchedule;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Trains a {@link RewardModel} on preference pairs with the {@link BradleyTerryLoss}: each step
 * draws {@code pairsPerStep} pairs (seeded), runs chosen and rejected sequences as the rows of one
 * batch, and takes an AdamW step on the backbone and the head together.
 */
public final class RewardModelTrainer {

  /**
   * Settings.
   *
   * @param pairsPerStep pairs per optimiser step
   * @param steps optimiser steps
   * @param schedule learning rate per step
   * @param gradientClip largest global gradient norm ({@code <= 0}: none)
   * @param seed seed of the pair sampling
   */
  public record Config(int pairsPerStep, long steps, LearningRateSchedule schedule, float gradientClip, long seed) {
    /** Validates the fields, naming the bad one. */
    public Config {
      if (pairsPerStep < 1) {
        throw new IllegalArgumentException("pairsPerStep must be >= 1, got " + pairsPerStep);
      }
      if (steps < 1) {
        throw new IllegalArgumentException("steps must be >= 1, got " + steps);
      }
      Objects.requireNonNull(schedule, "schedule");
    }
  }

  private final RewardModel model;
  private final Config config;
  private final TokenizedExample[] chosen;
  private final TokenizedExample[] rejected;
  private final ScalarHeadModel net;
  private final AdamW optimizer;
  private final int block;
  private final int[] ids;
  private final float[] dScores;
  private final SplitMix64 rng;
  private final List<TrainingListener> listeners = new ArrayList<>();
  private long step;

  /**
   * Prepares training of {@code model} (updated in place) on {@code pairs}.
   *
   * @throws IllegalArgumentException when there are no pairs or a pair does not fit the context
   */
  public RewardModelTrainer(RewardModel model, List<PreferencePair> pairs, AdamWConfig optimizerConfig,
      Config config) {
    this.model = Objects.requireNonNull(model, "model");
    this.config = Objects.requireNonNull(config, "config");
    if (pairs.isEmpty()) {
      throw new IllegalArgumentException("no preference pairs");
    }
    chosen = new TokenizedExample[pairs.size()];
    rejected = new TokenizedExample[pairs.size()];
    int longest = 1;
    for (int i = 0; i < chosen.length; i++) {
      PreferencePair p = pairs.get(i);
      try {
        chosen[i] = model.encode(p.prompt(), p.chosen());
        rejected[i] = model.encode(p.prompt(), p.rejected());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("pair " + i + ": " + e.getMessage(), e);
      }
      longest = Math.max(longest, Math.max(chosen[i].ids().length, rejected[i].ids().length));
    }
    block = RewardModel.blockFor(longest, model.config().contextLength());
    int rows = 2 * config.pairsPerStep();
    net = new ScalarHeadModel(model.backbone(), model.score(), rows, block);
    optimizer = new AdamW(net.parameters(), net.gradients(), optimizerConfig);
    ids = new int[rows * block];
    dScores = new float[rows * block];
    rng = new SplitMix64(config.seed());
  }

  /** Adds a listener of steps ({@link StepEvent#loss()} is the Bradley–Terry loss). */
  public RewardModelTrainer addListener(TrainingListener listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
    return this;
  }

  /** The model in training form (its gradients are those of the last {@link #lossAndGradients}). */
  public ScalarHeadModel net() {
    return net;
  }

  /**
   * The mean Bradley–Terry loss of the given pairs ({@code pairsPerStep} indices into the data),
   * with its gradient ADDED into {@code net().gradients()} (zero them first).
   */
  public double lossAndGradients(int[] pairIndices) {
    int pairs = config.pairsPerStep();
    if (pairIndices.length != pairs) {
      throw new IllegalArgumentException("expected pairsPerStep = " + pairs + " pair indices, got "
          + pairIndices.length);
    }
    Arrays.fill(ids, 0);
    Arrays.fill(dScores, 0f);
    int[] last = new int[2 * pairs];
    for (int i = 0; i < pairs; i++) {
      last[i] = put(chosen[pairIndices[i]], i);
      last[pairs + i] = put(rejected[pairIndices[i]], pairs + i);
    }
    // ids: (2P, T) -> scores: (2P, T); the reward of a row is its score at the last token
    float[] s = net.forward(ids);
    double loss = 0;
    for (int i = 0; i < pairs; i++) {
      double rc = s[last[i]];
      double rr = s[last[pairs + i]];
      loss += BradleyTerryLoss.loss(rc, rr) / pairs;
      float d = (float) (BradleyTerryLoss.dChosen(rc, rr) / pairs);
      dScores[last[i]] += d;
      dScores[last[pairs + i]] -= d;
    }
    if (Double.isFinite(loss)) {
      net.backward(dScores);
    }
    return loss;
  }

  private int put(TokenizedExample e, int row) {
    System.arraycopy(e.ids(), 0, ids, row * block, e.ids().length);
    return row * block + e.ids().length - 1;
  }

  /**
   * Runs every step: draws pairs, computes the loss and its gradient, clips, and takes an AdamW
   * step.
   *
   * @throws TrainingDivergedException when the loss or gradient norm is not finite
   */
  public TrainingResult run() {
    long total = config.steps();
    long first = step;
    for (TrainingListener l : listeners) {
      l.onStart(first, total);
    }
    float[] losses = new float[(int) (total - first)];
    int[] picked = new int[config.pairsPerStep()];
    long nanos = 0;
    long tokensPerStep = ids.length;
    while (step < total) {
      long t0 = System.nanoTime();
      double lr = config.schedule().learningRate(step);
      for (int i = 0; i < picked.length; i++) {
        picked[i] = (int) rng.nextLong(chosen.length);
      }
      net.zeroGrad();
      double loss = lossAndGradients(picked);
      long stepNo = step + 1;
      if (!Double.isFinite(loss)) {
        throw new TrainingDivergedException(stepNo, "reward model training diverged: loss is " + loss
            + " at step " + stepNo);
      }
      double norm = GradientNorms.scaleAndClip(net.gradients().values(), 1f, config.gradientClip());
      if (!Double.isFinite(norm)) {
        throw new TrainingDivergedException(stepNo, "reward model training diverged: gradient norm is "
            + norm + " at step " + stepNo);
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
   * The share of pairs whose chosen response the model scores strictly higher than the rejected
   * one (held-out pairs give the reward model's accuracy).
   *
   * @throws IllegalArgumentException when {@code pairs} is empty
   */
  public static double pairAccuracy(RewardModel model, List<PreferencePair> pairs) {
    if (pairs.isEmpty()) {
      throw new IllegalArgumentException("no preference pairs to measure accuracy on");
    }
    List<String> prompts = new ArrayList<>();
    List<String> chosen = new ArrayList<>();
    List<String> rejected = new ArrayList<>();
    for (PreferencePair p : pairs) {
      prompts.add(p.prompt());
      chosen.add(p.chosen());
      rejected.add(p.rejected());
    }
    double[] rc = model.rewards(prompts, chosen);
    double[] rr = model.rewards(prompts, rejected);
    int right = 0;
    for (int i = 0; i < rc.length; i++) {
      right += rc[i] > rr[i] ? 1 : 0;
    }
    return (double) right / rc.length;
  }
}
