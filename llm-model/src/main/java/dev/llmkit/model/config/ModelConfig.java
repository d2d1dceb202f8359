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
    SWIGLU
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
    if (dim % nHeads != 0) {
      throw new IllegalArgumentException(
          "dim " + dim + " must be a multiple of nHeads " + nHeads);
    }
    if (nHeads % nKvHeads != 0) {
      throw new IllegalArgumentException(
          "nHeads " + nHeads + " must be a multiple of nKvHeads " + nKvHeads);
    }
    if (positions == PositionEncoding.ROTARY && (dim / nHeads) % 2 != 0) {
      throw new IllegalArgumentException(
          "rotary positions need an even head dimension, got " + (dim / nHeads));
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

  /** Width of one attention head. */
  public int headDim() {
    return dim / nHeads;
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
    /** Ids that end a generation besides eosTokenId; default none. */
    public Builder stopTokenIds(List<Integer> v) { this.stopTokenIds = v; return this; }

    /** Builds and validates the config. */
    public ModelConfig build() {
      return new ModelConfig(
          vocabSize, dim, nLayers, nHeads, nKvHeads == 0 ? nHeads : nKvHeads, ffnDim, contextLength,
          positions, ropeStyle, ropeTheta, norm, normEps, preNorm, activation, attentionBias,
          mlpBias, tiedEmbeddings, bosTokenId, eosTokenId, stopTokenIds);
    }
  }
}
