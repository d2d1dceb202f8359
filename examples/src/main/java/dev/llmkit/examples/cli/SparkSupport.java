package dev.llmkit.examples.cli;

import dev.llmkit.tensor.kernel.Parallel;
import dev.llmkit.training.spark.GradientExchange;
import dev.llmkit.training.spark.GradientPrecision;
import dev.llmkit.training.spark.ReplicaFactory;
import dev.llmkit.training.spark.SparkTrainer;
import dev.llmkit.training.spark.SparkTrainingResult;
import dev.llmkit.training.spark.WorkerContext;
import java.util.Locale;
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
    pinLocalThreads(master, workers);
    SparkTrainingResult r = SparkTrainer.runOn(master, workers, precision, exchange, setup.out(),
        new Replicas(setup));
    return new Summary(r.tokensPerSecond(), r.finalEvaluation(), r.commSecondsPerStep(),
        r.commWaitSecondsPerStep(), r.bytesSentPerStep(), r.attempt(), r.replicasIdentical());
  }

  /**
   * With a {@code local[...]} master every replica runs in this JVM, and they share the kernels'
   * one thread team: unless {@code -Dllmkit.threads} says otherwise, give each replica
   * cores / workers threads (one each for {@code local[2]} and 2 workers on 2 cores), before the
   * kernels' first use fixes the count. A cluster's executors set it themselves
   * ({@code spark.executor.extraJavaOptions}, see README).
   */
  static void pinLocalThreads(String master, int workers) {
    if (master.startsWith("local") && System.getProperty("llmkit.threads") == null) {
      int each = Math.max(1, Runtime.getRuntime().availableProcessors() / workers);
      System.setProperty("llmkit.threads", Integer.toString(each));
      if (Parallel.threads() != each) {
        System.err.printf(Locale.ROOT, "llm: the kernels already use %d threads; pass "
            + "-Dllmkit.threads=%d for %d replicas on %d cores%n", Parallel.threads(), each,
            workers, Runtime.getRuntime().availableProcessors());
      }
    }
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
