package dev.llmkit.training.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.llmkit.model.Probabilities;
import dev.llmkit.model.config.ModelConfig;
import dev.llmkit.model.io.Checkpoints;
import dev.llmkit.model.io.LoadedModel;
import dev.llmkit.model.nn.Transformer;
import dev.llmkit.model.weights.ModelWeights;
import dev.llmkit.training.StepEvent;
import dev.llmkit.training.TestChars;
import dev.llmkit.training.Trainer;
import dev.llmkit.training.TrainerConfig;
import dev.llmkit.training.TrainingListener;
import dev.llmkit.training.TrainingResult;
import dev.llmkit.training.checkpoint.HuggingFaceModelStore;
import dev.llmkit.training.checkpoint.TrainingCheckpoints;
import dev.llmkit.training.data.BatchSource;
import dev.llmkit.training.data.Corpus;
import dev.llmkit.training.data.RandomWindowBatches;
import dev.llmkit.training.data.ShardedBatches;
import dev.llmkit.training.TrainableModel;
import dev.llmkit.training.optim.AdamW;
import dev.llmkit.training.optim.AdamWConfig;
import dev.llmkit.training.schedule.LearningRateSchedule;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Data-parallel training in a real Spark barrier stage ({@code local[2,4]}: two task slots, a task
 * may fail up to 3 times), against a single-machine {@link Trainer} as the reference.
 */
class SparkTrainerTest {

  /** Per-step parameter digests of every replica, by rank (tasks run in this JVM in local mode). */
  private static final Map<Integer, List<Long>> DIGESTS = new ConcurrentHashMap<>();

  private static JavaSparkContext spark;

  @TempDir Path tmp;

  @BeforeAll
  static void startSpark() {
    SparkConf conf = new SparkConf()
        .setMaster("local[2,4]")
        .setAppName("llmkit-test")
        .set("spark.ui.enabled", "false")
        .set("spark.ui.showConsoleProgress", "false")
        // a retried barrier stage waits for its slots; check again after 1 s, not 15
        .set("spark.scheduler.barrier.maxConcurrentTasksCheck.interval", "1s")
        .set("spark.driver.host", "127.0.0.1")
        .set("spark.driver.bindAddress", "127.0.0.1");
    spark = new JavaSparkContext(conf);
  }

  @AfterAll
  static void stopSpark() {
    if (spark != null) {
      spark.stop();
    }
  }

  /** A corpus of a few thousand characters, generated (no data file needed). */
  static String text() {
    String[] words = {"the", "king", "speaks", "and", "all", "hear", "me", "citizen", "rather",
        "die", "than", "famish", "first", "proceed", "further", "resolved"};
    StringBuilder sb = new StringBuilder();
    long x = 42;
    for (int i = 0; i < 800; i++) {
      x = x * 6364136223846793005L + 1442695040888963407L;
      sb.append(words[(int) ((x >>> 33) % words.length)]);
      sb.append(i % 9 == 8 ? ".\n" : " ");
    }
    return sb.toString();
  }

  static final int BLOCK = 8;

  /** The trainer of one replica of {@code world}, each with {@code batch} rows per micro-batch. */
  static ReplicaFactory.Replica replica(int rank, int world, int batch, long steps,
      long checkpointEvery, String checkpoints) {
    String text = text();
    TestChars chars = new TestChars(text);
    Corpus corpus = Corpus.of(text, chars);
    ModelConfig cfg = ModelConfig.gpt2(chars.vocabSize(), 16, 2, 2, 16);
    TrainableModel model = new TrainableModel(ModelWeights.init(cfg, 1, 0.02f), batch, BLOCK);
    AdamW opt = new AdamW(model.parameters(), model.gradients(),
        new AdamWConfig(0.9f, 0.95f, 1e-8f, 0.1f));
    TrainerConfig tc = TrainerConfig.builder()
        .steps(steps)
        .accumulation(2)
        .schedule(LearningRateSchedule.warmupCosine(1e-2, 1e-3, 5, steps))
        .gradientClip(1.0f)
        .evalBatches(2)
        .checkpointInterval(checkpointEvery)
        .build();
    BatchSource global = new RandomWindowBatches(corpus.train(), batch * world, BLOCK, 1337);
    Trainer t = new Trainer(model, opt, new ShardedBatches(global, rank, world), tc);
    t.addEvaluation("val", new RandomWindowBatches(corpus.validation(), batch, BLOCK, 7));
    if (rank == 0 && checkpoints != null) {
      t.checkpointTo(Path.of(checkpoints), null, new TrainingCheckpoints(new HuggingFaceModelStore()));
    }
    return new ReplicaFactory.Replica(t, model.parameters());
  }

  @Test
  void twoReplicasOfBatchBFollowOneTrainerOfBatch2B() {
    TrainingResult single = replica(0, 1, 4, 50, 0, null).trainer().run();

    DIGESTS.clear();
    SparkTrainingResult spread = new SparkTrainer(spark, 2).fit(SparkTrainerTest::recordingDigests);

    assertThat(spread.replicas()).hasSize(2);
    assertThat(spread.attempt()).isZero();
    float[] a = single.losses();
    float[] b = spread.losses();
    assertThat(b).hasSize(50);
    for (int s = 0; s < 50; s++) {
      assertThat(b[s]).as("loss of step %d", s + 1).isCloseTo(a[s], within(1e-5f));
    }
    assertThat(b[49]).isLessThan(b[0] - 0.5f);
    // identical replicas after every step
    assertThat(DIGESTS.get(0)).hasSize(50).isEqualTo(DIGESTS.get(1));
    assertThat(spread.replicasIdentical()).isTrue();
    // the ring of two: half the gradient with an 8-byte header, then the other half, in float32
    assertThat(spread.bytesSentPerStep()).isEqualTo(RingAllReduce.HEADER + 4.0 * params());
    assertThat(spread.commSecondsPerStep()).isPositive();
    assertThat(spread.commWaitSecondsPerStep()).isBetween(0.0, spread.commSecondsPerStep());
  }

  private static long params() {
    return ModelWeights.init(ModelConfig.gpt2(new TestChars(text()).vocabSize(), 16, 2, 2, 16),
        1, 0.02f).parameterCount();
  }

  @Test
  void sparksAllGatherThroughTheDriverFollowsTheSameCurve() {
    float[] single = replica(0, 1, 4, 15, 0, null).trainer().run().losses();
    SparkTrainingResult spread = new SparkTrainer(spark, 2).exchange(GradientExchange.ALL_GATHER)
        .fit(ctx -> replica(ctx.rank(), ctx.worldSize(), 2, 15, 0, null));
    float[] b = spread.losses();
    assertThat(b).hasSize(15);
    for (int s = 0; s < 15; s++) {
      assertThat(b[s]).as("loss of step %d", s + 1).isCloseTo(single[s], within(1e-5f));
    }
    assertThat(spread.replicasIdentical()).isTrue();
    // one message per step: 4 bytes of loss + 4 per parameter, as Base64
    assertThat(spread.bytesSentPerStep()).isEqualTo(4.0 * ((4 + 4 * params() + 2) / 3));
    assertThat(spread.commWaitSecondsPerStep()).isNaN();
  }

  /** Replicas of batch 2 that record their parameters' digest after every step. */
  static ReplicaFactory.Replica recordingDigests(WorkerContext ctx) {
    ReplicaFactory.Replica r = replica(ctx.rank(), ctx.worldSize(), 2, 50, 0, null);
    List<Long> mine = DIGESTS.computeIfAbsent(ctx.rank(), k -> new ArrayList<>());
    r.trainer().addListener(new TrainingListener() {
      @Override
      public void onStep(StepEvent e) {
        mine.add(SparkTrainer.digest(r.parameters()));
      }
    });
    return r;
  }

  /** Replicas of batch 2 for 20 steps, checkpointing every 5; rank 1 fails at step 12 of attempt 0. */
  static ReplicaFactory failingOnce(String dir) {
    return ctx -> {
      ReplicaFactory.Replica r = replica(ctx.rank(), ctx.worldSize(), 2, 20, 5, dir);
      if (ctx.rank() == 1 && ctx.attempt() == 0) {
        r.trainer().addListener(new TrainingListener() {
          @Override
          public void onStep(StepEvent e) {
            if (e.step() == 12) {
              throw new IllegalStateException("worker 1 killed at step 12 (injected)");
            }
          }
        });
      }
      return r;
    };
  }

  /** Each replica's shard as it arrived, by rank. */
  private static final Map<Integer, List<String>> SHARDS = new ConcurrentHashMap<>();

  /** A replica of batch 2 that trains on its own shard's text (the vocabulary of the whole text). */
  static ReplicaFactory.Replica shardReplica(int rank, List<String> shard, long steps) {
    TestChars chars = new TestChars(text());
    Corpus corpus = Corpus.of(String.join("\n", shard), chars);
    ModelConfig cfg = ModelConfig.gpt2(chars.vocabSize(), 16, 2, 2, 16);
    TrainableModel model = new TrainableModel(ModelWeights.init(cfg, 1, 0.02f), 2, BLOCK);
    AdamW opt = new AdamW(model.parameters(), model.gradients(),
        new AdamWConfig(0.9f, 0.95f, 1e-8f, 0.1f));
    TrainerConfig tc = TrainerConfig.builder().steps(steps).accumulation(1)
        .schedule(LearningRateSchedule.warmupCosine(1e-2, 1e-3, 2, steps)).gradientClip(1.0f).build();
    Trainer t = new Trainer(model, opt,
        new RandomWindowBatches(corpus.train(), 2, BLOCK, 1337 + rank), tc);
    return new ReplicaFactory.Replica(t, model.parameters());
  }

  @Test
  void aDatasetOfTextIsShardedByRowAndTrainedAsTwoReplicasOfOneModel() throws Exception {
    List<String> lines = List.of(text().split("\n"));
    SparkSession session = SparkSession.builder().getOrCreate(); // the test's running context
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      rows.add(RowFactory.create(i, i == 3 ? null : lines.get(i)));
    }
    StructType schema = new StructType().add("id", DataTypes.IntegerType)
        .add("text", DataTypes.StringType);
    Dataset<Row> data = session.createDataFrame(rows, schema); // the rows in list order
    assertThat(data.javaRDD().getNumPartitions()).isGreaterThan(1);
    List<String> order = new ArrayList<>();
    rows.forEach(row -> order.add(row.getString(1)));

    SHARDS.clear();
    SparkTrainingResult r = new SparkTrainer(spark, 2).fit(data, "text", (ctx, shard) -> {
      SHARDS.put(ctx.rank(), List.copyOf(shard));
      return shardReplica(ctx.rank(), shard, 8);
    });

    List<String> even = new ArrayList<>();
    List<String> odd = new ArrayList<>();
    for (int i = 0; i < order.size(); i++) {
      if (order.get(i) != null) {
        (i % 2 == 0 ? even : odd).add(order.get(i));
      }
    }
    assertThat(SHARDS.get(0)).isEqualTo(even);
    assertThat(SHARDS.get(1)).isEqualTo(odd);
    assertThat(even.size() + odd.size()).isEqualTo(lines.size() - 1);
    assertThat(r.replicasIdentical()).isTrue();
    // the reference: the same two replicas as threads of this JVM, averaging through the ring
    // (RingAllReduceTest checks the ring against the mean itself)
    float[] want = twoThreadReplicas(even, odd, 8);
    assertThat(r.losses()).containsExactly(want);
    assertThat(r.lastLoss()).isLessThan(r.losses()[0]);

    assertThatThrownBy(() -> new SparkTrainer(spark, 2).fit(data, "id", (ctx, shard) -> null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("column 'id' must be a string column");
  }

  /** Two replicas on their shards, in two threads of this JVM, joined by a loopback ring. */
  private static float[] twoThreadReplicas(List<String> shard0, List<String> shard1, long steps)
      throws Exception {
    ThreadAllGather comm = new ThreadAllGather(2);
    List<List<String>> shards = List.of(shard0, shard1);
    float[][] losses = new float[2][];
    List<Thread> threads = new ArrayList<>();
    List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
    for (int rank = 0; rank < 2; rank++) {
      int r = rank;
      threads.add(new Thread(() -> {
        try (RingAllReduce ring = RingAllReduce.connect(comm.forRank(r), r, 2, "127.0.0.1",
            GradientPrecision.FLOAT32, 60_000, () -> false)) {
          Trainer t = shardReplica(r, shards.get(r), steps).trainer();
          t.reduceGradientsWith(ring);
          losses[r] = t.run().losses();
        } catch (Throwable e) {
          failures.add(e);
        }
      }));
    }
    threads.forEach(Thread::start);
    for (Thread t : threads) {
      t.join();
    }
    assertThat(failures).isEmpty();
    assertThat(losses[1]).containsExactly(losses[0]);
    return losses[0];
  }

  @Test
  void scoresEveryRowAsTheModelDoesLocally() throws Exception {
    // the real pretrained stories260K that the examples ship (a llama2.c checkpoint and tokenizer)
    Path data = Path.of("../examples/src/main/resources/dev/llmkit/examples/data").toAbsolutePath();
    String ckpt = data.resolve("stories260K.bin").toString();
    String tok = data.resolve("tok512.bin").toString();
    List<String> texts = List.of("Once upon a time, there was a little girl.",
        "The cat sat on the mat.", "Lily liked to play outside with her dog.", "zq xv jk",
        "Tom was happy.");
    List<Double> got =
        SparkScoring.logProbabilities(spark.parallelize(texts, 2), ckpt, tok, 2).collect();
    LoadedModel m = Checkpoints.load(Path.of(ckpt), Path.of(tok));
    Transformer local = new Transformer(m.weights());
    assertThat(got).hasSize(texts.size());
    for (int i = 0; i < texts.size(); i++) {
      int[] ids = m.tokenizer().encode(texts.get(i));
      double want = Probabilities.score(local, ids).totalLogProbability();
      assertThat(got.get(i)).as(texts.get(i)).isCloseTo(want, within(1e-3));
      assertThat(got.get(i)).isNegative();
    }
    // a story opening is far more likely per token than letters at random
    double story = got.get(0) / m.tokenizer().encode(texts.get(0)).length;
    double noise = got.get(3) / m.tokenizer().encode(texts.get(3)).length;
    assertThat(story).isGreaterThan(noise + 1.0);
  }

  @Test
  void aWorkerKilledMidRunIsRetriedFromTheLastCheckpoint() {
    String undisturbedDir = tmp.resolve("undisturbed").toString();
    SparkTrainingResult undisturbed = new SparkTrainer(spark, 2)
        .resumeFrom(undisturbedDir)
        .fit(ctx -> replica(ctx.rank(), ctx.worldSize(), 2, 20, 5, undisturbedDir));

    String dir = tmp.resolve("faulty").toString();
    SparkTrainingResult retried = new SparkTrainer(spark, 2).resumeFrom(dir).fit(failingOnce(dir));

    assertThat(undisturbed.attempt()).isZero();
    assertThat(undisturbed.leader().resumedAtStep()).isEqualTo(-1);
    assertThat(retried.attempt()).isEqualTo(1);
    assertThat(retried.leader().resumedAtStep()).isEqualTo(10);
    assertThat(retried.losses()).hasSize(10);
    assertThat(retried.steps()).isEqualTo(20);
    assertThat(retried.lastLoss()).isEqualTo(undisturbed.lastLoss());
    assertThat(retried.finalEvaluation()).isEqualTo(undisturbed.finalEvaluation());
    assertThat(retried.leader().parameterDigest()).isEqualTo(undisturbed.leader().parameterDigest());
    assertThat(retried.replicasIdentical()).isTrue();
    float single = replica(0, 1, 4, 20, 0, null).trainer().run().lastLoss();
    assertThat(retried.lastLoss()).isCloseTo(single, within(1e-5f));
  }
}
