package dev.llmkit.training.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.llmkit.model.Probabilities;
import dev.llmkit.model.generate.GenerationOptions;
import dev.llmkit.model.generate.Generator;
import dev.llmkit.model.io.Checkpoints;
import dev.llmkit.model.io.LoadedModel;
import dev.llmkit.model.nn.Transformer;
import dev.llmkit.sampling.SamplerConfig;
import dev.llmkit.sampling.SamplingContext;
import dev.llmkit.tensor.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Batch inference over a Dataset column in Spark local mode ({@code local[2]}, 3 partitions): the
 * new column equals what the same model computes locally, row by row (log-probability, mean token
 * embedding, greedy and seeded continuations), other columns and row order are kept, nulls stay
 * null, and bad columns or settings are refused by name.
 */
class SparkInferenceTest {

  private static SparkSession spark;
  private static final Path DATA =
      Path.of("../examples/src/main/resources/dev/llmkit/examples/data").toAbsolutePath();
  private static final SparkInference.ModelPath MODEL = new SparkInference.ModelPath(
      DATA.resolve("stories260K.bin").toString(), DATA.resolve("tok512.bin").toString());
  private static final List<String> TEXTS = Arrays.asList("Once upon a time, there was a little girl.",
      "The cat sat on the mat.", null, "Lily liked to play outside with her dog.", "zq xv jk",
      "Tom was happy.", "");

  @BeforeAll
  static void start() {
    spark = SparkSession.builder().master("local[2]").appName("llmkit-inference-test")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .getOrCreate();
  }

  @AfterAll
  static void stop() {
    if (spark != null) {
      spark.stop();
    }
  }

  private static Dataset<Row> rows() {
    StructType schema = new StructType().add("id", DataTypes.IntegerType).add("text", DataTypes.StringType);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < TEXTS.size(); i++) {
      rows.add(RowFactory.create(i, TEXTS.get(i)));
    }
    // three partitions, no shuffle: the rows keep their order
    return spark.createDataFrame(
        new org.apache.spark.api.java.JavaSparkContext(spark.sparkContext()).parallelize(rows, 3),
        schema);
  }

  private static LoadedModel local() throws Exception {
    return Checkpoints.load(Path.of(MODEL.checkpoint()), Path.of(MODEL.tokenizer()));
  }

  @Test
  void logProbabilityColumnEqualsTheLocalScore() throws Exception {
    List<Row> got = SparkInference.withLogProbability(rows(), "text", "logp", MODEL, 2)
        .collectAsList();
    LoadedModel m = local();
    Transformer t = new Transformer(m.weights());
    assertThat(got).hasSize(TEXTS.size());
    for (Row r : got) {
      String text = TEXTS.get(r.getInt(0));
      assertThat(r.getString(1)).isEqualTo(text);
      if (text == null) {
        assertThat(r.isNullAt(2)).isTrue();
        continue;
      }
      int[] ids = m.tokenizer().encode(text);
      double want = ids.length < 2 ? 0.0 : Probabilities.score(t, ids).totalLogProbability();
      assertThat(r.getDouble(2)).as(text).isCloseTo(want, within(1e-3));
    }
  }

  @Test
  void embeddingColumnIsTheMeanLastHiddenState() throws Exception {
    List<Row> got = SparkInference.withEmbedding(rows(), "text", "embedding", MODEL, 3)
        .collectAsList();
    LoadedModel m = local();
    Transformer t = new Transformer(m.weights());
    int c = m.config().dim();
    // the reference: forwardAll's logits are hidden x head, so the mean hidden state is checked
    // through the head, independently of forwardHidden: mean(logits) = mean(hidden) x head
    Tensor head = m.weights().lmHead(); // (V, C)
    for (Row r : got) {
      String text = TEXTS.get(r.getInt(0));
      if (text == null) {
        assertThat(r.isNullAt(2)).isTrue();
        continue;
      }
      List<Float> e = r.getList(2);
      assertThat(e).hasSize(c);
      int[] ids = m.tokenizer().encode(text);
      if (ids.length == 0) {
        assertThat(e).containsOnly(0f);
        continue;
      }
      int[] input = dev.llmkit.model.generate.Bos.prepend(m.config(), m.tokenizer(), ids);
      Tensor logits;
      try (dev.llmkit.model.InferenceSession s =
          t.newSession(dev.llmkit.model.SessionOptions.DEFAULT)) {
        logits = s.forwardAll(input, 0, input.length);
      }
      int skip = input.length - ids.length;
      for (int v = 0; v < m.config().vocabSize(); v += 37) {
        double want = 0;
        for (int p = skip; p < input.length; p++) {
          want += logits.get(p, v);
        }
        want /= ids.length;
        double dot = 0;
        for (int k = 0; k < c; k++) {
          dot += (double) e.get(k) * head.get(v, k);
        }
        assertThat(dot).as("%s, token %d", text, v).isCloseTo(want, within(1e-3));
      }
    }
  }

  @Test
  void generationColumnEqualsTheLocalGenerator() throws Exception {
    long seed = 7;
    List<Row> got = SparkInference.withGeneration(rows().filter("text is not null"), "text", "story",
        MODEL, 2, 12, 0.8f, seed).collectAsList();
    LoadedModel m = local();
    Transformer t = new Transformer(m.weights());
    assertThat(got).hasSize(TEXTS.size() - 1);
    for (Row r : got) {
      String text = r.getString(1);
      long rowSeed = seed * 1_000_003L + text.hashCode();
      String want = new Generator(t, m.tokenizer(),
          SamplerConfig.builder().temperature(0.8f).seed(rowSeed).buildSampler())
          .generate(text, GenerationOptions.maxTokens(12), new SamplingContext(rowSeed), null).text();
      assertThat(r.getString(2)).as(text).isEqualTo(want);
    }
    assertThat(got.get(0).getString(2)).isNotEmpty();
  }

  @Test
  void badColumnsAndSettingsAreNamed() {
    assertThatThrownBy(() -> SparkInference.withLogProbability(rows(), "nope", "x", MODEL, 2))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'nope'");
    assertThatThrownBy(() -> SparkInference.withLogProbability(rows(), "id", "x", MODEL, 2))
        .hasMessageContaining("'id' must be a string column");
    assertThatThrownBy(() -> SparkInference.withEmbedding(rows(), "text", "id", MODEL, 2))
        .hasMessageContaining("'id' exists already");
    assertThatThrownBy(() -> SparkInference.withEmbedding(rows(), "text", "e", MODEL, 0))
        .hasMessageContaining("batchRows");
    assertThatThrownBy(() -> SparkInference.withGeneration(rows(), "text", "g", MODEL, 2, 0, 1f, 1))
        .hasMessageContaining("maxTokens");
    assertThatThrownBy(() -> SparkInference.withGeneration(rows(), "text", "g", MODEL, 2, 5, -1f, 1))
        .hasMessageContaining("temperature");
  }
}
