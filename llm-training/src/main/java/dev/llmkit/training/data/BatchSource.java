package dev.llmkit.training.data;

/**
 * Produces training batches: {@code batch} rows of {@code block} input ids and the ids each position
 * must predict. A negative target marks a position whose loss does not count (the prompt of a
 * supervised fine-tuning example, padding).
 *
 * <p>All randomness comes from a generator whose state is one {@code long}, so a checkpoint can save
 * it and resuming continues with exactly the batches the uninterrupted run would have drawn.
 */
public interface BatchSource {

  /** Rows per batch. */
  int batch();

  /** Positions per row. */
  int block();

  /**
   * Fills the next batch.
   *
   * @param inputs {@code batch * block} ids, row-major (b, t)
   * @param targets {@code batch * block} ids to predict; negative where ignored
   */
  void next(int[] inputs, int[] targets);

  /** The state of the random generator (see {@link SplitMix64#state()}). */
  long rngState();

  /** Restores a state returned by {@link #rngState()}. */
  void setRngState(long state);
}
