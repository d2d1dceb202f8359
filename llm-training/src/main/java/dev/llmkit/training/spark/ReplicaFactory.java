package dev.llmkit.training.spark;

import dev.llmkit.model.weights.ModelWeights;
import dev.llmkit.training.Trainer;
import java.io.Serializable;
import java.util.Objects;

/**
 * Builds one replica's {@link Trainer} on an executor: model, AdamW, the replica's share of the
 * training data (for example {@link dev.llmkit.training.data.ShardedBatches}), evaluation sets and
 * listeners. It is serialized to the executors, so it should capture paths and settings, never
 * weights or data.
 *
 * <p>Every replica must start from the same parameters (initialise from the same seed or load the
 * same checkpoint). Only the leader ({@link WorkerContext#isLeader()}) should call
 * {@link Trainer#checkpointTo}; the {@link SparkTrainer} resumes every replica from that directory.
 */
@FunctionalInterface
public interface ReplicaFactory extends Serializable {

  /** The replica {@code ctx.rank()}; the Spark trainer adds the gradient reducer to its trainer. */
  Replica create(WorkerContext ctx) throws Exception;

  /**
   * One replica: its trainer and the parameters that trainer updates (hashed after the run to check
   * that the replicas stayed identical).
   */
  record Replica(Trainer trainer, ModelWeights parameters) {
    /** Checks the fields. */
    public Replica {
      Objects.requireNonNull(trainer, "trainer");
      Objects.requireNonNull(parameters, "parameters");
    }
  }
}
