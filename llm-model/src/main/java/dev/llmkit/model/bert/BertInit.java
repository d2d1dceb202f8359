package dev.llmkit.model.bert;

import dev.llmkit.model.weights.LayerWeights;
import dev.llmkit.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Fresh BERT parameters as Hugging Face's {@code BertPreTrainedModel._init_weights} makes them:
 * every matrix and embedding table normal(0, 0.02), biases 0, LayerNorm weight 1 and bias 0; the
 * masked-LM decoder tied to the word embeddings. Each tensor draws from its own seed, derived from
 * {@code seed}, so the same seed gives the same model.
 */
public final class BertInit {

  /** The standard deviation of BERT's {@code initializer_range}. */
  public static final float STD = 0.02f;

  private BertInit() {}

  /**
   * A randomly initialised model.
   *
   * @param c the shape
   * @param seed the seed
   * @param pooler whether to include the pooler
   * @param mlm whether to include the masked-LM head
   * @return the weights (a classifier when {@code c.labels()} is not empty)
   */
  public static BertWeights random(BertConfig c, long seed, boolean pooler, boolean mlm) {
    Objects.requireNonNull(c, "config");
    Seeds s = new Seeds(seed);
    int d = c.hidden();
    int h = c.intermediate();
    List<LayerWeights> layers = new ArrayList<>();
    for (int i = 0; i < c.layers(); i++) {
      layers.add(new LayerWeights(ones(d), zeros(d), s.normal(d, d), zeros(d), s.normal(d, d),
          zeros(d), s.normal(d, d), zeros(d), s.normal(d, d), zeros(d), ones(d), zeros(d),
          s.normal(h, d), zeros(h), null, s.normal(d, h), zeros(d)));
    }
    BertWeights.Dense p = pooler ? new BertWeights.Dense(s.normal(d, d), zeros(d)) : null;
    BertWeights.MlmHead m = mlm ? new BertWeights.MlmHead(
        new BertWeights.Dense(s.normal(d, d), zeros(d)), ones(d), zeros(d), null,
        zeros(c.vocabSize())) : null;
    BertWeights.Dense k = c.labels().isEmpty() ? null
        : new BertWeights.Dense(s.normal(c.labels().size(), d), zeros(c.labels().size()));
    return new BertWeights(c, s.normal(c.vocabSize(), d), s.normal(c.maxPositions(), d),
        s.normal(c.typeVocabSize(), d), ones(d), zeros(d), layers, p, m, k);
  }

  /**
   * {@code w} made a sequence classifier over {@code labels}: a fresh classifier (and a fresh pooler
   * when it has none); the masked-LM head is dropped (a fine-tuned classifier does not carry it).
   *
   * @throws IllegalArgumentException when there are fewer than two labels
   */
  public static BertWeights withClassifier(BertWeights w, List<String> labels, long seed) {
    if (labels == null || labels.size() < 2) {
      throw new IllegalArgumentException("BertInit.withClassifier: expected at least 2 labels, got "
          + labels);
    }
    Seeds s = new Seeds(seed);
    int d = w.config().hidden();
    BertWeights.Dense pooler = w.pooler() != null ? w.pooler()
        : new BertWeights.Dense(s.normal(d, d), zeros(d));
    BertWeights.Dense classifier = new BertWeights.Dense(s.normal(labels.size(), d),
        zeros(labels.size()));
    return w.withHeads(pooler, null, classifier, w.config().withLabels(labels));
  }

  private static Tensor zeros(int n) {
    return Tensor.zeros(n);
  }

  private static Tensor ones(int n) {
    return Tensor.full(1f, n);
  }

  /** One seed per tensor, in order. */
  private static final class Seeds {
    private long next;

    Seeds(long seed) {
      this.next = seed * 1_000_003L;
    }

    Tensor normal(int... shape) {
      return Tensor.randn(next++, STD, shape);
    }
  }
}
