package dev.llmkit.training.spark;

import dev.llmkit.model.weights.ModelWeights;
import dev.llmkit.tensor.Tensor;
import dev.llmkit.training.Trainer;
import dev.llmkit.training.TrainingResult;
import dev.llmkit.training.checkpoint.TrainingCheckpoints;
import java.io.Serializable;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Objects;
import java.util.stream.IntStream;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.Partitioner;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.rdd.RDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.collection.Iterator;
import scala.jdk.javaapi.CollectionConverters;
import scala.reflect.ClassTag;
import scala.Tuple2;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction1;

/**
 * Data-parallel training on Spark: one barrier stage of {@code workers} tasks (all start together,
 * or none does), each task a replica built by a {@link ReplicaFactory} and trained by its
 * {@link Trainer} for the whole run, with gradients averaged every optimiser step by a ring
 * all-reduce between the tasks ({@link RingAllReduce}; the tasks find each other through one
 * {@code allGather}) or, on request, by Spark's {@code allGather} itself ({@link AllGatherReducer}).
 * Accumulation, clipping on the global norm, schedules, evaluation and listeners are the
 * {@code Trainer}'s own; rank 0 writes the checkpoints.
 *
 * <p>Faults: when a task fails, Spark kills the others and retries the whole stage (up to
 * {@code spark.stage.maxConsecutiveAttempts}; in local mode the master {@code local[N,F]} allows
 * task failures). With {@link #resumeFrom(String)}, every retried replica continues from the last
 * checkpoint, so the run ends with the losses of an undisturbed one.
 */
public final class SparkTrainer {

  private static final Logger LOG = LoggerFactory.getLogger(SparkTrainer.class);

  private final JavaSparkContext spark;
  private final int workers;
  private GradientPrecision precision = GradientPrecision.FLOAT32;
  private int bucketValues = AllGatherReducer.DEFAULT_BUCKET_VALUES;
  private String resumeDir;
  private int pollMicros = 200;
  private GradientExchange exchange = GradientExchange.RING;
  private long timeoutMillis = 600_000;

  /**
   * A trainer of {@code workers} replicas; the cluster must offer that many task slots at once.
   *
   * @throws IllegalArgumentException when {@code workers < 1}
   */
  public SparkTrainer(JavaSparkContext spark, int workers) {
    this.spark = Objects.requireNonNull(spark, "spark");
    if (workers < 1) {
      throw new IllegalArgumentException("workers must be >= 1, got " + workers);
    }
    this.workers = workers;
  }

  /** Wire precision of the gradients (default float32). */
  public SparkTrainer precision(GradientPrecision precision) {
    this.precision = Objects.requireNonNull(precision, "precision");
    return this;
  }

  /** How the replicas exchange gradients (default {@link GradientExchange#RING}). */
  public SparkTrainer exchange(GradientExchange exchange) {
    this.exchange = Objects.requireNonNull(exchange, "exchange");
    return this;
  }

  /**
   * How long a replica of the ring waits for a neighbour (its connection, or the next bytes of a
   * step) before it fails the stage (default 600 s; a neighbour that fails closes its connections,
   * which ends the wait at once).
   */
  public SparkTrainer timeoutMillis(long millis) {
    if (millis < 1) {
      throw new IllegalArgumentException("timeoutMillis must be >= 1, got " + millis);
    }
    this.timeoutMillis = millis;
    return this;
  }

  /** Gradient values per all-gather message (default {@value AllGatherReducer#DEFAULT_BUCKET_VALUES}). */
  public SparkTrainer bucketValues(int values) {
    if (values < 1) {
      throw new IllegalArgumentException("bucketValues must be >= 1, got " + values);
    }
    this.bucketValues = values;
    return this;
  }

  /**
   * How often a replica checks whether an all-gather has been answered, in microseconds (default
   * 200); 0 leaves Spark's own check, once a second (see {@link BarrierAllGather}).
   */
  public SparkTrainer pollMicros(int micros) {
    if (micros < 0) {
      throw new IllegalArgumentException("pollMicros must be >= 0, got " + micros);
    }
    this.pollMicros = micros;
    return this;
  }

  /**
   * Every replica of every attempt first resumes from the checkpoint in {@code dir} when there is
   * one (a path all executors see, e.g. on a shared file system).
   */
  public SparkTrainer resumeFrom(String dir) {
    this.resumeDir = Objects.requireNonNull(dir, "dir");
    return this;
  }

  /**
   * Starts Spark at {@code master} (unless {@code spark-submit} already set {@code spark.master}),
   * trains as {@link #fit} does, and stops Spark: for callers that do not otherwise use Spark.
   *
   * @param resumeDir see {@link #resumeFrom}; may be null
   */
  public static SparkTrainingResult runOn(String master, int workers, GradientPrecision precision,
      GradientExchange exchange, String resumeDir, ReplicaFactory factory) {
    SparkConf conf = new SparkConf().setAppName("llmkit train")
        .set("spark.ui.showConsoleProgress", "false");
    if (!conf.contains("spark.master")) {
      conf.setMaster(Objects.requireNonNull(master, "master"));
    }
    try (JavaSparkContext spark = new JavaSparkContext(conf)) {
      spark.setLogLevel("WARN");
      SparkTrainer t = new SparkTrainer(spark, workers).precision(precision).exchange(exchange);
      if (resumeDir != null) {
        t.resumeFrom(resumeDir);
      }
      return t.fit(factory);
    }
  }

  /**
   * Runs the training as one barrier stage and waits for it. Spark's {@code SparkException}
   * (unchecked here) is thrown when the stage fails for good.
   *
   * @return every replica's report, rank 0 first
   */
  public SparkTrainingResult fit(ReplicaFactory factory) {
    Objects.requireNonNull(factory, "factory");
    List<Integer> ranks = IntStream.range(0, workers).boxed().toList();
    return run(spark.parallelize(ranks, workers).rdd(), fromRank(factory));
  }

  /**
   * Trains on the texts of a string column of a Spark {@code Dataset}: replica r of N gets the
   * non-null rows whose position in the Dataset is r mod N, in order, and builds its trainer from
   * them ({@link ShardReplicaFactory}). The rows are shuffled to the replicas once, before the
   * training stage; a retried stage gets the same shards.
   *
   * @throws IllegalArgumentException naming the column when it is missing or not a string
   */
  public SparkTrainingResult fit(Dataset<Row> data, String textColumn, ShardReplicaFactory factory) {
    Objects.requireNonNull(data, "data");
    Objects.requireNonNull(textColumn, "textColumn");
    StructType schema = data.schema();
    int in = Arrays.asList(schema.fieldNames()).indexOf(textColumn);
    if (in < 0 || !schema.fields()[in].dataType().equals(DataTypes.StringType)) {
      throw new IllegalArgumentException("column '" + textColumn + "' must be a string column of "
          + schema.simpleString());
    }
    return fit(data.select(textColumn).as(Encoders.STRING()).javaRDD(), factory);
  }

  /** Trains on the texts of an RDD, sharded as {@link #fit(Dataset, String, ShardReplicaFactory)} does. */
  public SparkTrainingResult fit(JavaRDD<String> texts, ShardReplicaFactory factory) {
    Objects.requireNonNull(texts, "texts");
    Objects.requireNonNull(factory, "factory");
    JavaPairRDD<Long, String> shards = texts.zipWithIndex()
        .filter(t -> t._1() != null)
        .mapToPair(t -> new Tuple2<>(t._2(), t._1()))
        .repartitionAndSortWithinPartitions(new RowModulo(workers));
    return run(shards.rdd(), fromShard(factory));
  }

  /** Row i to replica i mod N. */
  private static final class RowModulo extends Partitioner {
    private static final long serialVersionUID = 1L;
    private final int n;

    RowModulo(int n) {
      this.n = n;
    }

    @Override
    public int numPartitions() {
      return n;
    }

    @Override
    public int getPartition(Object key) {
      return (int) Math.floorMod((Long) key, (long) n);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof RowModulo r && r.n == n;
    }

    @Override
    public int hashCode() {
      return n;
    }
  }

  /** How a barrier task builds its replica from its partition. */
  private interface ReplicaBuilder<T> extends Serializable {
    ReplicaFactory.Replica build(WorkerContext ctx, java.util.Iterator<T> partition) throws Exception;
  }

  private static ReplicaBuilder<Integer> fromRank(ReplicaFactory factory) {
    return (ctx, partition) -> factory.create(ctx);
  }

  private static ReplicaBuilder<Tuple2<Long, String>> fromShard(ShardReplicaFactory factory) {
    return (ctx, partition) -> {
      List<String> rows = new ArrayList<>();
      partition.forEachRemaining(t -> rows.add(t._2()));
      return factory.create(ctx, rows);
    };
  }

  private <T> SparkTrainingResult run(RDD<T> rdd, ReplicaBuilder<T> builder) {
    ClassTag<WorkerResult> tag = ClassTag$.MODULE$.apply(WorkerResult.class);
    RDD<WorkerResult> out = rdd.barrier().mapPartitions(
        new BarrierWorker<T>(builder, precision, bucketValues, resumeDir, pollMicros, exchange,
            timeoutMillis), false, tag);
    // A barrier result stage is never retried (its output may be committed), a barrier shuffle-map
    // stage is: the shuffle makes the training stage one.
    List<WorkerResult> results =
        new ArrayList<>(JavaRDD.fromRDD(out, tag).repartition(1).collect());
    results.sort(Comparator.comparingInt(WorkerResult::rank));
    return new SparkTrainingResult(results);
  }

  /** The barrier task: one replica's whole run. */
  private static final class BarrierWorker<T>
      extends AbstractFunction1<Iterator<T>, Iterator<WorkerResult>> implements Serializable {

    private static final long serialVersionUID = 1L;

    private final ReplicaBuilder<T> factory;
    private final GradientPrecision precision;
    private final int bucketValues;
    private final String resumeDir;
    private final int pollMicros;
    private final GradientExchange exchange;
    private final long timeoutMillis;

    BarrierWorker(ReplicaBuilder<T> factory, GradientPrecision precision, int bucketValues,
        String resumeDir, int pollMicros, GradientExchange exchange, long timeoutMillis) {
      this.pollMicros = pollMicros;
      this.exchange = exchange;
      this.timeoutMillis = timeoutMillis;
      this.factory = factory;
      this.precision = precision;
      this.bucketValues = bucketValues;
      this.resumeDir = resumeDir;
    }

    @Override
    public Iterator<WorkerResult> apply(Iterator<T> partition) {
      BarrierTaskContext ctx = BarrierTaskContext.get();
      WorkerContext worker = new WorkerContext(
          ctx.partitionId(), ctx.getTaskInfos().length, ctx.stageAttemptNumber());
      ReplicaFactory.Replica replica;
      try {
        replica = factory.build(worker, CollectionConverters.asJava(partition));
      } catch (Exception e) {
        throw new IllegalStateException("replica " + worker.rank() + " could not be built: "
            + e.getMessage(), e);
      }
      Trainer trainer = replica.trainer();
      TrainingResult r;
      MeasuredReducer reducer;
      long resumedAt = -1;
      if (resumeDir != null && TrainingCheckpoints.exists(Path.of(resumeDir))) {
        resumedAt = trainer.resumeFrom(Path.of(resumeDir));
      }
      try (BarrierAllGather collective = new BarrierAllGather(ctx, pollMicros)) {
        // the set-up's all-gather also lines the replicas up: the first step's exchange then
        // measures communication, not the slowest replica's start-up
        if (exchange == GradientExchange.RING) {
          reducer = RingAllReduce.connect(collective, worker.rank(), worker.worldSize(),
              host(ctx), precision, timeoutMillis, ctx::isInterrupted);
        } else {
          collective.allGather("ready");
          reducer = new AllGatherReducer(collective, worker.worldSize(), precision, bucketValues);
        }
        trainer.reduceGradientsWith(reducer);
        LOG.info("replica {}/{} (stage attempt {}) starts at step {}, gradients by {}",
            worker.rank(), worker.worldSize(), worker.attempt(), trainer.step(), exchange);
        try {
          r = trainer.run();
        } finally {
          if (reducer instanceof RingAllReduce ring) {
            ring.close();
          }
        }
      }
      WorkerResult result = new WorkerResult(worker.rank(), worker.attempt(), resumedAt, r.steps(),
          r.losses(), new LinkedHashMap<>(r.finalEvaluation()), r.tokensPerSecond(),
          r.trainingSeconds(), reducer.seconds(), reducer.firstSeconds(), reducer.waitSeconds(),
          reducer.firstWaitSeconds(), reducer.steps(), reducer.bytesSent(),
          digest(replica.parameters()));
      return CollectionConverters.asScala(List.of(result).iterator());
    }
  }

  /** The host of this task's executor, as Spark's barrier task infos give it ({@code host:port}). */
  private static String host(BarrierTaskContext ctx) {
    String address = ctx.getTaskInfos()[ctx.partitionId()].address();
    int colon = address.lastIndexOf(':');
    String host = colon > 0 ? address.substring(0, colon) : address;
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    if (host.isEmpty()) {
      throw new IllegalStateException("Spark gave barrier task " + ctx.partitionId()
          + " no executor address but '" + address + "'");
    }
    return host;
  }

  /** A 64-bit FNV-1a hash of the bits of every parameter, in canonical order. */
  static long digest(ModelWeights weights) {
    long h = 0xcbf29ce484222325L;
    for (Tensor t : weights.named().values()) {
      FloatBuffer b = t.buffer();
      for (int i = 0; i < t.length(); i++) {
        h ^= Float.floatToRawIntBits(b.get(i));
        h *= 0x100000001b3L;
      }
    }
    return h;
  }
}
