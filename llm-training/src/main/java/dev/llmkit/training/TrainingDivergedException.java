package dev.llmkit.training;

/**
 * Thrown when a loss or gradient norm becomes NaN or infinite: training stops at once, before the
 * optimiser step and before any checkpoint of the diverged state, so the last good checkpoint stays
 * intact.
 */
public final class TrainingDivergedException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final long step;

  /**
   * @param step the 1-based step whose loss or gradient was not finite
   * @param message what happened, naming the step and the last good checkpoint
   */
  public TrainingDivergedException(long step, String message) {
    super(message);
    this.step = step;
  }

  /** The 1-based step whose loss or gradient was not finite. */
  public long step() {
    return step;
  }
}
