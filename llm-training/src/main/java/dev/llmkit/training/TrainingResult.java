package dev.llmkit.training;

import java.util.Map;

/**
 * The outcome of {@link Trainer#run()}.
 *
 * @param steps steps completed in total (including those before a resume)
 * @param losses training loss of every step this run executed, in order
 * @param finalEvaluation mean loss per evaluation set after the last step (empty without sets)
 * @param tokensPerSecond training tokens per second of this run, evaluation and checkpoint time
 *     excluded
 * @param trainingSeconds seconds spent in training steps
 */
public record TrainingResult(
    long steps,
    float[] losses,
    Map<String, Float> finalEvaluation,
    double tokensPerSecond,
    double trainingSeconds) {

  /** The training loss of the last step executed, or NaN when none ran. */
  public float lastLoss() {
    return losses.length == 0 ? Float.NaN : losses[losses.length - 1];
  }
}
