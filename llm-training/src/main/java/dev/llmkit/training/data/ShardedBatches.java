package dev.llmkit.training.data;

import java.util.Objects;

/**
 * One data-parallel replica's share of a global batch: every replica draws the same global batch of
 * {@code worldSize * batch} rows from its own copy of the global source (same seed) and keeps rows
 * {@code [rank * batch, (rank + 1) * batch)}. So N replicas with batch b see, step for step, exactly
 * the rows one trainer with batch N*b sees, in the same order, and every replica's generator state is
 * the same: a checkpoint written by rank 0 resumes all of them.
 *
 * <p>Drawing a row is copying {@code block + 1} ids; the forward and backward over a row cost
 * thousands of times more, so drawing the rows of the other replicas costs nothing measurable.
 */
public final class ShardedBatches implements BatchSource {

  private final BatchSource global;
  private final int rank;
  private final int worldSize;
  private final int batch;
  private final int[] globalInputs;
  private final int[] globalTargets;

  /**
   * The share of {@code rank} of the batches of {@code global}.
   *
   * @param global the global batch source; its batch must be a multiple of {@code worldSize}
   * @throws IllegalArgumentException when rank, world size or batch do not fit together
   */
  public ShardedBatches(BatchSource global, int rank, int worldSize) {
    this.global = Objects.requireNonNull(global, "global");
    if (worldSize < 1) {
      throw new IllegalArgumentException("worldSize must be >= 1, got " + worldSize);
    }
    if (rank < 0 || rank >= worldSize) {
      throw new IllegalArgumentException("rank must be in [0, " + worldSize + "), got " + rank);
    }
    if (global.batch() % worldSize != 0) {
      throw new IllegalArgumentException("the global batch of " + global.batch()
          + " rows does not split evenly into " + worldSize + " replicas");
    }
    this.rank = rank;
    this.worldSize = worldSize;
    this.batch = global.batch() / worldSize;
    this.globalInputs = new int[global.batch() * global.block()];
    this.globalTargets = new int[globalInputs.length];
  }

  /** This replica's rank. */
  public int rank() {
    return rank;
  }

  /** Number of replicas. */
  public int worldSize() {
    return worldSize;
  }

  @Override
  public int batch() {
    return batch;
  }

  @Override
  public int block() {
    return global.block();
  }

  @Override
  public void next(int[] inputs, int[] targets) {
    int n = batch * global.block();
    if (inputs.length != n || targets.length != n) {
      throw new IllegalArgumentException("inputs/targets must hold batch * block = " + n
          + " ids, got " + inputs.length + "/" + targets.length);
    }
    global.next(globalInputs, globalTargets);
    System.arraycopy(globalInputs, rank * n, inputs, 0, n);
    System.arraycopy(globalTargets, rank * n, targets, 0, n);
  }

  @Override
  public long rngState() {
    return global.rngState();
  }

  @Override
  public void setRngState(long state) {
    global.setRngState(state);
  }
}
