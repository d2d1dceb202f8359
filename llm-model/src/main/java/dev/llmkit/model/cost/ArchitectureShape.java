package dev.llmkit.model.cost;

import dev.llmkit.model.config.ModelConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * The sizes of a transformer that decide what it costs, and nothing else: no weights, no numerics.
 * Made from a Hugging Face {@code config.json} by {@link ConfigJson} (for every family whose shape it
 * knows, loadable by llmkit or not) or from a {@link ModelConfig} by {@link #of(ModelConfig)}.
 *
 * <p>{@link #tensors()} lists every distinct parameter tensor the family's checkpoint holds (a tied
 * output matrix once), so parameter counts and weight bytes are sums over it.
 *
 * @param family the {@code model_type} ({@code gpt2}, {@code llama}, {@code qwen2}, {@code bert}, ...)
 * @param decoder true for a causal decoder (it has a KV cache); false for an encoder (BERT)
 * @param vocabSize token ids
 * @param dim model width C ({@code hidden_size}, {@code n_embd})
 * @param nLayers transformer blocks
 * @param nHeads query heads
 * @param nKvHeads key/value heads (fewer than nHeads: grouped-query attention)
 * @param headDim width of one head (not always dim / nHeads: Gemma 7B has 16 heads of 256 at 3072)
 * @param ffnDim hidden width of the feed-forward network
 * @param maxPositions the context the config declares ({@code n_positions}, {@code max_position_embeddings})
 * @param learnedPositions whether a learned position table of maxPositions rows exists (GPT-2, BERT)
 * @param typeVocab rows of BERT's token-type table (0 elsewhere)
 * @param normBias whether norms have a bias (LayerNorm) or not (RMSNorm)
 * @param normsPerLayer norm vectors' count per block: 2, or 4 in Gemma 2 (pre and post norms)
 * @param qkvBias whether q, k and v projections have biases (GPT-2, Qwen2, BERT)
 * @param outBias whether the attention output projection has a bias (GPT-2, BERT)
 * @param mlpBias whether the feed-forward matrices have biases
 * @param gated whether the feed-forward is gated (SwiGLU/GeGLU: three matrices, not two)
 * @param tiedEmbeddings whether the output projection is the token table (counted once)
 * @param embeddingNorm whether a norm follows the embeddings (BERT) rather than the last block
 * @param pooler whether a pooler (dim x dim + bias) follows the encoder (BERT)
 */
public record ArchitectureShape(
    String family,
    boolean decoder,
    int vocabSize,
    int dim,
    int nLayers,
    int nHeads,
    int nKvHeads,
    int headDim,
    int ffnDim,
    int maxPositions,
    boolean learnedPositions,
    int typeVocab,
    boolean normBias,
    int normsPerLayer,
    boolean qkvBias,
    boolean outBias,
    boolean mlpBias,
    boolean gated,
    boolean tiedEmbeddings,
    boolean embeddingNorm,
    boolean pooler) {

  /** Largest size any field may take: beyond it a config is a mistake, not a model. */
  public static final int MAX_SIZE = 1 << 24;

  /** Checks every size; a bad one throws naming the field and the value. */
  public ArchitectureShape {
    size("vocab size", vocabSize);
    size("width (hidden size)", dim);
    size("layers", nLayers);
    size("attention heads", nHeads);
    size("key/value heads", nKvHeads);
    size("head dimension", headDim);
    size("feed-forward width", ffnDim);
    size("context (max positions)", maxPositions);
    if (typeVocab < 0 || typeVocab > MAX_SIZE) {
      throw new IllegalArgumentException(family + ": token-type vocabulary must be in [0, " + MAX_SIZE
          + "], got " + typeVocab);
    }
    if (nHeads % nKvHeads != 0) {
      throw new IllegalArgumentException(family + ": attention heads " + nHeads
          + " must be a multiple of key/value heads " + nKvHeads);
    }
    if (normsPerLayer < 1) {
      throw new IllegalArgumentException(family + ": norms per layer must be >= 1, got " + normsPerLayer);
    }
  }

  private void size(String what, int v) {
    if (v <= 0 || v > MAX_SIZE) {
      throw new IllegalArgumentException(family + ": " + what + " must be in [1, " + MAX_SIZE + "], got " + v);
    }
  }

  /** The shape of a model llmkit builds from {@code c} (family {@code llmkit}). */
  public static ArchitectureShape of(ModelConfig c) {
    boolean layerNorm = c.norm() == ModelConfig.NormType.LAYER_NORM;
    return new ArchitectureShape("llmkit", true, c.vocabSize(), c.dim(), c.nLayers(), c.nHeads(),
        c.nKvHeads(), c.headDim(), c.ffnDim(), c.contextLength(),
        c.positions() == ModelConfig.PositionEncoding.LEARNED, 0, layerNorm, c.sandwichNorms() ? 4 : 2,
        c.attentionBias(),
        c.attentionBias(), c.mlpBias(), c.activation().gated(),
        c.tiedEmbeddings(), false, false);
  }

  /** Width of all query heads together: {@code nHeads * headDim}. */
  public long qDim() {
    return (long) nHeads * headDim;
  }

  /** Width of the key (or value) projection: {@code nKvHeads * headDim}. */
  public long kvDim() {
    return (long) nKvHeads * headDim;
  }

  /** Every distinct parameter tensor, in checkpoint order. */
  public List<ParameterTensor> tensors() {
    List<ParameterTensor> t = new ArrayList<>();
    t.add(ParameterTensor.embedding("token_embedding", vocabSize, dim));
    if (learnedPositions) {
      t.add(ParameterTensor.embedding("position_embedding", maxPositions, dim));
    }
    if (typeVocab > 0) {
      t.add(ParameterTensor.embedding("token_type_embedding", typeVocab, dim));
    }
    if (embeddingNorm) {
      norm(t, "embedding_norm");
    }
    for (int l = 0; l < nLayers; l++) {
      String p = "layers." + l + ".";
      for (int n = 0; n < normsPerLayer; n++) {
        norm(t, p + "norm" + n);
      }
      // x: (T, C) -> q: (T, H*hd), k, v: (T, KV*hd) -> out: (T, C)
      linear(t, p + "attn.q", qDim(), dim, qkvBias);
      linear(t, p + "attn.k", kvDim(), dim, qkvBias);
      linear(t, p + "attn.v", kvDim(), dim, qkvBias);
      linear(t, p + "attn.o", dim, qDim(), outBias);
      // x: (T, C) -> (T, F) [gate, up] -> (T, C)
      if (gated) {
        linear(t, p + "mlp.gate", ffnDim, dim, mlpBias);
      }
      linear(t, p + "mlp.up", ffnDim, dim, mlpBias);
      linear(t, p + "mlp.down", dim, ffnDim, mlpBias);
    }
    if (!embeddingNorm) {
      norm(t, "final_norm");
    }
    if (pooler) {
      linear(t, "pooler", dim, dim, true);
    }
    if (decoder && !tiedEmbeddings) {
      t.add(ParameterTensor.matrix("lm_head", vocabSize, dim));
    }
    return t;
  }

  private void norm(List<ParameterTensor> t, String name) {
    t.add(ParameterTensor.vector(name + ".weight", dim));
    if (normBias) {
      t.add(ParameterTensor.vector(name + ".bias", dim));
    }
  }

  private static void linear(List<ParameterTensor> t, String name, long out, long in, boolean bias) {
    t.add(ParameterTensor.matrix(name + ".weight", out, in));
    if (bias) {
      t.add(ParameterTensor.vector(name + ".bias", out));
    }
  }
}
