package dev.llmkit.training.schedule;

/**
 * Linear warm-up followed by cosine decay to a floor: exactly nanoGPT's {@code get_lr(it)}:
 *
 * <pre>
 *   it &lt; warmup:       maxLr * (it + 1) / (warmup + 1)
 *   it &gt; decaySteps:   minLr
 *   otherwise:         ratio = (it - warmup) / (decaySteps - warmup)
 *                      minLr + 0.5 * (1 + cos(pi * ratio)) * (maxLr - minLr)
 * </pre>
 *
 * @param maxLr peak learning rate, reached at the end of warm-up
 * @param minLr floor of the decay ({@code <= maxLr})
 * @param warmupSteps steps of linear warm-up ({@code >= 0})
 * @param decaySteps step at which the decay reaches {@code minLr} ({@code > warmupSteps}; nanoGPT's
 *     {@code lr_decay_iters}, usually the number of training steps)
 */
public record WarmupCosineSchedule(double maxLr, double minLr, long warmupSteps, long decaySteps)
    implements LearningRateSchedule {

  /** Validates every field, naming the bad one. */
  public WarmupCosineSchedule {
    if (!(maxLr >= 0) || Double.isInfinite(maxLr)) {
      throw new IllegalArgumentException("maxLr must be finite and >= 0, got " + maxLr);
    }
    if (!(minLr >= 0) || minLr > maxLr) {
      throw new IllegalArgumentException("minLr must be in [0, maxLr = " + maxLr + "], got " + minLr);
    }
    if (warmupSteps < 0) {
      throw new IllegalArgumentException("warmupSteps must be >= 0, got " + warmupSteps);
    }
    if (decaySteps <= warmupSteps) {
      throw new IllegalArgumentException(
          "decaySteps must be > warmupSteps = " + warmupSteps + ", got " + decaySteps);
    }
  }

  @Override
  public double learningRate(long step) {
    if (step < warmupSteps) {
      return maxLr * (step + 1) / (warmupSteps + 1);
    }
    if (step > decaySteps) {
      return minLr;
    }
    double ratio = (double) (step - warmupSteps) / (decaySteps - warmupSteps);
    double coeff = 0.5 * (1.0 + Math.cos(Math.PI * ratio));
    return minLr + coeff * (maxLr - minLr);
  }
}
