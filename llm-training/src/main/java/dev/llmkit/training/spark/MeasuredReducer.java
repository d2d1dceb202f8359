package dev.llmkit.training.spark;

import dev.llmkit.training.GradientReducer;

/** A {@link GradientReducer} that counts what its reductions cost, for the training report. */
public interface MeasuredReducer extends GradientReducer {

  /** Reductions done so far (one per optimiser step). */
  long steps();

  /** Seconds spent in reductions so far: copying, encoding, sending, waiting for the others. */
  double seconds();

  /** Seconds of the first reduction alone (it may also wait for the slowest replica's start-up). */
  double firstSeconds();

  /**
   * Seconds of {@link #seconds()} spent waiting for the other replicas to reach the exchange
   * (their compute taking longer, not the network); NaN when the reducer cannot tell.
   */
  default double waitSeconds() {
    return Double.NaN;
  }

  /** The part of {@link #firstSeconds()} spent waiting for the others; NaN when unknown. */
  default double firstWaitSeconds() {
    return Double.NaN;
  }

  /** Bytes this replica sent in reductions so far. */
  long bytesSent();
}
