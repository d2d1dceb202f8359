package dev.llmkit.model.weights;

import dev.llmkit.model.config.ModelConfig;
import dev.llmkit.model.config.ModelConfig.Activation;
import dev.llmkit.model.config.ModelConfig.NormType;
import dev.llmkit.model.config.ModelConfig.PositionEncoding;
import dev.llmkit.tensor.Tensor;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * All parameters of a model of a given {@link ModelConfig}, in the canonical layout of
 * {@link LayerWeights} (matrices {@code [out, in]}).
 *
 * <p>{@link #named()} lists every distinct parameter tensor once, under a stable canonical name, in
 * a fixed order: checkpoint writers, optimisers and tests iterate over it. When the embeddings are
 * tied, {@link #lmHead()} is the same tensor as {@link #tokenEmbedding()} and is listed once.
 */
public final class ModelWeights {

  private final ModelConfig config;
  private final Tensor tokenEmbedding;
  private final Tensor positionEmbedding;
  private final LayerWeights[] layers;
  private final Tensor finalNormWeight;
  private final Tensor finalNormBias;
  private final Tensor lmHead;
  private final Map<String, Tensor> named;

  /**
   * Checks every shape against the config and builds the canonical name map.
   *
   * @param tokenEmbedding (V, C)
   * @param positionEmbedding (contextLength, C) for learned positions, else null
   * @param layers one per block
   * @param finalNormWeight (C)
   * @param finalNormBias (C) for LayerNorm, else null
   * @param lmHead (V, C); pass {@code tokenEmbedding} itself, or null, when the embeddings are tied
   */
  public ModelWeights(
      ModelConfig config,
      Tensor tokenEmbedding,
      Tensor positionEmbedding,
      LayerWeights[] layers,
      Tensor finalNormWeight,
      Tensor finalNormBias,
      Tensor lmHead) {
    this.config = Objects.requireNonNull(config, "config");
    this.tokenEmbedding = tokenEmbedding;
    this.positionEmbedding = positionEmbedding;
    this.layers = layers.clone();
    this.finalNormWeight = finalNormWeight;
    this.finalNormBias = finalNormBias;
    this.lmHead = config.tiedEmbeddings() || lmHead == null ? tokenEmbedding : lmHead;
    this.named = Collections.unmodifiableMap(buildNames());
  }

  private Map<String, Tensor> buildNames() {
    ModelConfig c = config;
    int C = c.dim();
    int H = c.ffnDim();
    int q = c.nHeads() * c.headDim();
    int kv = c.kvDim();
    boolean ln = c.norm() == NormType.LAYER_NORM;
    boolean gated = c.activation().gated();
    Map<String, Tensor> m = new LinkedHashMap<>();
    put(m, "tok_embeddings.weight", tokenEmbedding, true, c.vocabSize(), C);
    put(m, "pos_embeddings.weight", positionEmbedding,
        c.positions() == PositionEncoding.LEARNED, c.contextLength(), C);
    if (layers.length != c.nLayers()) {
      throw new IllegalArgumentException(
          "config has " + c.nLayers() + " layers, weights have " + layers.length);
    }
    for (int i = 0; i < layers.length; i++) {
      LayerWeights l = layers[i];
      String p = "layers." + i + ".";
      put(m, p + "attn_norm.weight", l.attnNormWeight(), true, C);
      put(m, p + "attn_norm.bias", l.attnNormBias(), ln, C);
      put(m, p + "attn.wq.weight", l.wq(), true, q, C);
      put(m, p + "attn.wq.bias", l.bq(), c.attentionBias(), q);
      put(m, p + "attn.wk.weight", l.wk(), true, kv, C);
      put(m, p + "attn.wk.bias", l.bk(), c.attentionBias(), kv);
      put(m, p + "attn.wv.weight", l.wv(), true, kv, C);
      put(m, p + "attn.wv.bias", l.bv(), c.attentionBias(), kv);
      put(m, p + "attn.wo.weight", l.wo(), true, C, q);
      put(m, p + "attn.wo.bias", l.bo(), c.attentionBias(), C);
      put(m, p + "mlp_norm.weight", l.mlpNormWeight(), true, C);
      put(m, p + "mlp_norm.bias", l.mlpNormBias(), ln, C);
      put(m, p + "mlp.w1.weight", l.w1(), true, H, C);
      put(m, p + "mlp.w1.bias", l.b1(), c.mlpBias(), H);
      put(m, p + "mlp.w3.weight", l.w3(), gated, H, C);
      put(m, p + "mlp.w2.weight", l.w2(), true, C, H);
      put(m, p + "mlp.w2.bias", l.b2(), c.mlpBias(), C);
      put(m, p + "post_attn_norm.weight", l.postAttnNormWeight(), c.sandwichNorms(), C);
      put(m, p + "post_mlp_norm.weight", l.postFfnNormWeight(), c.sandwichNorms(), C);
    }
    put(m, "final_norm.weight", finalNormWeight, true, C);
    put(m, "final_norm.bias", finalNormBias, ln, C);
    if (lmHead != tokenEmbedding) {
      put(m, "lm_head.weight", lmHead, true, c.vocabSize(), C);
    }
    return m;
  }

  private static void put(Map<String, Tensor> m, String name, Tensor t, boolean expected, int... shape) {
    if (!expected) {
      if (t != null) {
        throw new IllegalArgumentException(
            "parameter " + name + " is present but the config has no such parameter");
      }
      return;
    }
    if (t == null) {
      throw new IllegalArgumentException("parameter " + name + " is missing");
    }
    if (!Arrays.equals(t.shape(), shape)) {
      throw new IllegalArgumentException(
          "parameter " + name + " has shape " + t.shapeString() + ", config expects "
              + Arrays.toString(shape));
    }
    m.put(name, t);
  }

  /** New weights of zeros (norm weights zero too): a buffer to load into, or for gradients. */
  public static ModelWeights zeros(ModelConfig c) {
    return init(c, 0L, 0f);
  }

  /**
   * New weights initialised as GPT-2/nanoGPT do: matrices and embeddings normal(0, std), the output
   * projections of attention and feed-forward normal(0, std / sqrt(2 * nLayers)), biases zero and
   * norm weights one. The same seed gives the same weights.
   */
  public static ModelWeights init(ModelConfig c, long seed, float std) {
    long[] s = {seed};
    java.util.function.Function<int[], Tensor> normal =
        shape -> std == 0f ? Tensor.zeros(shape) : Tensor.randn(s[0]++, std, shape);
    float projStd = (float) (std / Math.sqrt(2.0 * c.nLayers()));
    java.util.function.Function<int[], Tensor> proj =
        shape -> std == 0f ? Tensor.zeros(shape) : Tensor.randn(s[0]++, projStd, shape);
    float one = std == 0f ? 0f : 1f;
    int C = c.dim();
    int H = c.ffnDim();
    int q = c.nHeads() * c.headDim();
    int kv = c.kvDim();
    boolean ln = c.norm() == NormType.LAYER_NORM;
    boolean gated = c.activation().gated();
    Tensor tok = normal.apply(new int[] {c.vocabSize(), C});
    Tensor pos = c.positions() == PositionEncoding.LEARNED
        ? normal.apply(new int[] {c.contextLength(), C}) : null;
    LayerWeights[] layers = new LayerWeights[c.nLayers()];
    for (int i = 0; i < layers.length; i++) {
      layers[i] = new LayerWeights(
          Tensor.full(one, C), ln ? Tensor.zeros(C) : null,
          normal.apply(new int[] {q, C}), c.attentionBias() ? Tensor.zeros(q) : null,
          normal.apply(new int[] {kv, C}), c.attentionBias() ? Tensor.zeros(kv) : null,
          normal.apply(new int[] {kv, C}), c.attentionBias() ? Tensor.zeros(kv) : null,
          proj.apply(new int[] {C, q}), c.attentionBias() ? Tensor.zeros(C) : null,
          Tensor.full(one, C), ln ? Tensor.zeros(C) : null,
          normal.apply(new int[] {H, C}), c.mlpBias() ? Tensor.zeros(H) : null,
          gated ? normal.apply(new int[] {H, C}) : null,
          proj.apply(new int[] {C, H}), c.mlpBias() ? Tensor.zeros(C) : null,
          c.sandwichNorms() ? Tensor.full(one, C) : null,
          c.sandwichNorms() ? Tensor.full(one, C) : null);
    }
    Tensor head = c.tiedEmbeddings() ? tok : normal.apply(new int[] {c.vocabSize(), C});
    return new ModelWeights(c, tok, pos, layers, Tensor.full(one, C), ln ? Tensor.zeros(C) : null, head);
  }

  public ModelConfig config() { return config; }

  /** (V, C) token embedding table. */
  public Tensor tokenEmbedding() { return tokenEmbedding; }

  /** (contextLength, C) learned position table, or null. */
  public Tensor positionEmbedding() { return positionEmbedding; }

  /** Number of blocks. */
  public int nLayers() { return layers.length; }

  /** The parameters of block {@code i}. */
  public LayerWeights layer(int i) { return layers[i]; }

  /** (C) final norm weight. */
  public Tensor finalNormWeight() { return finalNormWeight; }

  /** (C) final norm bias, or null. */
  public Tensor finalNormBias() { return finalNormBias; }

  /** (V, C) output projection; the token embedding itself when tied. */
  public Tensor lmHead() { return lmHead; }

  /** Every distinct parameter under its canonical name, in a fixed order. */
  public Map<String, Tensor> named() { return named; }

  /** Total number of parameters (tied tensors counted once). */
  public long parameterCount() {
    long n = 0;
    for (Tensor t : named.values()) {
      n += t.length();
    }
    return n;
  }
}
