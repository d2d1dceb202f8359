package dev.llmkit.training.schedule;

/**
 * A constant learning rate.
 *
 * @param lr the learning rate of every step, finite and {@code >= 0}
 */
public record ConstantSchedule(double lr) implements LearningRateSchedule {

  /** Validates the rate. */
  public ConstantSchedule {
    if (!(lr >= 0) || Double.isInfinite(lr)) {
      throw new IllegalArgumentException("learning rate must be finite and >= 0, got " + lr);
    }
  }

  @Override
  public double learningRate(long step) {
    return lr;
  }
}
