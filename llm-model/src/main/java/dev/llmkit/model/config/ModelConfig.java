package dev.llmkit.model.config;

import dev.llmkit.tensor.RopeStyle;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The architecture of a decoder-only transformer: every family (GPT-2, Llama, or one a user builds in
 * code) is a value of this record. Immutable; validated on construction.
 *
 * @param vocabSize number of token ids
 * @param dim model width C (embedding size, {@code n_embd}/{@code hidden_size})
 * @param nLayers number of transformer blocks
 * @param nHeads number of query heads
 * @param nKvHeads number of key/value heads (grouped-query attention when fewer than nHeads)
 * @param ffnDim hidden width of the feed-forward network
 * @param contextLength maximum sequence length (positions 0..contextLength-1)
 * @param positions how positions are encoded
 * @param ropeStyle pair convention of rotary embeddings (ignored unless positions is ROTARY)
 * @param ropeTheta base of rotary frequencies ({@code rope_theta}, 10000 for Llama 2)
 * @param norm LayerNorm or RMSNorm
 * @param normEps epsilon of every norm
 * @param preNorm true: {@code x + Sublayer(Norm(x))} (GPT-2, Llama); false: {@code Norm(x + Sublayer(x))}
 * @param activation feed-forward activation; SWIGLU means the gated form with three matrices
 * @param attentionBias whether q/k/v/o projections have biases
 * @param mlpBias whether the feed-forward matrices have biases
 * @param tiedEmbeddings whether the output projection is the token embedding matrix
 * @param bosTokenId beginning-of-sequence id, or -1
 * @param eosTokenId end-of-sequence id, or -1
 * @param explicitHeadDim width of one attention head when it is not dim/nHeads (Gemma's
 *     {@code head_dim}); 0 means dim/nHeads
 * @param ropeScaling rescaling of the rotary frequencies ({@code rope_scaling}); {@link
 *     RopeScaling#NONE} for plain RoPE
 * @param slidingWindow the most recent positions a query attends to, itself included
 *     ({@code sliding_window}, Mistral, Gemma 2, Phi-3); 0 means the whole context
 * @param slidingWindowPeriod which layers use the window: layer l when {@code l % period == 0}
 *     (1: every layer, Mistral; 2: layers 0, 2, 4…, Gemma 2, the others attend globally)
 * @param embeddingScale factor on the token embeddings (Gemma's √dim); 1 for none
 * @param attentionScale factor on the attention scores; 0 means 1/√headDim (Gemma 2:
 *     {@code query_pre_attn_scalar^-1/2})
 * @param attentionSoftcap soft cap {@code cap·tanh(s/cap)} of the attention scores (Gemma 2); 0
 *     for none
 * @param finalLogitSoftcap soft cap of the output logits (Gemma 2); 0 for none
 * @param sandwichNorms whether each sublayer's output is normalised again before the residual add
 *     (Gemma 2's post-attention and post-feed-forward norms; pre-norm only)
 * @param stopTokenIds more ids that end a generation besides eosTokenId (a list
 *     {@code eos_token_id} of config.json or generation_config.json, GGUF's end-of-turn id); empty
 *     for most models
 */
public record ModelConfig(
    int vocabSize,
    int dim,
    int nLayers,
    int nHeads,
    int nKvHeads,
    int ffnDim,
    int contextLength,
    PositionEncoding positions,
    RopeStyle ropeStyle,
    double ropeTheta,
    NormType norm,
    float normEps,
    boolean preNorm,
    Activation activation,
    boolean attentionBias,
    boolean mlpBias,
    boolean tiedEmbeddings,
    int bosTokenId,
    int eosTokenId,
    int explicitHeadDim,
    RopeScaling ropeScaling,
    int slidingWindow,
    int slidingWindowPeriod,
    float embeddingScale,
    float attentionScale,
    float attentionSoftcap,
    float finalLogitSoftcap,
    boolean sandwichNorms,
    List<Integer> stopTokenIds) {

  /** How token positions enter the model. */
  public enum PositionEncoding {
    /** A learned position-embedding table added to the token embeddings (GPT-2). */
    LEARNED,
    /** The fixed sine/cosine table of "Attention Is All You Need", added to the embeddings. */
    SINUSOIDAL,
    /** Rotary embeddings applied to q and k in every attention layer (Llama). */
    ROTARY
  }

  /** Normalisation layer. */
  public enum NormType {
    /** LayerNorm with weight and bias. */
    LAYER_NORM,
    /** RMSNorm with weight only. */
    RMS_NORM
  }

  /** Feed-forward activation. */
  public enum Activation {
    /** {@code max(0, xW1 + b1)W2 + b2}. */
    RELU,
    /** GELU, tanh approximation ({@code gelu_new}, GPT-2). */
    GELU_TANH,
    /** GELU, exact erf form (nanoGPT's nn.GELU, BERT). */
    GELU_ERF,
    /** SwiGLU: {@code (silu(x W1) * (x W3)) W2} (Llama). */
    SWIGLU,
    /** GeGLU, tanh GELU: {@code (gelu_tanh(x W1) * (x W3)) W2} (Gemma). */
    GEGLU_TANH;

    /** Whether the feed-forward is gated (three matrices: gate W1, up W3, down W2). */
    public boolean gated() {
      return this == SWIGLU || this == GEGLU_TANH;
    }
  }

  /** Validates every field; a bad value throws naming the field. */
  public ModelConfig {
    positive("vocabSize", vocabSize);
    positive("dim", dim);
    positive("nLayers", nLayers);
    positive("nHeads", nHeads);
    positive("nKvHeads", nKvHeads);
    positive("ffnDim", ffnDim);
    positive("contextLength", contextLength);
    Objects.requireNonNull(positions, "positions");
    Objects.requireNonNull(ropeStyle, "ropeStyle");
    Objects.requireNonNull(norm, "norm");
    Objects.requireNonNull(activation, "activation");
    Objects.requireNonNull(ropeScaling, "ropeScaling");
    if (explicitHeadDim < 0) {
      throw new IllegalArgumentException("explicitHeadDim must be >= 0, got " + explicitHeadDim);
    }
    if (slidingWindow < 0 || slidingWindowPeriod < 1) {
      throw new IllegalArgumentException("slidingWindow must be >= 0 and slidingWindowPeriod >= 1, got "
          + slidingWindow + ", " + slidingWindowPeriod);
    }
    if (!(embeddingScale > 0) || Float.isInfinite(embeddingScale)) {
      throw new IllegalArgumentException("embeddingScale must be > 0 and finite, got " + embeddingScale);
    }
    if (!(attentionScale >= 0) || !(attentionSoftcap >= 0) || !(finalLogitSoftcap >= 0)
        || Float.isInfinite(attentionScale + attentionSoftcap + finalLogitSoftcap)) {
      throw new IllegalArgumentException("attentionScale, attentionSoftcap and finalLogitSoftcap must "
          + "be >= 0 and finite, got " + attentionScale + ", " + attentionSoftcap + ", "
          + finalLogitSoftcap);
    }
    if (sandwichNorms && !preNorm) {
      throw new IllegalArgumentException("sandwichNorms needs preNorm");
    }
    if (ropeScaling.type() != RopeScaling.Type.NONE && positions != PositionEncoding.ROTARY) {
      throw new IllegalArgumentException("ropeScaling " + ropeScaling + " needs rotary positions");
    }
    if (explicitHeadDim == 0 && dim % nHeads != 0) {
      throw new IllegalArgumentException(
          "dim " + dim + " must be a multiple of nHeads " + nHeads);
    }
    if (nHeads % nKvHeads != 0) {
      throw new IllegalArgumentException(
          "nHeads " + nHeads + " must be a multiple of nKvHeads " + nKvHeads);
    }
    int hd = explicitHeadDim > 0 ? explicitHeadDim : dim / nHeads;
    if (positions == PositionEncoding.ROTARY && hd % 2 != 0) {
      throw new IllegalArgumentException(
          "rotary positions need an even head dimension, got " + hd);
    }
    if (positions == PositionEncoding.SINUSOIDAL && dim % 2 != 0) {
      throw new IllegalArgumentException("sinusoidal positions need an even dim, got " + dim);
    }
    if (!(ropeTheta > 0)) {
      throw new IllegalArgumentException("ropeTheta must be > 0, got " + ropeTheta);
    }
    if (!(normEps > 0)) {
      throw new IllegalArgumentException("normEps must be > 0, got " + normEps);
    }
    if (bosTokenId >= vocabSize || eosTokenId >= vocabSize) {
      throw new IllegalArgumentException(
          "bos/eos ids " + bosTokenId + "/" + eosTokenId + " outside vocabulary of " + vocabSize);
    }
    stopTokenIds = stopTokenIds == null ? List.of() : List.copyOf(stopTokenIds);
    for (int id : stopTokenIds) {
      if (id < 0 || id >= vocabSize) {
        throw new IllegalArgumentException(
            "stop token id " + id + " outside vocabulary of " + vocabSize);
      }
    }
  }

  private static void positive(String name, int v) {
    if (v <= 0) {
      throw new IllegalArgumentException(name + " must be > 0, got " + v);
    }
  }

  /** The ids that end a generation: eosTokenId (when set) and stopTokenIds, in that order. */
  public Set<Integer> stopTokens() {
    Set<Integer> ids = new LinkedHashSet<>();
    if (eosTokenId >= 0) {
      ids.add(eosTokenId);
    }
    ids.addAll(stopTokenIds);
    return Collections.unmodifiableSet(ids);
  }

  /** Width of one attention head: {@code explicitHeadDim}, or dim/nHeads when that is 0. */
  public int headDim() {
    return explicitHeadDim > 0 ? explicitHeadDim : dim / nHeads;
  }

  /** The sliding window of layer {@code layer}, or 0 when it attends to the whole context. */
  public int windowOf(int layer) {
    return slidingWindow > 0 && layer % slidingWindowPeriod == 0 ? slidingWindow : 0;
  }

  /** Width of the key/value projections: {@code nKvHeads * headDim}. */
  public int kvDim() {
    return nKvHeads * headDim();
  }

  /**
   * GPT-2 ({@code GPT2LMHeadModel}): learned positions, pre-norm LayerNorm (eps 1e-5), tanh GELU,
   * biases everywhere, tied embeddings, ffnDim = 4 * dim.
   */
  public static ModelConfig gpt2(int vocabSize, int contextLength, int nLayers, int nHeads, int dim) {
    return builder()
        .vocabSize(vocabSize)
        .contextLength(contextLength)
        .nLayers(nLayers)
        .nHeads(nHeads)
        .nKvHeads(nHeads)
        .dim(dim)
        .ffnDim(4 * dim)
        .positions(PositionEncoding.LEARNED)
        .norm(NormType.LAYER_NORM)
        .normEps(1e-5f)
        .activation(Activation.GELU_TANH)
        .attentionBias(true)
        .mlpBias(true)
        .tiedEmbeddings(true)
        .build();
  }

  /**
   * Llama ({@code LlamaForCausalLM}): rotary positions (rotated halves, as Hugging Face stores q/k),
   * RMSNorm, SwiGLU, no biases, untied output, grouped-query attention.
   */
  public static ModelConfig llama(
      int vocabSize, int contextLength, int nLayers, int nHeads, int nKvHeads, int dim, int ffnDim) {
    return builder()
        .vocabSize(vocabSize)
        .contextLength(contextLength)
        .nLayers(nLayers)
        .nHeads(nHeads)
        .nKvHeads(nKvHeads)
        .dim(dim)
        .ffnDim(ffnDim)
        .positions(PositionEncoding.ROTARY)
        .ropeStyle(RopeStyle.ROTATE_HALF)
        .ropeTheta(10000.0)
        .norm(NormType.RMS_NORM)
        .normEps(1e-5f)
        .activation(Activation.SWIGLU)
        .tiedEmbeddings(false)
        .build();
  }

  /** A builder starting from this config. */
  public Builder toBuilder() {
    return new Builder()
        .vocabSize(vocabSize)
        .dim(dim)
        .nLayers(nLayers)
        .nHeads(nHeads)
        .nKvHeads(nKvHeads)
        .ffnDim(ffnDim)
        .contextLength(contextLength)
        .positions(positions)
        .ropeStyle(ropeStyle)
        .ropeTheta(ropeTheta)
        .norm(norm)
        .normEps(normEps)
        .preNorm(preNorm)
        .activation(activation)
        .attentionBias(attentionBias)
        .mlpBias(mlpBias)
        .tiedEmbeddings(tiedEmbeddings)
        .bosTokenId(bosTokenId)
        .eosTokenId(eosTokenId)
        .explicitHeadDim(explicitHeadDim)
        .ropeScaling(ropeScaling)
        .slidingWindow(slidingWindow)
        .slidingWindowPeriod(slidingWindowPeriod)
        .embeddingScale(embeddingScale)
        .attentionScale(attentionScale)
        .attentionSoftcap(attentionSoftcap)
        .finalLogitSoftcap(finalLogitSoftcap)
        .sandwichNorms(sandwichNorms)
        .stopTokenIds(stopTokenIds);
  }

  /** A new builder with GPT-2-like defaults for the optional fields. */
  public static Builder builder() {
    return new Builder();
  }

  /** Builder of {@link ModelConfig}; sizes have no defaults. */
  public static final class Builder {
    private int vocabSize;
    private int dim;
    private int nLayers;
    private int nHeads;
    private int nKvHeads;
    private int ffnDim;
    private int contextLength;
    private PositionEncoding positions = PositionEncoding.LEARNED;
    private RopeStyle ropeStyle = RopeStyle.ROTATE_HALF;
    private double ropeTheta = 10000.0;
    private NormType norm = NormType.LAYER_NORM;
    private float normEps = 1e-5f;
    private boolean preNorm = true;
    private Activation activation = Activation.GELU_TANH;
    private boolean attentionBias;
    private boolean mlpBias;
    private boolean tiedEmbeddings;
    private int bosTokenId = -1;
    private int eosTokenId = -1;
    private int explicitHeadDim;
    private RopeScaling ropeScaling = RopeScaling.NONE;
    private int slidingWindow;
    private int slidingWindowPeriod = 1;
    private float embeddingScale = 1f;
    private float attentionScale;
    private float attentionSoftcap;
    private float finalLogitSoftcap;
    private boolean sandwichNorms;
    private List<Integer> stopTokenIds = List.of();

    private Builder() {}

    public Builder vocabSize(int v) { this.vocabSize = v; return this; }
    public Builder dim(int v) { this.dim = v; return this; }
    public Builder nLayers(int v) { this.nLayers = v; return this; }
    public Builder nHeads(int v) { this.nHeads = v; return this; }
    /** Defaults to nHeads when not set. */
    public Builder nKvHeads(int v) { this.nKvHeads = v; return this; }
    public Builder ffnDim(int v) { this.ffnDim = v; return this; }
    public Builder contextLength(int v) { this.contextLength = v; return this; }
    public Builder positions(PositionEncoding v) { this.positions = v; return this; }
    public Builder ropeStyle(RopeStyle v) { this.ropeStyle = v; return this; }
    public Builder ropeTheta(double v) { this.ropeTheta = v; return this; }
    public Builder norm(NormType v) { this.norm = v; return this; }
    public Builder normEps(float v) { this.normEps = v; return this; }
    public Builder preNorm(boolean v) { this.preNorm = v; return this; }
    public Builder activation(Activation v) { this.activation = v; return this; }
    public Builder attentionBias(boolean v) { this.attentionBias = v; return this; }
    public Builder mlpBias(boolean v) { this.mlpBias = v; return this; }
    public Builder tiedEmbeddings(boolean v) { this.tiedEmbeddings = v; return this; }
    public Builder bosTokenId(int v) { this.bosTokenId = v; return this; }
    public Builder eosTokenId(int v) { this.eosTokenId = v; return this; }
    /** Head width when not dim/nHeads; 0 (default) for dim/nHeads. */
    public Builder explicitHeadDim(int v) { this.explicitHeadDim = v; return this; }
    /** Default {@link RopeScaling#NONE}. */
    public Builder ropeScaling(RopeScaling v) { this.ropeScaling = v; return this; }
    /** Default 0: no window. */
    public Builder slidingWindow(int v) { this.slidingWindow = v; return this; }
    /** Default 1: every layer uses the window. */
    public Builder slidingWindowPeriod(int v) { this.slidingWindowPeriod = v; return this; }
    /** Default 1. */
    public Builder embeddingScale(float v) { this.embeddingScale = v; return this; }
    /** Default 0: 1/√headDim. */
    public Builder attentionScale(float v) { this.attentionScale = v; return this; }
    /** Default 0: none. */
    public Builder attentionSoftcap(float v) { this.attentionSoftcap = v; return this; }
    /** Default 0: none. */
    public Builder finalLogitSoftcap(float v) { this.finalLogitSoftcap = v; return this; }
    /** Default false. */
    public Builder sandwichNorms(boolean v) { this.sandwichNorms = v; return this; }
    /** Ids that end a generation besides eosTokenId; default none. */
    public Builder stopTokenIds(List<Integer> v) { this.stopTokenIds = v; return this; }

    /** Builds and validates the config. */
    public ModelConfig build() {
      return new ModelConfig(
          vocabSize, dim, nLayers, nHeads, nKvHeads == 0 ? nHeads : nKvHeads, ffnDim, contextLength,
          positions, ropeStyle, ropeTheta, norm, normEps, preNorm, activation, attentionBias,
          mlpBias, tiedEmbeddings, bosTokenId, eosTokenId, explicitHeadDim, ropeScaling,
          slidingWindow, slidingWindowPeriod, embeddingScale, attentionScale, attentionSoftcap,
          finalLogitSoftcap, sandwichNorms, stopTokenIds);
    }
  }
}
