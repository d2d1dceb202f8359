package dev.llmkit.model.transformer;

import dev.llmkit.model.InferenceSession;
import dev.llmkit.model.LanguageModel;
import dev.llmkit.model.SessionOptions;
import dev.llmkit.model.config.ModelConfig;
import dev.llmkit.model.config.ModelConfig.PositionEncoding;
import dev.llmkit.model.weights.LayerWeights;
import dev.llmkit.model.weights.ModelWeights;
import dev.llmkit.tensor.Elementwise;
import dev.llmkit.tensor.Embedding;
import dev.llmkit.tensor.PositionalEncoding;
import dev.llmkit.tensor.RopeTable;
import dev.llmkit.tensor.Simd;
import dev.llmkit.tensor.Tensor;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The decoder-only transformer every family of this library is a configuration of: token embedding,
 * positions (learned or sinusoidal tables added to the embedding, or rotary embeddings inside
 * attention), {@code nLayers} blocks of masked multi-head self-attention and a feed-forward network
 * with residual connections and pre- or post-norm, a final norm and the output projection to logits.
 *
 * <p>Pre-norm block (GPT-2, Llama): {@code x = x + Attn(Norm1(x)); x = x + FFN(Norm2(x))}. Post-norm
 * block ("Attention Is All You Need"): {@code x = Norm1(x + Attn(x)); x = Norm2(x + FFN(x))}. The
 * final norm is applied in both cases, as {@link ModelWeights} always holds its weights.
 *
 * <p>Immutable and thread-safe: the weights are only read, and every mutable buffer belongs to an
 * {@link InferenceSession}. The weights must not change once the model is built: with
 * {@link DecodeMatrices#HEAP_COPY} decoding reads copies taken then (build a new model after
 * training further).
 */
public final class Transformer implements LanguageModel {

  private static final Logger LOG = LoggerFactory.getLogger(Transformer.class);

  private final ModelWeights weights;
  private final ModelConfig config;
  /** Rotary cos/sin table, or null. */
  private final RopeTable rope;
  /** (contextLength, C) fixed sinusoidal table, or null. */
  private final Tensor sinusoidal;
  /** Where decoding reads the matrices from: SHARED or HEAP_COPY. */
  private final DecodeMatrices decodeMatrices;
  /** Per layer: the linear layers, with heap copies under HEAP_COPY. */
  private final LayerLinears[] linears;
  /** (V, C) output projection. */
  private final Linear lmHead;

  /**
   * A model over the given weights (which it keeps, not copies), with {@link DecodeMatrices#AUTO}:
   * heap copies of the matrices for decoding when the Vector API is on and the heap has room.
   */
  public Transformer(ModelWeights weights) {
    this(weights, DecodeMatrices.AUTO);
  }

  /**
   * A model over the given weights, whose one-token products read the matrices as {@code decode}
   * says (see {@link DecodeMatrices}).
   */
  public Transformer(ModelWeights weights, DecodeMatrices decode) {
    this.weights = Objects.requireNonNull(weights, "weights");
    this.config = weights.config();
    long bytes = Linear.copyBytes(weights.lmHead());
    for (int l = 0; l < config.nLayers(); l++) {
      bytes += LayerLinears.copyBytes(weights.layer(l));
    }
    this.decodeMatrices = Objects.requireNonNull(decode, "decode").resolve(bytes);
    boolean copy = decodeMatrices == DecodeMatrices.HEAP_COPY;
    if (decode == DecodeMatrices.AUTO) {
      LOG.info("decode matrices: {} ({} MB of matrices; Vector API {})",
          decodeMatrices, bytes >> 20, Simd.enabled() ? "on" : "off");
    }
    this.linears = new LayerLinears[config.nLayers()];
    for (int l = 0; l < linears.length; l++) {
      linears[l] = LayerLinears.of(weights.layer(l), copy);
    }
    this.lmHead = Linear.of(weights.lmHead(), null, copy);
    this.rope =
        config.positions() == PositionEncoding.ROTARY
            ? new RopeTable(config.headDim(), config.contextLength(), config.ropeTheta())
            : null;
    this.sinusoidal =
        config.positions() == PositionEncoding.SINUSOIDAL
            ? PositionalEncoding.sinusoidal(config.contextLength(), config.dim())
            : null;
  }

  @Override
  public ModelConfig config() {
    return config;
  }

  /** The parameters this model runs. */
  public ModelWeights weights() {
    return weights;
  }

  /** Where this model's one-token products read the matrices from (AUTO resolved). */
  public DecodeMatrices decodeMatrices() {
    return decodeMatrices;
  }

  @Override
  public InferenceSession newSession(SessionOptions options) {
    return new TransformerSession(this, Objects.requireNonNull(options, "options"));
  }

  /**
   * The forward pass of a chunk of T = ws.rows tokens at positions pos..pos+T-1 against the cache,
   * which already holds positions 0..pos-1.
   *
   * <p>ids[offset..offset+T) -> ws.x: (T, C) final residual stream; then either allLogits (T, V)
   * when non-null, or lastLogits (1, V) of the last row.
   *
   * @param probs per layer (nHeads, T, pos+T) attention weights to fill, or null
   */
  void forward(
      Workspace ws, KvCache cache, AttentionScratch scratch, int[] ids, int offset, int pos, Tensor lastLogits,
      Tensor allLogits, Tensor[] probs) {
    ModelConfig c = config;
    int T = ws.rows;
    // ids: (T) -> x: (T, C)
    Embedding.gather(weights.tokenEmbedding(), ids, offset, T, ws.x);
    if (c.positions() != PositionEncoding.ROTARY) {
      for (int i = 0; i < T; i++) {
        ws.positions[i] = pos + i;
      }
      Tensor table = c.positions() == PositionEncoding.LEARNED ? weights.positionEmbedding() : sinusoidal;
      // x += table[pos..pos+T)
      Embedding.gather(table, ws.positions, 0, T, ws.tmp);
      Elementwise.addInPlace(ws.x, ws.tmp);
    }
    for (int l = 0; l < c.nLayers(); l++) {
      LayerWeights w = weights.layer(l);
      LayerLinears lin = linears[l];
      Tensor p = probs == null ? null : probs[l];
      if (c.preNorm()) {
        // x = x + Attn(Norm1(x)); x = x + FFN(Norm2(x))
        Norm.forward(c, ws.x, w.attnNormWeight(), w.attnNormBias(), ws.xn);
        SelfAttention.forward(c, lin, rope, cache, scratch, l, ws, ws.xn, pos, p);
        Elementwise.addInPlace(ws.x, ws.proj);
        Norm.forward(c, ws.x, w.mlpNormWeight(), w.mlpNormBias(), ws.xn);
        FeedForward.forward(c, lin, ws, ws.xn);
        Elementwise.addInPlace(ws.x, ws.proj);
      } else {
        // x = Norm1(x + Attn(x)); x = Norm2(x + FFN(x))
        SelfAttention.forward(c, lin, rope, cache, scratch, l, ws, ws.x, pos, p);
        Elementwise.add(ws.x, ws.proj, ws.tmp);
        Norm.forward(c, ws.tmp, w.attnNormWeight(), w.attnNormBias(), ws.x);
        FeedForward.forward(c, lin, ws, ws.x);
        Elementwise.add(ws.x, ws.proj, ws.tmp);
        Norm.forward(c, ws.tmp, w.mlpNormWeight(), w.mlpNormBias(), ws.x);
      }
    }
    if (allLogits != null) {
      // x: (T, C) -> xn: (T, C) -> logits: (T, V)
      Norm.forward(c, ws.x, weights.finalNormWeight(), weights.finalNormBias(), ws.xn);
      lmHead.forward(ws.xn, allLogits);
    } else {
      // x[T-1]: (1, C) -> xnLast: (1, C) -> logits: (1, V)
      Norm.forward(c, ws.xLast, weights.finalNormWeight(), weights.finalNormBias(), ws.xnLast);
      lmHead.forward(ws.xnLast, lastLogits);
    }
  }

  @Override
  public String toString() {
    return "Transformer" + config;
  }
}
