package dev.llmkit.training.spark;

import java.io.Serializable;
import java.util.List;

/**
 * Builds one replica on an executor from its shard of a text {@code Dataset} (see
 * {@link SparkTrainer#fit(org.apache.spark.sql.Dataset, String, ShardReplicaFactory)}): the model,
 * AdamW and a batch source over the shard's tokens. Like {@link ReplicaFactory} it is serialized to
 * the executors, so it should capture paths and settings, never weights; the data arrives as the
 * shard.
 *
 * <p>Every replica must build the same model from the same initial parameters (a tokenizer fixed
 * in advance, not one learned from the shard: the shards differ, the vocabulary must not), and
 * draw its batches from its own shard; the replicas then see different rows and the gradient mean
 * combines them.
 */
@FunctionalInterface
public interface ShardReplicaFactory extends Serializable {

  /**
   * The replica {@code ctx.rank()}.
   *
   * @param shard this replica's rows, non-null texts only: the rows whose position in the Dataset
   *     is {@code rank} mod N, in Dataset order (the same rows on every attempt of the stage)
   */
  ReplicaFactory.Replica create(WorkerContext ctx, List<String> shard) throws Exception;
}
