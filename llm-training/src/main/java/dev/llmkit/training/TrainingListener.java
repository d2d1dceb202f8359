package dev.llmkit.training;

import java.nio.file.Path;

/**
 * Receives progress of a {@link Trainer} run (the CLI renders it as a progress bar). Every method has
 * an empty default; listeners run on the training thread and should return quickly.
 */
public interface TrainingListener {

  /**
   * The run starts.
   *
   * @param startStep steps already completed (non-zero when resuming)
   * @param totalSteps steps of the whole run
   */
  default void onStart(long startStep, long totalSteps) {}

  /** An optimiser step completed. */
  default void onStep(StepEvent event) {}

  /**
   * One evaluation batch completed.
   *
   * @param set the evaluation set's name (e.g. {@code val})
   * @param batch batches of this set done so far, 1-based
   * @param batches batches per set in each evaluation
   */
  default void onEvaluationBatch(String set, int batch, int batches) {}

  /** An evaluation completed. */
  default void onEvaluation(EvaluationEvent event) {}

  /** A checkpoint was written to {@code dir} after {@code step} steps. */
  default void onCheckpoint(long step, Path dir) {}

  /** The run finished. */
  default void onFinish(TrainingResult result) {}
}
