package dev.llmkit.model.nn;

import dev.llmkit.model.BatchSession;
import dev.llmkit.model.InferenceSession;
import dev.llmkit.model.LanguageModel;
import dev.llmkit.model.SessionBatch;
import dev.llmkit.model.SessionOptions;
import dev.llmkit.model.config.ModelConfig;
import dev.llmkit.model.weights.LayerWeights;
import dev.llmkit.model.weights.ModelWeights;
import dev.llmkit.tensor.CachedAttention;
import dev.llmkit.tensor.DecodeMatrices;
import dev.llmkit.tensor.Elementwise;
import dev.llmkit.tensor.KvCache;
import dev.llmkit.tensor.Simd;
import dev.llmkit.tensor.Tensor;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The decoder-only transformer every family of this library is a configuration of, composed from
 * the layers of this package: {@link Embeddings} (token table plus additive positions), {@code
 * nLayers} {@link Block}s (causal {@link Attention} with rotary positions when configured,
 * {@link FeedForward}, pre- or post-{@link Norm}), and the {@link LmHead} (final norm and output
 * projection; the final norm is applied in both cases, as {@link ModelWeights} always holds it).
 *
 * <p>Two modes over the same layers: inference ({@link #newSession}: KV cache, chunked prefill,
 * decode) and training ({@link #training}: buffers for a fixed (batch, block), backward).
 *
 * <p>Immutable and thread-safe: the weights are only read, and every mutable buffer belongs to an
 * {@link InferenceSession} or a {@link Training}. With {@link DecodeMatrices#HEAP_COPY} one-row
 * products read copies taken when the model was built: build a new model after training further
 * (a model built with {@link DecodeMatrices#SHARED} sees the parameters as they change).
 */
public final class Transformer implements LanguageModel {

  private static final Logger LOG = LoggerFactory.getLogger(Transformer.class);

  private final ModelWeights weights;
  private final ModelConfig config;
  /** Where one-row products read the matrices from: SHARED or HEAP_COPY. */
  private final DecodeMatrices decodeMatrices;
  private final Embeddings embeddings;
  private final Block[] blocks;
  private final Positions positions;
  private final LmHead head;
  /** The prefill scratch closed sessions pass on to the next session ({@link Workspace.Spare}). */
  private final Workspace.Spare spare = new Workspace.Spare();

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
    long bytes = weights.lmHead() == null ? 0 : 4L * weights.lmHead().length();
    for (int l = 0; l < config.nLayers(); l++) {
      LayerWeights w = weights.layer(l);
      for (Tensor m : new Tensor[] {w.wq(), w.wk(), w.wv(), w.wo(), w.w1(), w.w3(), w.w2()}) {
        bytes += m == null ? 0 : 4L * m.length();
      }
    }
    this.decodeMatrices = Objects.requireNonNull(decode, "decode").resolve(bytes);
    if (decode == DecodeMatrices.AUTO) {
      LOG.info("decode matrices: {} ({} MB of matrices; Vector API {})",
          decodeMatrices, bytes >> 20, Simd.enabled() ? "on" : "off");
    }
    ModelConfig c = config;
    DecodeMatrices m = decodeMatrices;
    this.positions = Positions.of(c, weights.positionEmbedding());
    this.blocks = new Block[c.nLayers()];
    if (!weights.hasStoredMatrices()) {
      this.embeddings = new Embeddings(weights.tokenEmbedding(), positions, c.embeddingScale());
      for (int l = 0; l < blocks.length; l++) {
        blocks[l] = Block.of(c, weights.layer(l), positions, m, l);
      }
      this.head = new LmHead(
          Norm.of(c.norm(), c.normEps(), weights.finalNormWeight(), weights.finalNormBias()),
          Linear.of(weights.lmHead(), null, m), c.finalLogitSoftcap());
    } else {
      // some matrices stored quantized: those are read as they are, the F32 ones as m says
      StoredMatrices s = new StoredMatrices(weights, m);
      this.embeddings = s.embeddings(positions);
      for (int l = 0; l < blocks.length; l++) {
        blocks[l] = s.block(l, positions);
      }
      this.head = new LmHead(
          Norm.of(c.norm(), c.normEps(), weights.finalNormWeight(), weights.finalNormBias()),
          s.lmHead(), c.finalLogitSoftcap());
    }
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

  /** Block {@code l}. */
  public Block block(int l) {
    return blocks[l];
  }

  /** How this model tells positions apart (the session's context shift needs the rotary table). */
  Positions positions() {
    return positions;
  }

  /** The scratch its sessions pass on. */
  Workspace.Spare spare() {
    return spare;
  }

  @Override
  public InferenceSession newSession(SessionOptions options) {
    return new TransformerSession(this, Objects.requireNonNull(options, "options"));
  }

  /**
   * The inference forward of a chunk of T = ws.rows tokens at positions pos..pos+T-1 against the
   * cache, which already holds positions 0..pos-1.
   *
   * <p>ids[offset..offset+T) -> ws.x: (T, C) final residual stream; then either allLogits (T, V)
   * when non-null, or lastLogits (1, V) of the last row.
   *
   * @param probs per layer (nHeads, T, pos+T) attention weights to fill, or null
   */
  void forward(Workspace ws, KvCache cache, CachedAttention kernel, int[] ids, int offset, int pos,
      Tensor lastLogits, Tensor allLogits, Tensor[] probs) {
    // ids: (T) -> x: (T, C)
    embeddings.forward(ids, offset, pos, ws.x);
    for (int l = 0; l < blocks.length; l++) {
      blocks[l].forward(ws, cache, l, kernel, pos, probs == null ? null : probs[l]);
    }
    if (allLogits != null) {
      // x: (T, C) -> logits: (T, V)
      head.forward(ws.x, ws.xn, allLogits);
    } else {
      // x[T-1]: (1, C) -> logits: (1, V)
      head.forward(ws.xLast, ws.xnLast, lastLogits);
    }
  }

  /**
   * A batched session: one batched forward pass per decoding step over its rows, the weights read
   * once per step, every row's logits equal to a single-sequence session's. With a sliding window
   * it falls back to {@link dev.llmkit.model.SessionBatch} (independent sessions).
   */
  @Override
  public BatchSession newBatchSession(int rows, SessionOptions options) {
    Objects.requireNonNull(options, "options");
    if (options.slidingWindow()) {
      return new SessionBatch(this, rows, options);
    }
    return new TransformerBatchSession(this, rows, options);
  }

  /**
   * The inference forward of one new token for each of T = ws.rows different sequences: row i is
   * ids[i] at position pos[i] against caches[i] (which holds 0..pos[i]-1); kernels: attention
   * scratch, one per part of the rows that runs in parallel ({@link Attention#forwardRows}).
   *
   * <p>ids: (T) -> ws.x: (T, C) -> logits: (T, V), every row as the sequence alone computes it.
   */
  void forwardRows(Workspace ws, RowViews rows, KvCache[] caches, CachedAttention[] kernels, int[] ids,
      int[] pos, Tensor logits) {
    // ids[i] at pos[i] -> x[i]: (1, C)
    for (int i = 0; i < ws.rows; i++) {
      embeddings.forward(ids, i, pos[i], rows.x[i]);
    }
    for (int l = 0; l < blocks.length; l++) {
      blocks[l].forwardRows(ws, rows, caches, pos, l, kernels);
    }
    // x: (T, C) -> logits: (T, V)
    head.forwardRows(ws.x, ws.xn, logits);
  }

  /**
   * The training state of {@code batch} sequences of {@code block} tokens, adding into the
   * gradients {@code g} names. Build the model with {@link DecodeMatrices#SHARED} to train it, so
   * that every product reads the parameters as the optimiser changes them.
   *
   * @throws IllegalArgumentException when batch or block is out of range
   */
  public Training training(int batch, int block, Gradients g) {
    return new Training(batch, block, g, false, head);
  }

  /**
   * As {@link #training(int, int, Gradients)}; with {@code recompute}, activation recomputation:
   * the forward pass keeps only each block's input (the residual stream), and the backward pass
   * recomputes one block's activations at a time, in one set of buffers shared by all blocks (the
   * block's weights are copied into a scratch block, whose gradients are then added into the
   * layer's). Same gradients (bit-identical when they start from zero), about one more forward pass
   * of time, one block's activations of memory instead of every block's.
   */
  public Training training(int batch, int block, Gradients g, boolean recompute) {
    return new Training(batch, block, g, recompute, head);
  }

  /**
   * As {@link #training(int, int, Gradients, boolean)} with another output head on the last
   * residual stream in place of the LM head: e.g. a scalar score (a reward model's or a value
   * model's {@code score} projection after the final norm). {@link Training#forward} then writes
   * (B*T, {@code outputHead.outFeatures()}) outputs instead of logits.
   */
  public Training training(int batch, int block, Gradients g, boolean recompute, OutputHead outputHead) {
    return new Training(batch, block, g, recompute, Objects.requireNonNull(outputHead, "outputHead"));
  }

  /**
   * The whole model's training forward ({@code ids -> logits}) and backward ({@code dlogits ->}
   * every parameter gradient), with every activation allocated once: the residual stream after each
   * block and each layer's kept activations. Matrix products run over all batch*block rows at once;
   * attention runs in parallel over the sequences of the batch. Not thread-safe.
   */
  public final class Training {

    private final int batch;
    private final int block;
    private final Embeddings.Training embed;
    private final Block.Training[] layers;
    // recompute: one block's training state over scratch weights and gradients, shared by all layers
    private final LayerWeights scratchWeights;
    private final LayerWeights scratchGrads;
    /** One scratch block per phase of the sliding-window period (layers differ in their window). */
    private final Block.Training[] scratch;
    private final LayerWeights[] layerGrads;
    private final Trainable out;
    // residual stream x_0..x_L, (B*T, C) each
    private final Tensor[] residual;
    // two residual-stream gradients used alternately
    private final Tensor dresA;
    private final Tensor dresB;

    private Training(int batch, int block, Gradients g, boolean recompute, OutputHead outputHead) {
      if (weights.hasStoredMatrices()) {
        throw new IllegalStateException(
            "training: " + weights.storedMatrices().size() + " matrices are stored quantized (e.g. "
                + weights.storedMatrices().keySet().iterator().next()
                + "); train a model over ModelWeights.dequantized()");
      }
      if (batch < 1) {
        throw new IllegalArgumentException("training: batch must be >= 1, got " + batch);
      }
      if (block < 1 || block > config.contextLength()) {
        throw new IllegalArgumentException(
            "training: block must be in [1, " + config.contextLength()
                + "] (the context length), got " + block);
      }
      this.batch = batch;
      this.block = block;
      int rows = batch * block;
      this.embed = embeddings.training(batch, block, g);
      if (recompute) {
        this.layers = null;
        LayerWeights first = weights.layer(0);
        this.scratchWeights = zerosLike(first);
        this.scratchGrads = zerosLike(first);
        Map<Tensor, Tensor> gradOf = new IdentityHashMap<>();
        Tensor[] sw = tensors(scratchWeights);
        Tensor[] sg = tensors(scratchGrads);
        for (int i = 0; i < sw.length; i++) {
          if (sw[i] != null) {
            gradOf.put(sw[i], sg[i]);
          }
        }
        int phases = config.slidingWindow() > 0 ? Math.min(config.slidingWindowPeriod(), blocks.length) : 1;
        this.scratch = new Block.Training[phases];
        for (int ph = 0; ph < phases; ph++) {
          scratch[ph] = Block.of(config, scratchWeights, positions, DecodeMatrices.SHARED, ph)
              .training(batch, block, p -> p == null ? null : gradOf.get(p));
        }
        this.layerGrads = new LayerWeights[blocks.length];
        for (int l = 0; l < blocks.length; l++) {
          LayerWeights w = weights.layer(l);
          Tensor[] wt = tensors(w);
          Tensor[] gt = new Tensor[wt.length];
          for (int i = 0; i < wt.length; i++) {
            gt[i] = g.of(wt[i]);
          }
          layerGrads[l] = layer(gt);
        }
      } else {
        this.layers = new Block.Training[blocks.length];
        for (int l = 0; l < layers.length; l++) {
          layers[l] = blocks[l].training(batch, block, g);
        }
        this.scratchWeights = null;
        this.scratchGrads = null;
        this.scratch = null;
        this.layerGrads = null;
      }
      this.out = outputHead.training(rows, g);
      this.residual = new Tensor[blocks.length + 1];
      for (int l = 0; l < residual.length; l++) {
        residual[l] = Tensor.zeros(rows, config.dim());
      }
      this.dresA = Tensor.zeros(rows, config.dim());
      this.dresB = Tensor.zeros(rows, config.dim());
    }

    /** Sequences per step. */
    public int batch() {
      return batch;
    }

    /** Tokens per sequence. */
    public int block() {
      return block;
    }

    /**
     * Block {@code l}'s training state (its attention probabilities).
     *
     * @throws IllegalStateException under recomputation, which keeps no block's state
     */
    public Block.Training block(int l) {
      if (layers == null) {
        throw new IllegalStateException("training with recomputation keeps no block's activations");
      }
      return layers[l];
    }

    /**
     * Training forward: ids: (B*T) row-major (b, t) -> logits: (B*T, V), overwritten. The ids must
     * stay unchanged until backward.
     */
    public void forward(int[] ids, Tensor logits) {
      // ids: (B*T) -> x0: (B*T, C)
      embed.forward(ids, residual[0]);
      // x_l: (B*T, C) -> x_{l+1}: (B*T, C)
      for (int l = 0; l < blocks.length; l++) {
        blockForward(l);
      }
      // x_L: (B*T, C) -> logits: (B*T, V)
      out.forward(residual[blocks.length], logits);
    }

    /** Backward of the last forward: dlogits: (B*T, V) -> every parameter gradient (+=). */
    public void backward(int[] ids, Tensor dlogits) {
      Tensor dout = dresA;
      Tensor dx = dresB;
      // dlogits -> d x_L
      dout.fill(0f);
      out.backward(residual[blocks.length], dlogits, dout);
      // d x_{l+1} -> d x_l
      for (int l = blocks.length - 1; l >= 0; l--) {
        dx.fill(0f);
        if (layers != null) {
          layers[l].backward(residual[l], dout, dx);
        } else {
          // recompute block l's activations from its kept input, then its backward into scratch
          // gradients, added into the layer's: x_l: (B*T, C) -> x_{l+1} (the same values again)
          blockForward(l);
          for (Tensor t : tensors(scratchGrads)) {
            if (t != null) {
              t.fill(0f);
            }
          }
          scratch[l % scratch.length].backward(residual[l], dout, dx);
          Tensor[] sg = tensors(scratchGrads);
          Tensor[] lg = tensors(layerGrads[l]);
          for (int i = 0; i < sg.length; i++) {
            if (sg[i] != null) {
              Elementwise.addInPlace(lg[i], sg[i]);
            }
          }
        }
        Tensor t = dout;
        dout = dx;
        dx = t;
      }
      // d x0 -> dE (and dP)
      embed.backward(ids, dout);
    }

    /** Block l's training forward, x_l -> x_{l+1}; under recomputation through the scratch block. */
    private void blockForward(int l) {
      if (layers != null) {
        layers[l].forward(residual[l], residual[l + 1]);
        return;
      }
      Tensor[] src = tensors(weights.layer(l));
      Tensor[] dst = tensors(scratchWeights);
      for (int i = 0; i < src.length; i++) {
        if (src[i] != null) {
          dst[i].copyFrom(src[i]);
        }
      }
      scratch[l % scratch.length].forward(residual[l], residual[l + 1]);
    }
  }

  /** The 19 tensors of a layer, in record order (null where absent). */
  private static Tensor[] tensors(LayerWeights w) {
    return new Tensor[] {w.attnNormWeight(), w.attnNormBias(), w.wq(), w.bq(), w.wk(), w.bk(), w.wv(),
        w.bv(), w.wo(), w.bo(), w.mlpNormWeight(), w.mlpNormBias(), w.w1(), w.b1(), w.w3(), w.w2(),
        w.b2(), w.postAttnNormWeight(), w.postFfnNormWeight()};
  }

  private static LayerWeights layer(Tensor[] t) {
    return new LayerWeights(t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7], t[8], t[9], t[10], t[11],
        t[12], t[13], t[14], t[15], t[16], t[17], t[18]);
  }

  private static LayerWeights zerosLike(LayerWeights w) {
    Tensor[] src = tensors(w);
    Tensor[] out = new Tensor[src.length];
    for (int i = 0; i < src.length; i++) {
      out[i] = src[i] == null ? null : Tensor.zeros(src[i].shape());
    }
    return layer(out);
  }

  @Override
  public String toString() {
    return "Transformer" + config;
  }
}
