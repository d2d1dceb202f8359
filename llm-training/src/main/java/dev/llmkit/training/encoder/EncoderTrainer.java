package dev.llmkit.training.encoder;

import dev.llmkit.model.bert.BertTraining;
import dev.llmkit.model.bert.BertWeights;
import dev.llmkit.sampling.Logits;
import dev.llmkit.tensor.Tensor;
import dev.llmkit.training.GradientNorms;
import dev.llmkit.training.loss.CrossEntropyLoss;
import dev.llmkit.training.optim.AdamW;
import dev.llmkit.training.optim.AdamWConfig;
import dev.llmkit.training.schedule.WarmupCosineSchedule;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Trains a BERT model ({@link BertTraining}) with AdamW (warm-up and cosine schedule, global-norm
 * clipping):
 *
 * <ul>
 *   <li>{@link #trainMlm}: masked-LM pretraining. Each step draws B sequences, pads them to the
 *       longest sequence of the data, masks them afresh ({@link MlmMasking}: dynamic masking, seeded)
 *       and takes the cross-entropy at the masked positions only.
 *   <li>{@link #trainClassifier}: fine-tuning a sequence classifier (cross-entropy over the labels
 *       of the pooled [CLS]), with the encoder frozen (only the pooler and the classifier learn) or
 *       the whole model.
 * </ul>
 *
 * <p>Sequences are given as token ids with their special tokens ({@code [CLS] ... [SEP]}) in place.
 * Reports through a listener; never prints.
 */
public final class EncoderTrainer {

  /** Progress of the training. */
  @FunctionalInterface
  public interface Listener {
    /** After step {@code step} (1-based) of {@code iters}, with the batch's loss. */
    void onStep(int step, int iters, float loss);
  }

  /**
   * The outcome.
   *
   * @param tokensPerSecond input tokens (not padding) trained per second
   * @param finalEvaluation mean loss per split ("train", "val" when there is validation data) and,
   *     for a classifier, "train_accuracy" and "val_accuracy"
   * @param losses the loss of every step
   */
  public record Result(double tokensPerSecond, Map<String, Double> finalEvaluation, float[] losses) {}

  private final BertWeights weights;
  private final EncoderTrainingConfig config;

  /** A trainer of these weights (updated in place). */
  public EncoderTrainer(BertWeights weights, EncoderTrainingConfig config) {
    this.weights = Objects.requireNonNull(weights, "weights");
    this.config = Objects.requireNonNull(config, "config");
  }

  /**
   * Masked-LM pretraining.
   *
   * @param sequences training sequences (ids, special tokens included)
   * @param validation validation sequences, or an empty list
   * @param masking the masking rule (its special ids are never masked)
   * @param listener progress, or null
   * @throws IllegalArgumentException when a sequence is empty, too long for the position table, or
   *     has no token that may be masked (naming it)
   * @throws IllegalStateException when the model has no masked-LM head
   */
  public Result trainMlm(List<int[]> sequences, List<int[]> validation, MlmMasking masking,
      Listener listener) {
    Objects.requireNonNull(masking, "masking");
    if (weights.mlm() == null) {
      throw new IllegalStateException("EncoderTrainer.trainMlm: the model has no masked-LM head");
    }
    int block = Math.max(longest(sequences, "sequence"), longest(validation, "validation sequence"));
    checkMaskable(sequences, masking, "sequence");
    checkMaskable(validation, masking, "validation sequence");
    int b = config.batch();
    BertWeights grads = weights.zerosLike();
    BertTraining training = new BertTraining(weights, grads, b, block);
    Optimiser opt = new Optimiser(weights.named(), grads.named());
    SplittableRandom rng = new SplittableRandom(config.seed());
    Batch batch = new Batch(b, block);
    Losses losses = new Losses(weights.config().vocabSize());
    float[] curve = new float[config.iters()];
    long tokens = 0;
    long t0 = System.nanoTime();
    for (int step = 0; step < config.iters(); step++) {
      batch.fill(sequences, null, rng);
      MlmMasking.Masked m = masking.apply(batch.ids, batch.lengths, block, rng);
      Tensor logits = training.mlmForward(m.input(), null, batch.lengths, m.positions());
      CrossEntropyLoss loss = losses.of(m.positions().length);
      float l = loss.forward(logits, targets(m));
      tokens += batch.tokens();
      opt.zero();
      training.mlmBackward(loss.backward(logits));
      opt.step(step);
      curve[step] = l;
      if (listener != null) {
        listener.onStep(step + 1, config.iters(), l);
      }
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    Map<String, Double> eval = new LinkedHashMap<>();
    eval.put("train", evaluateMlm(training, masking, batch, losses, sequences, config.seed() + 1));
    if (!validation.isEmpty()) {
      eval.put("val", evaluateMlm(training, masking, batch, losses, validation, config.seed() + 2));
    }
    return new Result(tokens / seconds, eval, curve);
  }

  private static int[] targets(MlmMasking.Masked m) {
    int[] t = new int[m.positions().length];
    for (int i = 0; i < t.length; i++) {
      t[i] = m.labels()[m.positions()[i]];
    }
    return t;
  }

  private double evaluateMlm(BertTraining training, MlmMasking masking, Batch batch, Losses losses,
      List<int[]> data, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    double sum = 0;
    for (int i = 0; i < config.evalIters(); i++) {
      batch.fill(data, null, rng);
      MlmMasking.Masked m = masking.apply(batch.ids, batch.lengths, batch.block, rng);
      Tensor logits = training.mlmForward(m.input(), null, batch.lengths, m.positions());
      sum += losses.of(m.positions().length).forward(logits, targets(m));
    }
    return sum / config.evalIters();
  }

  /**
   * Fine-tunes the sequence classifier.
   *
   * @param sequences training sequences (ids, [CLS] first)
   * @param labels the class of each, 0..K-1
   * @param validation validation sequences, or an empty list
   * @param validationLabels their classes
   * @param freezeEncoder true to train only the pooler and the classifier
   * @param listener progress, or null
   * @throws IllegalArgumentException when the lists disagree in length, a label is outside the
   *     classifier's classes, or a sequence is empty or too long
   * @throws IllegalStateException when the model has no pooler or classifier
   */
  public Result trainClassifier(List<int[]> sequences, int[] labels, List<int[]> validation,
      int[] validationLabels, boolean freezeEncoder, Listener listener) {
    if (weights.classifier() == null || weights.pooler() == null) {
      throw new IllegalStateException("EncoderTrainer.trainClassifier: the model needs a pooler and a "
          + "classifier (BertInit.withClassifier)");
    }
    int k = weights.classifier().weight().dim(0);
    checkLabels(sequences, labels, k, "training");
    checkLabels(validation, validationLabels, k, "validation");
    int block = Math.max(longest(sequences, "sequence"), longest(validation, "validation sequence"));
    int b = config.batch();
    BertWeights grads = weights.zerosLike();
    BertTraining training = new BertTraining(weights, grads, b, block);
    Map<String, Tensor> params = new LinkedHashMap<>(weights.named());
    Map<String, Tensor> gradients = new LinkedHashMap<>(grads.named());
    if (freezeEncoder) {
      params.keySet().removeIf(n -> !isHead(n));
      gradients.keySet().removeIf(n -> !isHead(n));
    }
    Optimiser opt = new Optimiser(params, gradients);
    SplittableRandom rng = new SplittableRandom(config.seed());
    Batch batch = new Batch(b, block);
    CrossEntropyLoss loss = new CrossEntropyLoss(b, k);
    float[] curve = new float[config.iters()];
    long tokens = 0;
    long t0 = System.nanoTime();
    for (int step = 0; step < config.iters(); step++) {
      batch.fill(sequences, labels, rng);
      Tensor logits = training.classifyForward(batch.ids, null, batch.lengths);
      float l = loss.forward(logits, batch.labels);
      tokens += batch.tokens();
      opt.zero();
      training.classifyBackward(loss.backward(logits), !freezeEncoder);
      opt.step(step);
      curve[step] = l;
      if (listener != null) {
        listener.onStep(step + 1, config.iters(), l);
      }
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    Map<String, Double> eval = new LinkedHashMap<>();
    double[] train = evaluateClassifier(training, loss, sequences, labels);
    eval.put("train", train[0]);
    double[] val = validation.isEmpty() ? null
        : evaluateClassifier(training, loss, validation, validationLabels);
    if (val != null) {
      eval.put("val", val[0]);
    }
    eval.put("train_accuracy", train[1]);
    if (val != null) {
      eval.put("val_accuracy", val[1]);
    }
    return new Result(tokens / seconds, eval, curve);
  }

  private static boolean isHead(String name) {
    return name.startsWith("classifier.") || name.contains("pooler.");
  }

  /** Mean loss and accuracy over every sequence of the data (the last batch padded by repeats). */
  private double[] evaluateClassifier(BertTraining training, CrossEntropyLoss loss, List<int[]> data,
      int[] labels) {
    Batch batch = new Batch(training.batch(), training.block());
    double sum = 0;
    int correct = 0;
    for (int from = 0; from < data.size(); from += batch.b) {
      int n = Math.min(batch.b, data.size() - from);
      batch.fillRange(data, labels, from, n);
      Tensor logits = training.classifyForward(batch.ids, null, batch.lengths);
      loss.forward(logits, batch.labels);
      float[] lp = loss.targetLogProbs();
      for (int i = 0; i < n; i++) {
        sum -= lp[i];
        if (Logits.argmax(logits.row(i).toArray()) == batch.labels[i]) {
          correct++;
        }
      }
    }
    return new double[] {sum / data.size(), (double) correct / data.size()};
  }

  private static void checkLabels(List<int[]> seqs, int[] labels, int k, String what) {
    if (labels == null || labels.length != seqs.size()) {
      throw new IllegalArgumentException("EncoderTrainer: " + seqs.size() + " " + what + " sequences and "
          + (labels == null ? 0 : labels.length) + " labels; expected one label per sequence");
    }
    for (int i = 0; i < labels.length; i++) {
      if (labels[i] < 0 || labels[i] >= k) {
        throw new IllegalArgumentException("EncoderTrainer: " + what + " label " + labels[i] + " of sequence "
            + i + " is outside the classifier's classes 0.." + (k - 1));
      }
    }
  }

  private void checkMaskable(List<int[]> seqs, MlmMasking masking, String what) {
    for (int i = 0; i < seqs.size(); i++) {
      boolean any = false;
      for (int id : seqs.get(i)) {
        any |= !masking.isSpecial(id);
      }
      if (!any) {
        throw new IllegalArgumentException("EncoderTrainer: " + what + " " + i
            + " has no token that may be masked (only special tokens)");
      }
    }
  }

  private int longest(List<int[]> seqs, String what) {
    int max = 1;
    int limit = weights.config().maxPositions();
    for (int i = 0; i < seqs.size(); i++) {
      int n = seqs.get(i).length;
      if (n == 0 || n > limit) {
        throw new IllegalArgumentException("EncoderTrainer: " + what + " " + i + " has " + n
            + " tokens; expected 1.." + limit + " (max_position_embeddings)");
      }
      max = Math.max(max, n);
    }
    if (what.equals("sequence") && seqs.isEmpty()) {
      throw new IllegalArgumentException("EncoderTrainer: no training sequences");
    }
    return max;
  }

  /** One loss per row count (the masked positions of a batch vary in number). */
  private static final class Losses {
    private final int vocab;
    private CrossEntropyLoss last;
    private int lastRows;

    Losses(int vocab) {
      this.vocab = vocab;
    }

    CrossEntropyLoss of(int rows) {
      if (last == null || lastRows != rows) {
        last = new CrossEntropyLoss(rows, vocab);
        lastRows = rows;
      }
      return last;
    }
  }

  /** AdamW over named parameters, the schedule and clipping. */
  private final class Optimiser {
    private final AdamW adam;
    private final Map<String, Tensor> grads;
    private final WarmupCosineSchedule schedule;
    private final List<Tensor> all;

    Optimiser(Map<String, Tensor> params, Map<String, Tensor> grads) {
      this.adam = new AdamW(params, grads,
          new AdamWConfig(0.9f, config.beta2(), 1e-8f, config.weightDecay()));
      this.grads = grads;
      this.schedule = new WarmupCosineSchedule(config.lr(), config.minLr(), config.warmup(),
          Math.max(config.iters(), config.warmup() + 1));
      this.all = List.copyOf(grads.values());
    }

    void zero() {
      // every gradient, also a frozen encoder's (its backward is not run, so they stay 0)
      for (Tensor g : grads.values()) {
        g.fill(0f);
      }
    }

    void step(int step) {
      GradientNorms.scaleAndClip(all, 1f, config.gradClip());
      adam.step((float) schedule.learningRate(step));
    }
  }

  /** A padded batch: ids (B*T), lengths (B), labels (B). */
  private final class Batch {
    final int b;
    final int block;
    final int[] ids;
    final int[] lengths;
    final int[] labels;

    Batch(int b, int block) {
      this.b = b;
      this.block = block;
      this.ids = new int[b * block];
      this.lengths = new int[b];
      this.labels = new int[b];
    }

    void fill(List<int[]> data, int[] classes, SplittableRandom rng) {
      for (int i = 0; i < b; i++) {
        put(i, data, classes, rng.nextInt(data.size()));
      }
    }

    /** Sequences from..from+n-1; the remaining rows repeat the first. */
    void fillRange(List<int[]> data, int[] classes, int from, int n) {
      for (int i = 0; i < b; i++) {
        put(i, data, classes, from + (i < n ? i : 0));
      }
    }

    private void put(int i, List<int[]> data, int[] classes, int k) {
      int[] s = data.get(k);
      Arrays.fill(ids, i * block, (i + 1) * block, Math.max(0, weights.config().padTokenId()));
      System.arraycopy(s, 0, ids, i * block, s.length);
      lengths[i] = s.length;
      labels[i] = classes == null ? -1 : classes[k];
    }

    long tokens() {
      long n = 0;
      for (int l : lengths) {
        n += l;
      }
      return n;
    }
  }
}
