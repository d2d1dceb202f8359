package dev.llmkit.training.spark;

import java.util.List;
import java.util.Map;

/**
 * The outcome of {@link SparkTrainer#fit}: every replica's report, rank 0 first.
 *
 * @param replicas one report per replica, by rank
 */
public record SparkTrainingResult(List<WorkerResult> replicas) {

  /** Copies the list. */
  public SparkTrainingResult {
    replicas = List.copyOf(replicas);
    if (replicas.isEmpty()) {
      throw new IllegalArgumentException("no replica reported");
    }
  }

  /** Rank 0's report. */
  public WorkerResult leader() {
    return replicas.get(0);
  }

  /** Steps completed. */
  public long steps() {
    return leader().steps();
  }

  /** Mean loss over the replicas of every step the final attempt ran. */
  public float[] losses() {
    return leader().losses();
  }

  /** Loss of the last step, NaN when the final attempt ran none. */
  public float lastLoss() {
    float[] l = losses();
    return l.length == 0 ? Float.NaN : l[l.length - 1];
  }

  /** Mean loss per evaluation set after the last step. */
  public Map<String, Float> finalEvaluation() {
    return leader().finalEvaluation();
  }

  /** Training tokens per second of all replicas together. */
  public double tokensPerSecond() {
    return replicas.stream().mapToDouble(WorkerResult::tokensPerSecond).sum();
  }

  /**
   * Seconds per optimiser step in gradient reduction (encoding, all-gather, waiting for the other
   * replicas, decoding), the largest over the replicas; the first step, which also waits for every
   * replica's start-up, is left out when there are more.
   */
  public double commSecondsPerStep() {
    return replicas.stream()
        .mapToDouble(r -> r.commSteps() == 0 ? 0
            : r.commSteps() == 1 ? r.commSeconds()
            : (r.commSeconds() - r.firstCommSeconds()) / (r.commSteps() - 1))
        .max().orElse(0);
  }

  /**
   * Seconds per optimiser step that the gradient exchange spent waiting for the other replicas to
   * finish their compute, the largest over the replicas, first step left out as in
   * {@link #commSecondsPerStep()}; NaN when the exchange cannot tell (all-gather). The rest of the
   * communication time is the transfer itself.
   */
  public double commWaitSecondsPerStep() {
    return replicas.stream()
        .mapToDouble(r -> r.commSteps() == 0 ? 0
            : r.commSteps() == 1 ? r.commWaitSeconds()
            : (r.commWaitSeconds() - r.firstCommWaitSeconds()) / (r.commSteps() - 1))
        .max().orElse(0);
  }

  /** Bytes one replica sent per optimiser step. */
  public double bytesSentPerStep() {
    WorkerResult r = leader();
    return r.commSteps() == 0 ? 0 : (double) r.bytesSent() / r.commSteps();
  }

  /** Whether every replica ended with bit-for-bit the same parameters. */
  public boolean replicasIdentical() {
    long d = leader().parameterDigest();
    return replicas.stream().allMatch(r -> r.parameterDigest() == d);
  }

  /** The stage attempt that finished (0 when nothing failed). */
  public int attempt() {
    return leader().attempt();
  }
}
