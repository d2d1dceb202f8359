package dev.llmkit.training.loss;

import dev.llmkit.tensor.kernel.Parallel;
import dev.llmkit.tensor.Softmax;
import dev.llmkit.tensor.Tensor;
import java.nio.FloatBuffer;

/**
 * Next-token cross-entropy over a fixed number of rows (teacher forcing): for row i with target
 * {@code t_i}, {@code log p_i = logits[i, t_i] - logsumexp(logits[i, :])} (max subtracted), and the loss
 * is {@code -mean(log p_i)} over the rows whose target is not negative (a negative target masks its
 * row out, e.g. prompt tokens in supervised fine-tuning).
 *
 * <p>Besides the mean it keeps every row's {@code log p(target)}, and its backward takes any weights
 * on them (the mean loss is weights {@code -1/count}; DPO uses others). The (rows, V) gradient buffer
 * is allocated once and reused.
 */
public final class CrossEntropyLoss {

  private final int rows;
  private final int vocab;
  private final Tensor work;
  private final float[] targetLogProbs;
  private final float[] meanWeights;
  private final int[] targets;
  private int count;
  private boolean forwardDone;

  /**
   * @param rows rows of every forward (batch * block)
   * @param vocab vocabulary size V
   */
  public CrossEntropyLoss(int rows, int vocab) {
    if (rows <= 0 || vocab <= 0) {
      throw new IllegalArgumentException(
          "CrossEntropyLoss: rows and vocab must be > 0, got " + rows + " and " + vocab);
    }
    this.rows = rows;
    this.vocab = vocab;
    this.work = Tensor.zeros(rows, vocab);
    this.targetLogProbs = new float[rows];
    this.meanWeights = new float[rows];
    this.targets = new int[rows];
  }

  /**
   * Computes every row's log-probability of its target and returns the mean cross-entropy over the
   * rows whose target is not negative (0 when every row is masked out).
   *
   * @param logits (rows, V)
   * @param targets rows ids in [0, V), or negative to ignore the row; copied for backward
   * @throws IllegalArgumentException when a target is V or larger, or the shapes do not match
   */
  public float forward(Tensor logits, int[] targets) {
    // logits: (N, V), targets: (N) -> scalar; log p(target): (N)
    checkShape(logits);
    if (targets.length != rows) {
      throw new IllegalArgumentException(
          "CrossEntropyLoss: " + targets.length + " targets, expected " + rows);
    }
    int n = 0;
    for (int i = 0; i < rows; i++) {
      int t = targets[i];
      if (t >= vocab) {
        throw new IllegalArgumentException(
            "CrossEntropyLoss: target " + t + " at row " + i + " is outside the vocabulary of "
                + vocab);
      }
      if (t >= 0) {
        n++;
      }
    }
    forwardDone = false;
    System.arraycopy(targets, 0, this.targets, 0, rows);
    this.count = n;
    Softmax.logSoftmax(logits, work);
    FloatBuffer lp = work.buffer();
    double sum = 0;
    for (int i = 0; i < rows; i++) {
      int t = targets[i];
      float v = t < 0 ? 0f : lp.get(i * vocab + t);
      targetLogProbs[i] = v;
      sum += v;
    }
    forwardDone = true;
    return n == 0 ? 0f : (float) (-sum / n);
  }

  /** Number of rows counted by the last forward (targets not negative). */
  public int count() {
    return count;
  }

  /** Per-row {@code log p(target)} of the last forward; 0 for ignored rows. Reused buffer. */
  public float[] targetLogProbs() {
    return targetLogProbs;
  }

  /**
   * Gradient of the mean cross-entropy of the last forward with respect to the logits.
   *
   * @param logits the logits given to the last forward, unchanged
   * @return (rows, V) gradient, written into a reused buffer
   */
  public Tensor backward(Tensor logits) {
    float w = count == 0 ? 0f : -1f / count;
    for (int i = 0; i < rows; i++) {
      meanWeights[i] = w;
    }
    return backward(logits, meanWeights);
  }

  /**
   * Gradient of {@code L = Σ_i weights[i] * log p_i} (ignored rows contribute nothing) with respect to
   * the logits: {@code dlogits[i, j] = weights[i] * ([j == t_i] - softmax(logits[i])[j])}.
   *
   * @param logits the logits given to the last forward, unchanged
   * @param weights (rows) dL/d(log p_i)
   * @return (rows, V) gradient, written into a reused buffer
   */
  public Tensor backward(Tensor logits, float[] weights) {
    // logits: (N, V), weights: (N) -> dlogits: (N, V)
    if (!forwardDone) {
      throw new IllegalStateException("CrossEntropyLoss.backward called before forward");
    }
    checkShape(logits);
    if (weights.length != rows) {
      throw new IllegalArgumentException(
          "CrossEntropyLoss: " + weights.length + " weights, expected " + rows);
    }
    Softmax.softmax(logits, work);
    FloatBuffer g = work.buffer();
    int[] tg = targets;
    int v = vocab;
    Parallel.forRange(rows, v, (from, to) -> {
      for (int i = from; i < to; i++) {
        int base = i * v;
        int t = tg[i];
        float w = t < 0 ? 0f : weights[i];
        if (w == 0f) {
          for (int j = 0; j < v; j++) {
            g.put(base + j, 0f);
          }
          continue;
        }
        for (int j = 0; j < v; j++) {
          g.put(base + j, -w * g.get(base + j));
        }
        g.put(base + t, g.get(base + t) + w);
      }
    });
    return work;
  }

  private void checkShape(Tensor logits) {
    if (logits.rank() != 2 || logits.dim(0) != rows || logits.dim(1) != vocab) {
      throw new IllegalArgumentException(
          "CrossEntropyLoss: logits have shape " + logits.shapeString() + ", expected [" + rows
              + ", " + vocab + "]");
    }
  }
}
