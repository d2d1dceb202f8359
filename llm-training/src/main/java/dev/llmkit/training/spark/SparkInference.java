package dev.llmkit.training.spark;

import dev.llmkit.model.InferenceSession;
import dev.llmkit.model.Probabilities;
import dev.llmkit.model.SessionOptions;
import dev.llmkit.model.generate.Bos;
import dev.llmkit.model.generate.GenerationOptions;
import dev.llmkit.model.generate.Generator;
import dev.llmkit.model.io.LoadedModel;
import dev.llmkit.model.nn.Transformer;
import dev.llmkit.sampling.SamplerConfig;
import dev.llmkit.sampling.SamplingContext;
import dev.llmkit.tensor.DecodeMatrices;
import dev.llmkit.tokenizer.Tokenizer;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Batch inference over a string column of a Spark {@code Dataset<Row>}: every row gets a new column
 * holding the text's log-probability ({@link #withLogProbability}), an embedding
 * ({@link #withEmbedding}) or a generated continuation ({@link #withGeneration}). Only the
 * checkpoint's path travels to the executors (in the task closure); each executor JVM loads the
 * model once ({@link SparkScoring}'s per-JVM cache, keyed by path) and its tasks share the weights
 * read-only; a task takes {@code batchRows} rows of its partition at a time. The returned Dataset
 * is the input's rows, in their order and partitioning, with the new column last; a null text gives
 * a null value. Nothing runs until an action (it is a lazy transformation).
 *
 * <p>Numbers equal what the same model computes locally: the log-probability is
 * {@link Probabilities#score}'s total (0 for a text of fewer than two tokens); the embedding is
 * {@link #embedding}: the mean over the text's tokens of the model's last hidden state (mean
 * pooling, as sentence-embedding models pool), a vector of the model's width; generation
 * is {@link Generator} with the given sampler settings, each row drawing from its own seed
 * ({@code seed} mixed with the row's text), so a row's continuation does not depend on how the data
 * is partitioned.
 */
public final class SparkInference {

  private SparkInference() {}

  /** Which model: a checkpoint path every executor can read, and an optional separate tokenizer. */
  public record ModelPath(String checkpoint, String tokenizer) implements Serializable {
    /**
     * @param checkpoint Hugging Face folder, llama2.c {@code .bin} or GGUF
     * @param tokenizer llama2.c's {@code tok*.bin}, or null for the checkpoint's own
     */
    public ModelPath {
      Objects.requireNonNull(checkpoint, "checkpoint");
    }
  }

  /** What a task computes for one text, with the executor's model. */
  private interface RowFunction extends Serializable {
    Object apply(Loaded m, String text);
  }

  /** The executor's model, loaded once per JVM, and this task's inference view of it. */
  private record Loaded(LoadedModel model, Transformer transformer) {}

  /**
   * Adds the log-probability of each text ({@code double}).
   *
   * @throws IllegalArgumentException naming the column when it is missing or not a string, or when
   *     {@code batchRows < 1}
   */
  public static Dataset<Row> withLogProbability(Dataset<Row> data, String textColumn,
      String outputColumn, ModelPath model, int batchRows) {
    return map(data, textColumn, outputColumn, DataTypes.DoubleType, model, batchRows, (m, text) -> {
      int[] ids = m.model().tokenizer().encode(text);
      check(ids, m, model);
      return ids.length < 2 ? 0.0 : Probabilities.score(m.transformer(), ids).totalLogProbability();
    });
  }

  /**
   * Adds an embedding of each text ({@code array<float>} of the model's width): the mean over the
   * text's tokens of the model's last hidden state (after the final norm; the BOS the model expects
   * is run in front but not averaged), the zero vector for a text of no tokens.
   */
  public static Dataset<Row> withEmbedding(Dataset<Row> data, String textColumn,
      String outputColumn, ModelPath model, int batchRows) {
    return map(data, textColumn, outputColumn,
        DataTypes.createArrayType(DataTypes.FloatType, false), model, batchRows, (m, text) -> {
          float[] e = embedding(m.transformer(), m.model().tokenizer(), text);
          Float[] boxed = new Float[e.length];
          for (int i = 0; i < e.length; i++) {
            boxed[i] = e[i];
          }
          return boxed;
        });
  }

  /**
   * The embedding {@link #withEmbedding} computes: the mean over the text's tokens of the final-norm
   * hidden state, BOS run in front (when the model expects one) but not averaged.
   *
   * @return a vector of the model's width (zeros for a text of no tokens)
   * @throws IllegalArgumentException when the text (with BOS) is longer than the context
   */
  public static float[] embedding(Transformer model, Tokenizer tokenizer, String text) {
    int[] ids = tokenizer.encode(text);
    int c = model.config().dim();
    float[] mean = new float[c];
    if (ids.length == 0) {
      return mean;
    }
    int[] input = Bos.prepend(model.config(), tokenizer, ids);
    int context = model.config().contextLength();
    if (input.length > context) {
      throw new IllegalArgumentException("a row of " + input.length + " tokens is longer than the"
          + " model's context of " + context + " tokens");
    }
    int skip = input.length - ids.length;
    try (InferenceSession s = model.newSession(SessionOptions.DEFAULT)) {
      // input: (T) -> hidden: (T, C); mean over the text's rows
      float[] h = s.forwardHidden(input, 0, input.length).toArray();
      for (int p = skip; p < input.length; p++) {
        for (int i = 0; i < c; i++) {
          mean[i] += h[p * c + i];
        }
      }
    }
    for (int i = 0; i < c; i++) {
      mean[i] /= ids.length;
    }
    return mean;
  }

  /**
   * Adds a continuation of each prompt ({@code string}): at most {@code maxTokens} tokens drawn
   * with the given temperature (0: greedy), BOS in front of the prompt as the model expects.
   *
   * @throws IllegalArgumentException when {@code maxTokens < 1} or the temperature is not a
   *     non-negative number, naming the setting
   */
  public static Dataset<Row> withGeneration(Dataset<Row> data, String promptColumn,
      String outputColumn, ModelPath model, int batchRows, int maxTokens, float temperature,
      long seed) {
    if (maxTokens < 1) {
      throw new IllegalArgumentException("maxTokens must be >= 1, got " + maxTokens);
    }
    SamplerConfig.builder().temperature(temperature).buildSampler(); // checks the setting now
    return map(data, promptColumn, outputColumn, DataTypes.StringType, model, batchRows,
        (m, text) -> {
          long rowSeed = seed * 1_000_003L + text.hashCode();
          Generator g = new Generator(m.transformer(), m.model().tokenizer(),
              SamplerConfig.builder().temperature(temperature).seed(rowSeed).buildSampler());
          return g.generate(text, GenerationOptions.maxTokens(maxTokens),
              new SamplingContext(rowSeed), null).text();
        });
  }

  private static void check(int[] ids, Loaded m, ModelPath model) {
    int context = m.model().config().contextLength();
    if (ids.length > context) {
      throw new IllegalArgumentException("a row of " + ids.length + " tokens is longer than "
          + model.checkpoint() + "'s context of " + context + " tokens");
    }
  }

  private static Dataset<Row> map(Dataset<Row> data, String textColumn, String outputColumn,
      DataType type, ModelPath model, int batchRows, RowFunction f) {
    Objects.requireNonNull(data, "data");
    Objects.requireNonNull(model, "model");
    if (batchRows < 1) {
      throw new IllegalArgumentException("batchRows must be >= 1, got " + batchRows);
    }
    StructType schema = data.schema();
    int in = Arrays.asList(schema.fieldNames()).indexOf(textColumn);
    if (in < 0 || !schema.fields()[in].dataType().equals(DataTypes.StringType)) {
      throw new IllegalArgumentException("column '" + textColumn + "' must be a string column of "
          + schema.simpleString());
    }
    if (Arrays.asList(schema.fieldNames()).contains(outputColumn)) {
      throw new IllegalArgumentException("column '" + outputColumn + "' exists already in "
          + schema.simpleString());
    }
    StructType out = schema.add(new StructField(outputColumn, type, true,
        org.apache.spark.sql.types.Metadata.empty()));
    String checkpoint = model.checkpoint();
    String tokenizer = model.tokenizer();
    int width = schema.size();
    MapPartitionsFunction<Row, Row> task = rows -> {
      LoadedModel lm = SparkScoring.load(checkpoint, tokenizer);
      Loaded m = new Loaded(lm, new Transformer(lm.weights(), DecodeMatrices.SHARED));
      return new Iterator<Row>() {
        private final List<Row> batch = new ArrayList<>(batchRows);
        private Iterator<Row> ready = batch.iterator();

        @Override
        public boolean hasNext() {
          if (ready.hasNext()) {
            return true;
          }
          batch.clear();
          while (batch.size() < batchRows && rows.hasNext()) {
            Row r = rows.next();
            Object[] values = new Object[width + 1];
            for (int i = 0; i < width; i++) {
              values[i] = r.get(i);
            }
            String text = r.isNullAt(in) ? null : r.getString(in);
            values[width] = text == null ? null : f.apply(m, text);
            batch.add(RowFactory.create(values));
          }
          ready = batch.iterator();
          return ready.hasNext();
        }

        @Override
        public Row next() {
          if (!hasNext()) {
            throw new java.util.NoSuchElementException();
          }
          return ready.next();
        }
      };
    };
    return data.mapPartitions(task, Encoders.row(out));
  }
}
