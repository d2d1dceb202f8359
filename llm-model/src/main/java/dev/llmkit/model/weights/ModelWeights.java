package dev.llmkit.model.weights;

import dev.llmkit.model.config.ModelConfig;
import dev.llmkit.model.config.ModelConfig.Activation;
import dev.llmkit.model.config.ModelConfig.NormType;
import dev.llmkit.model.config.ModelConfig.PositionEncoding;
import dev.llmkit.tensor.Tensor;
import dev.llmkit.tensor.WeightMatrix;
import dev.llmkit.tensor.quant.QuantType;
import dev.llmkit.tensor.quant.QuantizedMatrix;
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
 *
 * <p>Matrices may instead be <em>stored</em> in another form than an F32 tensor, such as the
 * quantized blocks of a GGUF file ({@link QuantizedMatrix}): such a matrix is listed under its
 * canonical name in {@link #storedMatrices()} and its tensor accessor returns null, so no F32 copy
 * exists. Inference ({@code Transformer}) reads them as they are; training and the checkpoint writers
 * need {@link #dequantized()}.
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
  private final Map<String, WeightMatrix> stored;

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
    this(config, tokenEmbedding, positionEmbedding, layers, finalNormWeight, finalNormBias, lmHead,
        Map.of());
  }

  /**
   * As the other constructor, with some matrices stored in another form than F32 (e.g. quantized):
   * {@code stored} maps canonical names ({@code tok_embeddings.weight}, {@code layers.N.attn.wq.weight},
   * {@code lm_head.weight}, ...) to matrices of the shape the config implies, and the tensor given
   * for each of those names must be null.
   *
   * @throws IllegalArgumentException when a stored matrix has the wrong shape, names no matrix of
   *     the config, or is given as a tensor as well
   */
  public ModelWeights(
      ModelConfig config,
      Tensor tokenEmbedding,
      Tensor positionEmbedding,
      LayerWeights[] layers,
      Tensor finalNormWeight,
      Tensor finalNormBias,
      Tensor lmHead,
      Map<String, ? extends WeightMatrix> stored) {
    this.config = Objects.requireNonNull(config, "config");
    this.stored = Collections.unmodifiableMap(new LinkedHashMap<>(stored));
    this.tokenEmbedding = tokenEmbedding;
    this.positionEmbedding = positionEmbedding;
    this.layers = layers.clone();
    this.finalNormWeight = finalNormWeight;
    this.finalNormBias = finalNormBias;
    this.lmHead = this.stored.containsKey("lm_head.weight") ? null
        : config.tiedEmbeddings() || lmHead == null ? tokenEmbedding : lmHead;
    Map<String, Tensor> m = buildNames();
    for (String name : this.stored.keySet()) {
      if (!checked.contains(name)) {
        throw new IllegalArgumentException(
            "stored matrix " + name + " is not a matrix of the config (expected one of the canonical "
                + "matrix names, e.g. layers.0.attn.wq.weight)");
      }
    }
    this.named = Collections.unmodifiableMap(m);
  }

  /** Names of stored matrices whose shapes were checked. */
  private final java.util.Set<String> checked = new java.util.HashSet<>();

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
    if (lmHead != tokenEmbedding || stored.containsKey("lm_head.weight")) {
      put(m, "lm_head.weight", lmHead != tokenEmbedding ? lmHead : null, true, c.vocabSize(), C);
    }
    return m;
  }

  private void put(Map<String, Tensor> m, String name, Tensor t, boolean expected, int... shape) {
    WeightMatrix s = stored.get(name);
    if (s != null) {
      if (!expected || t != null || shape.length != 2) {
        throw new IllegalArgumentException("parameter " + name + (t != null
            ? " is given both as a tensor and as a stored matrix" : " cannot be a stored matrix"));
      }
      if (s.rows() != shape[0] || s.cols() != shape[1]) {
        throw new IllegalArgumentException(
            "stored matrix " + name + " has shape [" + s.rows() + ", " + s.cols() + "], config expects "
                + Arrays.toString(shape));
      }
      checked.add(name);
      return;
    }
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

  /** (V, C) token embedding table; null when stored ({@code "tok_embeddings.weight"}). */
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

  /**
   * (V, C) output projection; the token embedding itself when tied; null when stored (see
   * {@link #stored(String)} {@code "lm_head.weight"}, or {@code "tok_embeddings.weight"} when tied).
   */
  public Tensor lmHead() { return lmHead; }

  /**
   * Every distinct F32 parameter under its canonical name, in a fixed order; stored matrices
   * ({@link #storedMatrices()}) are not listed.
   */
  public Map<String, Tensor> named() { return named; }

  /** The matrices stored in another form than F32 (quantized), by canonical name; empty for most. */
  public Map<String, WeightMatrix> storedMatrices() { return stored; }

  /** The stored matrix of canonical name {@code name}, or null when it is an F32 tensor or absent. */
  public WeightMatrix stored(String name) { return stored.get(name); }

  /** True when some matrices are stored in another form than F32 (see {@link #dequantized()}). */
  public boolean hasStoredMatrices() { return !stored.isEmpty(); }

  /** Total number of parameters (tied tensors counted once, stored matrices included). */
  public long parameterCount() {
    long n = 0;
    for (Tensor t : named.values()) {
      n += t.length();
    }
    for (WeightMatrix w : stored.values()) {
      n += (long) w.rows() * w.cols();
    }
    return n;
  }

  /**
   * These weights with every stored matrix as a new F32 tensor ({@link WeightMatrix#toTensor()}),
   * sharing the F32 tensors; this object itself when nothing is stored. What training and the
   * checkpoint writers need.
   */
  public ModelWeights dequantized() {
    if (stored.isEmpty()) {
      return this;
    }
    return rebuild(n -> stored.containsKey(n) ? stored.get(n).toTensor() : named.get(n), Map.of());
  }

  /**
   * These weights with every matrix (attention and feed-forward matrices, the token table and the
   * output projection) quantized to {@code type} ({@link QuantizedMatrix#quantize}) and kept only in
   * that form: the F32 copies are dropped (freed once nothing else holds them). Already stored
   * matrices are kept as they are; the position table, norms and biases stay F32.
   *
   * @throws IllegalArgumentException when a matrix's rows are not whole blocks of {@code type}
   */
  public ModelWeights quantized(QuantType type) {
    Map<String, WeightMatrix> q = new LinkedHashMap<>(stored);
    for (Map.Entry<String, Tensor> e : named.entrySet()) {
      String n = e.getKey();
      if (isMatrix(n)) {
        try {
          q.put(n, QuantizedMatrix.quantize(e.getValue(), type));
        } catch (IllegalArgumentException ex) {
          throw new IllegalArgumentException("cannot quantize " + n + " to " + type + ": " + ex.getMessage(), ex);
        }
      }
    }
    return rebuild(n -> isMatrix(n) ? null : named.get(n), q);
  }

  private static boolean isMatrix(String canonical) {
    return canonical.equals("tok_embeddings.weight") || canonical.equals("lm_head.weight")
        || (canonical.startsWith("layers.") && canonical.endsWith(".weight")
            && (canonical.contains(".attn.") || canonical.contains(".mlp.")));
  }

  /** New weights whose tensor of each canonical name is {@code tensor(name)}, with {@code stored}. */
  private ModelWeights rebuild(java.util.function.Function<String, Tensor> tensor,
      Map<String, WeightMatrix> newStored) {
    java.util.function.Function<String, Tensor> t =
        n -> named.containsKey(n) || stored.containsKey(n) ? tensor.apply(n) : null;
    LayerWeights[] ls = new LayerWeights[layers.length];
    for (int i = 0; i < ls.length; i++) {
      String p = "layers." + i + ".";
      ls[i] = new LayerWeights(
          t.apply(p + "attn_norm.weight"), t.apply(p + "attn_norm.bias"),
          t.apply(p + "attn.wq.weight"), t.apply(p + "attn.wq.bias"),
          t.apply(p + "attn.wk.weight"), t.apply(p + "attn.wk.bias"),
          t.apply(p + "attn.wv.weight"), t.apply(p + "attn.wv.bias"),
          t.apply(p + "attn.wo.weight"), t.apply(p + "attn.wo.bias"),
          t.apply(p + "mlp_norm.weight"), t.apply(p + "mlp_norm.bias"),
          t.apply(p + "mlp.w1.weight"), t.apply(p + "mlp.w1.bias"),
          t.apply(p + "mlp.w3.weight"),
          t.apply(p + "mlp.w2.weight"), t.apply(p + "mlp.w2.bias"));
    }
    return new ModelWeights(config, t.apply("tok_embeddings.weight"), t.apply("pos_embeddings.weight"),
        ls, t.apply("final_norm.weight"), t.apply("final_norm.bias"), t.apply("lm_head.weight"),
        newStored);
  }
}
