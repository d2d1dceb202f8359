package dev.llmkit.examples.cli;

import dev.llmkit.training.spark.GradientExchange;
import dev.llmkit.training.spark.GradientPrecision;
import dev.llmkit.training.spark.ReplicaFactory;
import dev.llmkit.training.spark.SparkTrainer;
import dev.llmkit.training.spark.SparkTrainingResult;
import dev.llmkit.training.spark.WorkerContext;
import java.util.Map;

/**
 * {@code llm train --spark}: the only CLI class that reaches Spark (through llm-training's
 * {@link SparkTrainer}), so the CLI runs without Spark on the classpath until {@code --spark} is
 * used. The CLI does not depend on Spark at all: {@code ./llm} adds Spark's jars when asked.
 */
final class SparkSupport {

  private SparkSupport() {}

  /** What the CLI prints. */
  record Summary(double tokensPerSecond, Map<String, Float> finalEvaluation,
      double commSecondsPerStep, double commWaitSecondsPerStep, double bytesSentPerStep, int attempt, boolean replicasIdentical) {}

  /** Whether Spark is on the classpath. */
  static boolean available() {
    try {
      Class.forName("org.apache.spark.SparkConf", false, SparkSupport.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException e) {
      return false;
    }
  }

  /** Trains {@code workers} replicas of {@code setup} on {@code master} and waits. */
  static Summary train(String master, int workers, GradientPrecision precision,
      GradientExchange exchange, TrainSetup setup) {
    SparkTrainingResult r = SparkTrainer.runOn(master, workers, precision, exchange, setup.out(),
        new Replicas(setup));
    return new Summary(r.tokensPerSecond(), r.finalEvaluation(), r.commSecondsPerStep(),
        r.commWaitSecondsPerStep(), r.bytesSentPerStep(), r.attempt(), r.replicasIdentical());
  }

  /** Builds each replica on its executor from the settings; rank 0 shows the progress bar. */
  private record Replicas(TrainSetup setup) implements ReplicaFactory {
    @Override
    public Replica create(WorkerContext ctx) throws Exception {
      TrainSetup.Prepared p = setup.prepare(ctx.isLeader());
      Replica r = setup.replica(p, ctx.rank(), ctx.worldSize(), ctx.isLeader());
      if (ctx.isLeader()) {
        r.trainer().addListener(new TrainingProgress(System.err, "train"));
      }
      return r;
    }
  }
}
