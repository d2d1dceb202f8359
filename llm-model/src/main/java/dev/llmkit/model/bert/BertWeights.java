package dev.llmkit.model.bert;

import dev.llmkit.model.weights.LayerWeights;
import dev.llmkit.tensor.Tensor;
import java.util.List;
import java.util.Objects;

/**
 * The parameters of a BERT model in the library's canonical layout (matrices {@code [out, in]}, as
 * {@code nn.Linear} stores them). Each encoder block is a post-norm {@link LayerWeights}: its
 * "attention norm" is BERT's {@code attention.output.LayerNorm} (after the attention residual), its
 * "MLP norm" {@code output.LayerNorm} (after the feed-forward residual); w3 is null.
 *
 * @param config the shape
 * @param wordEmbeddings (V, C)
 * @param positionEmbeddings (maxPositions, C)
 * @param tokenTypeEmbeddings (typeVocabSize, C)
 * @param embeddingNormWeight (C) LayerNorm after the embeddings
 * @param embeddingNormBias (C)
 * @param layers one per block
 * @param pooler the pooler (dense + tanh over [CLS]), or null
 * @param mlm the masked-LM head, or null
 * @param classifier the sequence-classification head, or null
 */
public record BertWeights(BertConfig config, Tensor wordEmbeddings, Tensor positionEmbeddings,
    Tensor tokenTypeEmbeddings, Tensor embeddingNormWeight, Tensor embeddingNormBias,
    List<LayerWeights> layers, Dense pooler, MlmHead mlm, Dense classifier) {

  /** Checks that every tensor has the shape the config implies. */
  public BertWeights {
    Objects.requireNonNull(config, "config");
    int v = config.vocabSize();
    int c = config.hidden();
    int h = config.intermediate();
    shape("word embeddings", wordEmbeddings, v, c);
    shape("position embeddings", positionEmbeddings, config.maxPositions(), c);
    shape("token type embeddings", tokenTypeEmbeddings, config.typeVocabSize(), c);
    shape("embedding LayerNorm weight", embeddingNormWeight, c);
    shape("embedding LayerNorm bias", embeddingNormBias, c);
    layers = List.copyOf(layers);
    if (layers.size() != config.layers()) {
      throw new IllegalArgumentException(
          "BertWeights: " + layers.size() + " layers, the config has " + config.layers());
    }
    for (int i = 0; i < layers.size(); i++) {
      LayerWeights l = layers.get(i);
      String p = "layer " + i + " ";
      shape(p + "query", l.wq(), c, c);
      shape(p + "key", l.wk(), c, c);
      shape(p + "value", l.wv(), c, c);
      shape(p + "attention output", l.wo(), c, c);
      shape(p + "intermediate", l.w1(), h, c);
      shape(p + "output", l.w2(), c, h);
      for (Tensor b : new Tensor[] {l.bq(), l.bk(), l.bv(), l.bo(), l.b2(), l.attnNormWeight(),
          l.attnNormBias(), l.mlpNormWeight(), l.mlpNormBias()}) {
        shape(p + "bias/norm", b, c);
      }
      shape(p + "intermediate bias", l.b1(), h);
    }
    if (pooler != null) {
      shape("pooler", pooler.weight(), c, c);
    }
    if (mlm != null) {
      shape("MLM transform", mlm.transform().weight(), c, c);
      shape("MLM LayerNorm weight", mlm.normWeight(), c);
      shape("MLM LayerNorm bias", mlm.normBias(), c);
      shape("MLM decoder bias", mlm.decoderBias(), v);
      if (mlm.decoder() != null) {
        shape("MLM decoder", mlm.decoder(), v, c);
      }
    }
    if (classifier != null) {
      shape("classifier", classifier.weight(), Math.max(1, classifier.weight().dim(0)), c);
      if (!config.labels().isEmpty() && classifier.weight().dim(0) != config.labels().size()) {
        throw new IllegalArgumentException("BertWeights: classifier has " + classifier.weight().dim(0)
            + " classes, the config names " + config.labels().size() + " labels");
      }
    }
  }

  private static void shape(String what, Tensor t, int... expected) {
    if (t == null || !java.util.Arrays.equals(t.shape(), expected)) {
      throw new IllegalArgumentException("BertWeights: " + what + " is "
          + (t == null ? "missing" : t.shapeString()) + ", expected "
          + java.util.Arrays.toString(expected));
    }
  }

  /**
   * A dense layer {@code y = x·Wᵀ + b}.
   *
   * @param weight (out, in)
   * @param bias (out)
   */
  public record Dense(Tensor weight, Tensor bias) {
    /** Checks the bias against W. */
    public Dense {
      Objects.requireNonNull(weight, "weight");
      if (bias != null && bias.length() != weight.dim(0)) {
        throw new IllegalArgumentException(
            "Dense: bias " + bias.shapeString() + " must have W's " + weight.dim(0) + " rows");
      }
    }
  }

  /**
   * The masked-LM head: {@code LayerNorm(act(h·Tᵀ + t))·Eᵀ + b}.
   *
   * @param transform (C, C) dense of the transform
   * @param normWeight (C) its LayerNorm
   * @param normBias (C)
   * @param decoder (V, C), or null when tied to the word embeddings (BERT's default)
   * @param decoderBias (V)
   */
  public record MlmHead(Dense transform, Tensor normWeight, Tensor normBias, Tensor decoder,
      Tensor decoderBias) {}

  /**
   * These weights with every tensor replaced by {@code f} of it (absent heads stay absent, a tied
   * decoder stays tied).
   */
  public BertWeights map(java.util.function.UnaryOperator<Tensor> f) {
    java.util.function.UnaryOperator<Tensor> g = t -> t == null ? null : f.apply(t);
    List<LayerWeights> ls = new java.util.ArrayList<>();
    for (LayerWeights l : layers) {
      ls.add(new LayerWeights(g.apply(l.attnNormWeight()), g.apply(l.attnNormBias()),
          g.apply(l.wq()), g.apply(l.bq()), g.apply(l.wk()), g.apply(l.bk()), g.apply(l.wv()),
          g.apply(l.bv()), g.apply(l.wo()), g.apply(l.bo()), g.apply(l.mlpNormWeight()),
          g.apply(l.mlpNormBias()), g.apply(l.w1()), g.apply(l.b1()), null, g.apply(l.w2()),
          g.apply(l.b2())));
    }
    Dense p = pooler == null ? null : new Dense(g.apply(pooler.weight()), g.apply(pooler.bias()));
    MlmHead m = mlm == null ? null : new MlmHead(
        new Dense(g.apply(mlm.transform().weight()), g.apply(mlm.transform().bias())),
        g.apply(mlm.normWeight()), g.apply(mlm.normBias()), g.apply(mlm.decoder()),
        g.apply(mlm.decoderBias()));
    Dense k = classifier == null ? null
        : new Dense(g.apply(classifier.weight()), g.apply(classifier.bias()));
    return new BertWeights(config, g.apply(wordEmbeddings), g.apply(positionEmbeddings),
        g.apply(tokenTypeEmbeddings), g.apply(embeddingNormWeight), g.apply(embeddingNormBias), ls,
        p, m, k);
  }

  /** Zero tensors of the same shapes and structure: the gradients of training. */
  public BertWeights zerosLike() {
    return map(t -> Tensor.zeros(t.shape()));
  }

  /** Every parameter under its Hugging Face name (a tied decoder appears once, as the embeddings). */
  public java.util.Map<String, Tensor> named() {
    return BertCheckpoint.toHf(this);
  }

  /** These weights with the given heads. */
  public BertWeights withHeads(Dense newPooler, MlmHead newMlm, Dense newClassifier, BertConfig c) {
    return new BertWeights(c, wordEmbeddings, positionEmbeddings, tokenTypeEmbeddings,
        embeddingNormWeight, embeddingNormBias, layers, newPooler, newMlm, newClassifier);
  }
}
