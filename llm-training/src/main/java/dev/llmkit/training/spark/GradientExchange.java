package dev.llmkit.training.spark;

/** How the replicas of a {@link SparkTrainer} exchange gradients every optimiser step. */
public enum GradientExchange {
  /**
   * A ring all-reduce over direct TCP connections between the replicas ({@link RingAllReduce}):
   * each replica sends and receives about {@code 2 (N-1)/N} times the gradient per step, whatever
   * N, and nothing goes through the driver. The default. Needs the executors to reach each other
   * on ephemeral ports.
   */
  RING,
  /**
   * Spark's own {@code BarrierTaskContext.allGather} through the driver ({@link AllGatherReducer}):
   * Base64 text messages, every replica receives all N gradients, the driver relays N² of them.
   * Needs nothing but Spark; for small models or clusters whose executors cannot open ports.
   */
  ALL_GATHER
}
