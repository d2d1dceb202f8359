package dev.llmkit.model.cost;

import java.util.Objects;

/**
 * What a model costs, from its shape alone (no weights): parameters, bytes of weights and KV cache,
 * FLOPs of inference and training, the compute-optimal token count, and the memory of training.
 *
 * <p>Formulas and their sources:
 * <ul>
 *   <li>{@link #flopsPerTokenForward}: {@code 2·N + 2·nLayers·context·d_attn} (Kaplan et al. 2020,
 *       table 1), where N counts every weight multiplied with activations: the non-embedding
 *       parameters, plus the token table again when it is tied to the output projection.
 *   <li>{@link #trainFlops}: three forward passes' worth per token (backward is twice forward),
 *       {@code ≈ 6·N·T} plus the attention term.
 *   <li>{@link #chinchillaTokens}: 20 tokens per parameter (Hoffmann et al. 2022, table 3).
 *   <li>{@link #trainMemory}: llmkit's own trainer layout (f32 weights, gradients and two AdamW
 *       moments; the activation buffers {@code TrainableModel} allocates for a batch shape).
 * </ul>
 */
public final class CostModel {

  /** Tokens per parameter at the compute-optimal point (Hoffmann et al. 2022). */
  public static final int CHINCHILLA_TOKENS_PER_PARAMETER = 20;

  private final ArchitectureShape shape;

  private CostModel(ArchitectureShape shape) {
    this.shape = Objects.requireNonNull(shape, "shape");
  }

  /** The cost model of {@code shape}. */
  public static CostModel of(ArchitectureShape shape) {
    return new CostModel(shape);
  }

  /** The shape this model costs. */
  public ArchitectureShape shape() {
    return shape;
  }

  /** Distinct parameters (a tied output matrix counted once). */
  public long params() {
    long n = 0;
    for (ParameterTensor t : shape.tensors()) {
      n += t.elements();
    }
    return n;
  }

  /** Parameters outside the embedding tables (token, position, token-type), as Kaplan counts N. */
  public long paramsNonEmbedding() {
    long n = 0;
    for (ParameterTensor t : shape.tensors()) {
      if (t.kind() != ParameterTensor.Kind.EMBEDDING) {
        n += t.elements();
      }
    }
    return n;
  }

  /** Weights multiplied with activations per token: non-embedding, plus a tied output matrix. */
  public long matmulParams() {
    long n = paramsNonEmbedding();
    if (shape.decoder() && shape.tiedEmbeddings()) {
      n += (long) shape.vocabSize() * shape.dim();
    }
    return n;
  }

  /** Bytes of all weights stored in {@code format} (see {@link WeightFormat} for llama.cpp's rules). */
  public long weightsBytes(WeightFormat format) {
    long b = 0;
    for (ParameterTensor t : shape.tensors()) {
      boolean output = t.name().equals("lm_head")
          || (shape.decoder() && shape.tiedEmbeddings() && t.name().equals("token_embedding"));
      b += format.bytes(t, output);
    }
    return b;
  }

  /**
   * Bytes the KV cache holds per token: {@code 2 (k and v) · nLayers · nKvHeads · headDim ·
   * bytesPerElement}; 0 for an encoder, which keeps no cache.
   */
  public long kvCacheBytesPerToken(int bytesPerElement) {
    if (bytesPerElement <= 0) {
      throw new IllegalArgumentException("bytes per KV element must be > 0, got " + bytesPerElement);
    }
    return shape.decoder() ? 2L * shape.nLayers() * shape.kvDim() * bytesPerElement : 0;
  }

  /** KV cache bytes for {@code batch} sequences of {@code context} tokens. */
  public long kvCacheBytes(int context, int batch, int bytesPerElement) {
    positive("context", context);
    positive("batch", batch);
    return kvCacheBytesPerToken(bytesPerElement) * context * batch;
  }

  /** FLOPs of one token's forward pass at {@code context}: {@code 2·N + 2·nLayers·context·d_attn}. */
  public double flopsPerTokenForward(int context) {
    positive("context", context);
    return 2.0 * matmulParams() + 2.0 * shape.nLayers() * context * shape.qDim();
  }

  /** FLOPs of training on {@code tokens} tokens at {@code context}: {@code 3 × forward} per token. */
  public double trainFlops(double tokens, int context) {
    if (!(tokens > 0) || Double.isInfinite(tokens)) {
      throw new IllegalArgumentException("tokens must be > 0, got " + tokens);
    }
    return 3.0 * flopsPerTokenForward(context) * tokens;
  }

  /** Training FLOPs per token at {@code context} ({@code 3 × forward}). */
  public double trainFlopsPerToken(int context) {
    return 3.0 * flopsPerTokenForward(context);
  }

  /** The compute-optimal token count for this size: about 20 tokens per parameter. */
  public long chinchillaTokens() {
    return CHINCHILLA_TOKENS_PER_PARAMETER * params();
  }

  /**
   * Memory of training this model with llmkit's trainer at {@code batch} sequences of
   * {@code block} tokens, f32 throughout.
   *
   * @param recompute whether blocks keep only their input and recompute their activations in
   *     backward (one block's buffers shared by all blocks)
   */
  public TrainMemory trainMemory(int batch, int block, boolean recompute) {
    positive("batch", batch);
    positive("block", block);
    long p = params();
    long rows = (long) batch * block;
    long c = shape.dim();
    long v = shape.vocabSize();
    long f = shape.ffnDim();
    boolean layerNorm = shape.normBias();
    // one block: attention q, att and their gradients (R, H*hd) x4; k, v and gradients (R, KV*hd) x4;
    // probabilities (B, H, T, T); feed-forward a, h, da, dh (R, F) and, gated, u and du;
    // normed inputs / sublayer sums, residual midpoint, output and two gradients (R, C) x6;
    // norm statistics rstd x2 and, for LayerNorm, mean x2 (R)
    long perBlock = 4 * rows * shape.qDim() + 4 * rows * shape.kvDim()
        + (long) batch * shape.nHeads() * block * block
        + (shape.gated() ? 6 : 4) * rows * f
        + 6 * rows * c
        + (layerNorm ? 4 : 2) * rows;
    long blocks = recompute ? perBlock : perBlock * shape.nLayers();
    // model: residual stream x_0..x_L (R, C); final norm output, two residual gradients and the
    // final norm's gradient (R, C) x4; its statistics (R) x1-2; logits and the loss' work (R, V) x2
    long model = (shape.nLayers() + 1) * rows * c + 4 * rows * c + (layerNorm ? 2 : 1) * rows
        + 2 * rows * v;
    return new TrainMemory(4 * p, 4 * p, 8 * p, 4 * (blocks + model));
  }

  private static void positive(String name, int v) {
    if (v <= 0) {
      throw new IllegalArgumentException(name + " must be > 0, got " + v);
    }
  }
}
