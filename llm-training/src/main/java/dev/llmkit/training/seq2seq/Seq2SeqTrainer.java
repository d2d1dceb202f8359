package dev.llmkit.training.seq2seq;

import dev.llmkit.model.t5.T5Config;
import dev.llmkit.model.t5.T5Training;
import dev.llmkit.model.t5.T5Weights;
import dev.llmkit.tensor.Tensor;
import dev.llmkit.training.loss.CrossEntropyLoss;
import dev.llmkit.training.optim.AdamW;
import dev.llmkit.training.optim.AdamWConfig;
import dev.llmkit.training.schedule.WarmupCosineSchedule;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Sequence-to-sequence training of a T5 model by teacher forcing: each step draws a batch of
 * (source, target) pairs, feeds the decoder {@code [decoder_start] + target[:-1]}, takes the
 * cross-entropy of the target (padding ignored), backpropagates through {@link T5Training} and
 * updates with AdamW (warm-up and cosine schedule, global-norm clipping). Sources are padded to the
 * longest source of the data, targets to the longest target. Reports through a listener; never prints.
 */
public final class Seq2SeqTrainer {

  /** Progress of the training. */
  @FunctionalInterface
  public interface Listener {
    /** After step {@code step} (1-based) of {@code iters}, with the batch's mean loss. */
    void onStep(int step, int iters, float loss);
  }

  /**
   * The outcome.
   *
   * @param tokensPerSecond target tokens (non-padding) trained per second
   * @param finalEvaluation mean loss per split ("train", and "val" when there is validation data)
   * @param losses the loss of every step
   */
  public record Result(double tokensPerSecond, Map<String, Double> finalEvaluation, float[] losses) {}

  private final T5Weights weights;
  private final Seq2SeqConfig config;
  private final int pad;
  private final int start;

  /** A trainer of these weights (updated in place). */
  public Seq2SeqTrainer(T5Weights weights, Seq2SeqConfig config) {
    this.weights = Objects.requireNonNull(weights, "weights");
    this.config = Objects.requireNonNull(config, "config");
    T5Config c = weights.config();
    this.pad = Math.max(c.padTokenId(), 0);
    this.start = c.decoderStartTokenId();
  }

  /**
   * Trains.
   *
   * @param sources training sources (ids, EOS included)
   * @param targets their targets (ids, EOS included)
   * @param valSources validation sources, or an empty list
   * @param valTargets validation targets
   * @throws IllegalArgumentException when the lists differ in length, a sequence is empty, or one is
   *     longer than the model's context length (naming it)
   */
  public Result train(List<int[]> sources, List<int[]> targets, List<int[]> valSources,
      List<int[]> valTargets, Listener listener) {
    if (sources.size() != targets.size() || valSources.size() != valTargets.size() || sources.isEmpty()) {
      throw new IllegalArgumentException("Seq2SeqTrainer: " + sources.size() + " sources and "
          + targets.size() + " targets (validation " + valSources.size() + " and " + valTargets.size()
          + "); expected equal, non-empty training lists");
    }
    int s = Math.max(longest(sources, "source"), valSources.isEmpty() ? 1 : longest(valSources, "source"));
    int t = Math.max(longest(targets, "target"), valTargets.isEmpty() ? 1 : longest(valTargets, "target"));
    int b = config.batch();
    T5Weights grads = weights.zerosLike();
    T5Training training = new T5Training(weights, grads, b, s, t);
    CrossEntropyLoss loss = new CrossEntropyLoss(b * t, weights.config().vocabSize());
    AdamW adam = new AdamW(weights.named(), grads.named(),
        new AdamWConfig(0.9f, config.beta2(), 1e-8f, config.weightDecay()));
    WarmupCosineSchedule schedule =
        new WarmupCosineSchedule(config.lr(), config.minLr(), config.warmup(), config.iters());
    SplittableRandom rng = new SplittableRandom(config.seed());
    Batch batch = new Batch(b, s, t);
    float[] losses = new float[config.iters()];
    long tokens = 0;
    long t0 = System.nanoTime();
    for (int step = 0; step < config.iters(); step++) {
      batch.fill(sources, targets, rng);
      Tensor logits = training.forward(batch.source, batch.lengths, batch.decoderIn);
      float l = loss.forward(logits, batch.labels);
      tokens += loss.count();
      for (Tensor g : grads.named().values()) {
        g.fill(0f);
      }
      training.backward(loss.backward(logits));
      clip(grads);
      adam.step((float) schedule.learningRate(step));
      losses[step] = l;
      if (listener != null) {
        listener.onStep(step + 1, config.iters(), l);
      }
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    Map<String, Double> eval = new LinkedHashMap<>();
    eval.put("train", evaluate(training, loss, batch, sources, targets, new SplittableRandom(config.seed() + 1)));
    if (!valSources.isEmpty()) {
      eval.put("val", evaluate(training, loss, batch, valSources, valTargets, new SplittableRandom(config.seed() + 2)));
    }
    return new Result(tokens / seconds, eval, losses);
  }

  private double evaluate(T5Training training, CrossEntropyLoss loss, Batch batch, List<int[]> src,
      List<int[]> tgt, SplittableRandom rng) {
    double sum = 0;
    for (int i = 0; i < config.evalIters(); i++) {
      batch.fill(src, tgt, rng);
      sum += loss.forward(training.forward(batch.source, batch.lengths, batch.decoderIn), batch.labels);
    }
    return sum / config.evalIters();
  }

  private void clip(T5Weights grads) {
    if (config.gradClip() <= 0) {
      return;
    }
    double sq = 0;
    for (Tensor g : grads.named().values()) {
      FloatBuffer fb = g.buffer();
      for (int i = 0, n = g.length(); i < n; i++) {
        float x = fb.get(i);
        sq += (double) x * x;
      }
    }
    double norm = Math.sqrt(sq);
    if (norm > config.gradClip()) {
      float scale = (float) (config.gradClip() / norm);
      for (Tensor g : grads.named().values()) {
        FloatBuffer fb = g.buffer();
        for (int i = 0, n = g.length(); i < n; i++) {
          fb.put(i, fb.get(i) * scale);
        }
      }
    }
  }

  private int longest(List<int[]> seqs, String what) {
    int max = 0;
    int limit = weights.config().contextLength();
    for (int i = 0; i < seqs.size(); i++) {
      int n = seqs.get(i).length;
      if (n == 0 || n > limit) {
        throw new IllegalArgumentException("Seq2SeqTrainer: " + what + " " + i + " has " + n
            + " tokens; expected 1.." + limit + " (the model's context length)");
      }
      max = Math.max(max, n);
    }
    return max;
  }

  /** One padded batch: source (B*S), lengths (B), decoder input (B*T), labels (B*T, -1 = ignore). */
  private final class Batch {
    final int b;
    final int s;
    final int t;
    final int[] source;
    final int[] lengths;
    final int[] decoderIn;
    final int[] labels;

    Batch(int b, int s, int t) {
      this.b = b;
      this.s = s;
      this.t = t;
      source = new int[b * s];
      lengths = new int[b];
      decoderIn = new int[b * t];
      labels = new int[b * t];
    }

    void fill(List<int[]> src, List<int[]> tgt, SplittableRandom rng) {
      Arrays.fill(source, pad);
      Arrays.fill(decoderIn, pad);
      Arrays.fill(labels, -1);
      for (int i = 0; i < b; i++) {
        int k = rng.nextInt(src.size());
        int[] x = src.get(k);
        int[] y = tgt.get(k);
        System.arraycopy(x, 0, source, i * s, x.length);
        lengths[i] = x.length;
        decoderIn[i * t] = start;
        System.arraycopy(y, 0, decoderIn, i * t + 1, y.length - 1);
        System.arraycopy(y, 0, labels, i * t, y.length);
      }
    }
  }
}
