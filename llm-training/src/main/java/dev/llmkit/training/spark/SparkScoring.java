package dev.llmkit.training.spark;

import dev.llmkit.model.Probabilities;
import dev.llmkit.model.io.Checkpoints;
import dev.llmkit.model.io.LoadedModel;
import dev.llmkit.tensor.DecodeMatrices;
import dev.llmkit.model.nn.Transformer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.api.java.JavaRDD;

/**
 * Batch scoring on Spark: the log-probability a model gives each text of a distributed collection
 * (the sum over its tokens, from the second on, of log p(token | tokens before)), for filtering or
 * ranking a corpus. Only the checkpoint's path travels to the executors; each executor JVM loads the
 * model once (its tasks share the weights, read-only) and every task scores its partition's rows in
 * batches of {@code batchRows}, one forward pass per row.
 *
 * <p>For a {@code Dataset<Row>} column, pass {@code dataset.select(column).as(Encoders.STRING())
 * .javaRDD()}; the result keeps the order (and partitioning) of the input.
 */
public final class SparkScoring {

  /** Models loaded in this JVM, by "checkpoint|tokenizer" path. */
  private static final Map<String, LoadedModel> LOADED = new ConcurrentHashMap<>();

  private SparkScoring() {}

  /**
   * The log-probability of every text; a text of fewer than two tokens scores 0.
   *
   * @param checkpoint a checkpoint path every executor can read (Hugging Face folder, llama2.c
   *     {@code .bin}, GGUF)
   * @param tokenizer a separate tokenizer file (llama2.c's {@code tok*.bin}), or null for the
   *     checkpoint's own
   * @param batchRows rows taken from a partition at a time ({@code >= 1})
   */
  public static JavaRDD<Double> logProbabilities(JavaRDD<String> texts, String checkpoint,
      String tokenizer, int batchRows) {
    Objects.requireNonNull(texts, "texts");
    Objects.requireNonNull(checkpoint, "checkpoint");
    if (batchRows < 1) {
      throw new IllegalArgumentException("batchRows must be >= 1, got " + batchRows);
    }
    return texts.mapPartitions(rows -> {
      LoadedModel m = load(checkpoint, tokenizer);
      Transformer model = new Transformer(m.weights(), DecodeMatrices.SHARED);
      List<Double> out = new ArrayList<>();
      List<String> batch = new ArrayList<>(batchRows);
      while (rows.hasNext()) {
        batch.add(rows.next());
        if (batch.size() == batchRows || !rows.hasNext()) {
          for (String text : batch) {
            int[] ids = m.tokenizer().encode(text);
            int context = m.config().contextLength();
            if (ids.length > context) {
              throw new IllegalArgumentException("a row of " + ids.length + " tokens is longer than "
                  + checkpoint + "'s context of " + context + " tokens");
            }
            out.add(ids.length < 2 ? 0.0 : Probabilities.score(model, ids).totalLogProbability());
          }
          batch.clear();
        }
      }
      return out.iterator();
    });
  }

  /** The model of {@code checkpoint}, loaded once per JVM. */
  static LoadedModel load(String checkpoint, String tokenizer) {
    return LOADED.computeIfAbsent(checkpoint + "|" + tokenizer, k -> {
      try {
        LoadedModel m = Checkpoints.load(Path.of(checkpoint),
            tokenizer == null ? null : Path.of(tokenizer));
        if (m.tokenizer() == null) {
          throw new IllegalArgumentException("checkpoint " + checkpoint
              + " carries no tokenizer; pass the tokenizer file");
        }
        return m;
      } catch (IOException e) {
        throw new UncheckedIOException("cannot load " + checkpoint + ": " + e.getMessage(), e);
      }
    });
  }
}
