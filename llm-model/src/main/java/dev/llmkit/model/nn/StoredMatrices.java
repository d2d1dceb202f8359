package dev.llmkit.model.nn;

import dev.llmkit.model.config.ModelConfig;
import dev.llmkit.model.weights.LayerWeights;
import dev.llmkit.model.weights.ModelWeights;
import dev.llmkit.tensor.AttentionMask;
import dev.llmkit.tensor.DecodeMatrices;
import dev.llmkit.tensor.Tensor;
import dev.llmkit.tensor.WeightMatrix;
import dev.llmkit.tensor.quant.QuantizedMatrix;

/**
 * The layers of a {@link Transformer} whose weights hold stored (quantized) matrices
 * ({@link ModelWeights#storedMatrices()}): each matrix is read as it is stored when it is, else from
 * its F32 tensor as the decode mode says. The same layers as {@link Block#of}, {@link Attention#of}
 * and {@link FeedForward#of} build from F32 weights.
 */
final class StoredMatrices {

  private final ModelWeights weights;
  private final ModelConfig config;
  private final DecodeMatrices mode;

  StoredMatrices(ModelWeights weights, DecodeMatrices mode) {
    this.weights = weights;
    this.config = weights.config();
    this.mode = mode;
  }

  /** The layer of the canonical matrix {@code name}: stored, or over the F32 {@code w} as mode says. */
  private Linear linear(String name, Tensor w, Tensor bias) {
    WeightMatrix s = weights.stored(name);
    return s != null ? new Linear(s, bias) : Linear.of(w, bias, mode);
  }

  /** Token table: quantized when stored (rows dequantized on lookup), else F32. */
  Embeddings embeddings(Positions positions) {
    WeightMatrix s = weights.stored("tok_embeddings.weight");
    if (s == null) {
      return new Embeddings(weights.tokenEmbedding(), positions, config.embeddingScale());
    }
    if (!(s instanceof QuantizedMatrix q)) {
      throw new IllegalArgumentException(
          "tok_embeddings.weight: a stored token table must be a QuantizedMatrix, got " + s);
    }
    if (config.embeddingScale() != 1f) {
      throw new IllegalArgumentException("tok_embeddings.weight: a quantized token table with an"
          + " embedding scale (" + config.embeddingScale() + ") is not supported; keep it F32");
    }
    return new Embeddings(q, positions);
  }

  /** Block l: causal self-attention and feed-forward, as {@link Block#of}. */
  Block block(int l, Positions positions) {
    LayerWeights w = weights.layer(l);
    String p = "layers." + l + ".";
    ModelConfig c = config;
    Attention attention = Attention.self(c.nHeads(), c.nKvHeads(),
        linear(p + "attn.wq.weight", w.wq(), w.bq()), linear(p + "attn.wk.weight", w.wk(), w.bk()),
        linear(p + "attn.wv.weight", w.wv(), w.bv()), linear(p + "attn.wo.weight", w.wo(), w.bo()),
        positions, AttentionMask.CAUSAL).withVariant(Attention.variantOf(c, l));
    Activation act = Activation.of(c.activation());
    boolean gated = act.gated();
    FeedForward ffn = new FeedForward(act,
        linear(p + "mlp.w1.weight", w.w1(), w.b1()),
        gated ? linear(p + "mlp.w3.weight", w.w3(), null) : null,
        linear(p + "mlp.w2.weight", w.w2(), w.b2()));
    return new Block(c.preNorm(),
        Norm.of(c.norm(), c.normEps(), w.attnNormWeight(), w.attnNormBias()), attention,
        Norm.of(c.norm(), c.normEps(), w.mlpNormWeight(), w.mlpNormBias()), ffn,
        c.sandwichNorms() ? Norm.of(c.norm(), c.normEps(), w.postAttnNormWeight(), null) : null,
        c.sandwichNorms() ? Norm.of(c.norm(), c.normEps(), w.postFfnNormWeight(), null) : null);
  }

  /** The output projection: lm_head, or the token table when tied; stored or F32. */
  Linear lmHead() {
    WeightMatrix s = weights.stored("lm_head.weight");
    if (s == null && weights.lmHead() == null) {
      s = weights.stored("tok_embeddings.weight");
    }
    return s != null ? new Linear(s, null) : Linear.of(weights.lmHead(), null, mode);
  }
}
