package dev.llmkit.training.spark;

import java.io.Serializable;

/**
 * Who a replica is inside one barrier stage.
 *
 * @param rank the replica's rank, {@code 0..worldSize-1} (Spark's partition id); rank 0 writes the
 *     checkpoints
 * @param worldSize replicas in the stage
 * @param attempt the stage attempt (0 first; Spark retries the whole barrier stage after a failure)
 */
public record WorkerContext(int rank, int worldSize, int attempt) implements Serializable {

  /** Checks the fields. */
  public WorkerContext {
    if (worldSize < 1 || rank < 0 || rank >= worldSize) {
      throw new IllegalArgumentException(
          "rank " + rank + " is not in [0, " + worldSize + ") replicas");
    }
  }

  /** Whether this replica is rank 0, the one that writes checkpoints and reports progress. */
  public boolean isLeader() {
    return rank == 0;
  }
}
