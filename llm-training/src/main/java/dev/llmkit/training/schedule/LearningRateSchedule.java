package dev.llmkit.training.schedule;

/** The learning rate of every optimiser step. */
@FunctionalInterface
public interface LearningRateSchedule {

  /**
   * The learning rate of step {@code step}.
   *
   * @param step the step index, counted from 0
   * @return a finite learning rate {@code >= 0}
   */
  double learningRate(long step);

  /** The same learning rate at every step. */
  static LearningRateSchedule constant(double lr) {
    return new ConstantSchedule(lr);
  }

  /** Linear warm-up then cosine decay to a floor, exactly nanoGPT's {@code get_lr}. */
  static LearningRateSchedule warmupCosine(
      double maxLr, double minLr, long warmupSteps, long decaySteps) {
    return new WarmupCosineSchedule(maxLr, minLr, warmupSteps, decaySteps);
  }
}
