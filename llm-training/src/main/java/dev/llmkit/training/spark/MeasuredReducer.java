package dev.llmkit.training.spark;

import dev.llmkit.model.weights.ModelWeights;
import dev.llmkit.training.GradientReducer;

/**
 * A {@link GradientReducer} that counts what its reductions cost, for the training report: each
 * {@link #allReduceMean} is timed around the subclass's {@link #reduce}, which reports the bytes it
 * sends through {@link #sent}.
 */
public abstract class MeasuredReducer implements GradientReducer {

  private long steps;
  private long nanos;
  private long firstNanos;
  private long bytesSent;

  /** For subclasses. */
  protected MeasuredReducer() {}

  @Override
  public final float allReduceMean(ModelWeights gradients, float loss) {
    long t0 = System.nanoTime();
    float mean = reduce(gradients, loss);
    long dt = System.nanoTime() - t0;
    if (steps == 0) {
      firstNanos = dt;
    }
    steps++;
    nanos += dt;
    return mean;
  }

  /** What {@link #allReduceMean} does: replace the gradients by their mean, return the mean loss. */
  protected abstract float reduce(ModelWeights gradients, float loss);

  /** Counts {@code bytes} sent by the reduction under way. */
  protected final void sent(long bytes) {
    bytesSent += bytes;
  }

  /** Reductions done so far (one per optimiser step). */
  public final long steps() {
    return steps;
  }

  /** Seconds spent in reductions so far: copying, encoding, sending, waiting for the others. */
  public final double seconds() {
    return nanos / 1e9;
  }

  /** Seconds of the first reduction alone (it may also wait for the slowest replica's start-up). */
  public final double firstSeconds() {
    return firstNanos / 1e9;
  }

  /** Bytes this replica sent in reductions so far. */
  public final long bytesSent() {
    return bytesSent;
  }

  /**
   * Seconds of {@link #seconds()} spent waiting for the other replicas to reach the exchange
   * (their compute taking longer, not the network); NaN when the reducer cannot tell.
   */
  public double waitSeconds() {
    return Double.NaN;
  }

  /** The part of {@link #firstSeconds()} spent waiting for the others; NaN when unknown. */
  public double firstWaitSeconds() {
    return Double.NaN;
  }
}
