package dev.llmkit.model.bert;

import dev.llmkit.model.nn.Attention;
import dev.llmkit.model.nn.Block;
import dev.llmkit.model.nn.Embeddings;
import dev.llmkit.model.nn.FeedForward;
import dev.llmkit.model.nn.Linear;
import dev.llmkit.model.nn.Norm;
import dev.llmkit.model.nn.Positions;
import dev.llmkit.model.nn.Workspace;
import dev.llmkit.model.config.ModelConfig.NormType;
import dev.llmkit.model.weights.LayerWeights;
import dev.llmkit.tensor.AttentionMask;
import dev.llmkit.tensor.Elementwise;
import dev.llmkit.tensor.Embedding;
import dev.llmkit.tensor.F32Matrix;
import dev.llmkit.tensor.Tensor;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Objects;

/**
 * The encoder-only transformer (Devlin et al. 2019, BERT), composed from the shared layers of
 * {@code dev.llmkit.model.nn}: word + learned position + token-type embeddings and a LayerNorm
 * ({@link Embeddings} plus the type table), {@code layers} post-norm {@link Block}s with
 * bidirectional {@link Attention} and a GELU (erf) {@link FeedForward}, the pooler
 * ({@code tanh(h[CLS]·Wᵀ + b)}) and the heads: masked-LM ({@link #mlmLogits}) and sequence
 * classification ({@link #classLogits}).
 *
 * <p>A batch runs packed: the sequences' tokens one after another ({@code N = Σ T_b} rows), every
 * projection one sgemm over all N rows, the attention per sequence over its own tokens only. This is
 * what Hugging Face's padded batch with an attention mask computes for the real tokens, without
 * spending work on padding.
 *
 * <p>Thread-safe: a forward pass works in scratch memory of its own. The model keeps the scratch of
 * its largest batch so far (about {@code N·(8C + 2·intermediate)} floats) and reuses it for the
 * next call, because fresh off-heap memory is costly on first touch (page faults cost more than an
 * encoder layer's arithmetic over it); calls that overlap it allocate their own.
 */
public final class BertModel {

  private final BertWeights weights;
  private final BertConfig config;
  private final Embeddings embeddings;
  private final Norm embeddingNorm;
  private final Block[] blocks;
  private final Linear pooler;
  private final Linear mlmTransform;
  private final Norm mlmNorm;
  private final Linear mlmDecoder;
  private final Linear classifier;
  /** The scratch of the largest batch so far, for the next call. */
  private final Workspace.Spare spare = new Workspace.Spare();

  /** A model over the given weights (kept, not copied). */
  public BertModel(BertWeights weights) {
    this.weights = Objects.requireNonNull(weights, "weights");
    this.config = weights.config();
    BertConfig c = config;
    this.embeddings = new Embeddings(weights.wordEmbeddings(),
        new Positions.Added(weights.positionEmbeddings(), true));
    this.embeddingNorm = Norm.of(NormType.LAYER_NORM, c.layerNormEps(),
        weights.embeddingNormWeight(), weights.embeddingNormBias());
    this.blocks = new Block[c.layers()];
    for (int i = 0; i < blocks.length; i++) {
      LayerWeights w = weights.layers().get(i);
      Attention attention = Attention.self(c.heads(), c.heads(), linear(w.wq(), w.bq()),
          linear(w.wk(), w.bk()), linear(w.wv(), w.bv()), linear(w.wo(), w.bo()), Positions.NONE,
          AttentionMask.BIDIRECTIONAL);
      FeedForward ffn = new FeedForward(c.activation(), linear(w.w1(), w.b1()), null,
          linear(w.w2(), w.b2()));
      blocks[i] = new Block(false,
          Norm.of(NormType.LAYER_NORM, c.layerNormEps(), w.attnNormWeight(), w.attnNormBias()),
          attention,
          Norm.of(NormType.LAYER_NORM, c.layerNormEps(), w.mlpNormWeight(), w.mlpNormBias()), ffn);
    }
    this.pooler = weights.pooler() == null ? null
        : linear(weights.pooler().weight(), weights.pooler().bias());
    BertWeights.MlmHead m = weights.mlm();
    this.mlmTransform = m == null ? null : linear(m.transform().weight(), m.transform().bias());
    this.mlmNorm = m == null ? null
        : Norm.of(NormType.LAYER_NORM, c.layerNormEps(), m.normWeight(), m.normBias());
    this.mlmDecoder = m == null ? null
        : linear(m.decoder() != null ? m.decoder() : weights.wordEmbeddings(), m.decoderBias());
    this.classifier = weights.classifier() == null ? null
        : linear(weights.classifier().weight(), weights.classifier().bias());
  }

  private static Linear linear(Tensor w, Tensor b) {
    return new Linear(F32Matrix.of(w), b);
  }

  // the layers, for BertTraining (which composes their training states over the same tensors)
  Embeddings embeddings() {
    return embeddings;
  }

  Norm embeddingNorm() {
    return embeddingNorm;
  }

  Linear poolerLayer() {
    return pooler;
  }

  Linear mlmTransform() {
    return mlmTransform;
  }

  Norm mlmNorm() {
    return mlmNorm;
  }

  Linear mlmDecoder() {
    return mlmDecoder;
  }

  Linear classifierLayer() {
    return classifier;
  }

  /** The shape. */
  public BertConfig config() {
    return config;
  }

  /** The parameters (shared, not copied). */
  public BertWeights weights() {
    return weights;
  }

  /** The encoder blocks (their attention layers are inspectable). */
  public Block block(int layer) {
    return blocks[layer];
  }

  /** Whether the model has a pooler, a masked-LM head, a classifier. */
  public boolean hasPooler() {
    return pooler != null;
  }

  /** Whether the model has a masked-LM head. */
  public boolean hasMlmHead() {
    return mlmDecoder != null;
  }

  /** Whether the model has a sequence-classification head. */
  public boolean hasClassifier() {
    return classifier != null;
  }

  /** {@link #encode(int[][], int[][], boolean)} with every type id 0 and no attention weights. */
  public BertOutput encode(int[][] ids) {
    return encode(ids, null, false);
  }

  /**
   * The forward pass of a batch.
   *
   * @param ids B sequences of token ids (each 1..maxPositions long, no padding needed)
   * @param typeIds the token-type (segment) id of every token, the same lengths; null for all 0
   * @param keepAttention whether to keep every layer's attention probabilities
   * @return the last hidden states, packed
   * @throws IllegalArgumentException for an empty batch, an empty or too long sequence, an id
   *     outside the vocabulary or a type id outside the type table, naming the sequence and token
   */
  public BertOutput encode(int[][] ids, int[][] typeIds, boolean keepAttention) {
    return encode(ids, typeIds, keepAttention, AttentionMask.BIDIRECTIONAL);
  }

  /**
   * The forward pass under another attention mask: {@link AttentionMask#CAUSAL} runs the very same
   * weights as a decoder would (each token sees only those before it), to compare the two modes.
   *
   * @param mask every sequence's self-attention mask (BERT's own is bidirectional)
   * @see #encode(int[][], int[][], boolean)
   */
  public BertOutput encode(int[][] ids, int[][] typeIds, boolean keepAttention, AttentionMask mask) {
    Objects.requireNonNull(mask, "mask");
    int[] offsets = check(ids, typeIds);
    Workspace ws = acquire(offsets[ids.length]);
    try {
      Tensor[][] attentions = forward(ws, ids, typeIds, offsets, keepAttention, mask);
      Tensor hidden = Tensor.zeros(ws.rows(), config.hidden());
      hidden.copyFrom(ws.x());
      return new BertOutput(offsets, hidden, attentions);
    } finally {
      spare.give(ws);
    }
  }

  /**
   * Sentence embeddings of a batch: the forward pass, then {@code pooling} over each sequence's
   * last hidden states, L2-normalised when asked ({@link Pooling#apply}), read straight from the
   * scratch memory (no copy of the hidden states).
   *
   * @return (B, C) one embedding per sequence
   * @throws IllegalArgumentException as {@link #encode(int[][], int[][], boolean)}
   */
  public float[][] embed(int[][] ids, int[][] typeIds, Pooling pooling, boolean normalize) {
    Objects.requireNonNull(pooling, "pooling");
    int[] offsets = check(ids, typeIds);
    Workspace ws = acquire(offsets[ids.length]);
    try {
      forward(ws, ids, typeIds, offsets, false, AttentionMask.BIDIRECTIONAL);
      return pooling.apply(new BertOutput(offsets, ws.x(), null), normalize);
    } finally {
      spare.give(ws);
    }
  }

  /** A workspace of n rows: the kept scratch when it is free and large enough, else a new one. */
  private Workspace acquire(int n) {
    return spare.take(n, config.hidden(), config.hidden(), config.hidden(), config.intermediate(),
        false);
  }

  /** The forward pass into ws.x: (N, C); returns the attention probabilities when kept. */
  private Tensor[][] forward(Workspace ws, int[][] ids, int[][] typeIds, int[] offsets,
      boolean keepAttention, AttentionMask mask) {
    int batch = ids.length;
    Tensor x = ws.x();
    // ids: (N) -> e: (N, C) = word[id] + position[t] + type[tt]; x = LayerNorm(e)
    Tensor e = ws.scratch();
    embed(ids, typeIds, offsets, e, ws.scratch2());
    embeddingNorm.forward(e, x);
    AttentionMask[] masks = new AttentionMask[batch];
    Arrays.fill(masks, mask);
    Tensor[][] attentions = keepAttention ? new Tensor[blocks.length][batch] : null;
    for (int l = 0; l < blocks.length; l++) {
      Tensor[] probs = null;
      if (keepAttention) {
        probs = attentions[l];
        for (int b = 0; b < batch; b++) {
          probs[b] = Tensor.zeros(config.heads(), ids[b].length, ids[b].length);
        }
      }
      // x: (N, C) -> x: (N, C), in place
      blocks[l].forward(ws, offsets, masks, probs);
    }
    return attentions;
  }

  /**
   * e: (N, C) = word[ids] + position[0..T_b) + type[typeIds], sequence by sequence; typeRows (N, C)
   * scratch.
   */
  private void embed(int[][] ids, int[][] typeIds, int[] offsets, Tensor e, Tensor typeRows) {
    for (int b = 0; b < ids.length; b++) {
      Tensor eb = e.slice(offsets[b], offsets[b + 1]);
      embeddings.forward(ids[b], 0, 0, eb);
      int[] tt = typeIds == null ? new int[ids[b].length] : typeIds[b];
      Embedding.gather(weights.tokenTypeEmbeddings(), tt, 0, tt.length,
          typeRows.slice(offsets[b], offsets[b + 1]));
    }
    Elementwise.addInPlace(e, typeRows);
  }

  /** Validates a batch; returns the packed row offsets (B + 1). */
  private int[] check(int[][] ids, int[][] typeIds) {
    if (ids == null || ids.length == 0) {
      throw new IllegalArgumentException("BertModel.encode: empty batch (expected at least one sequence)");
    }
    if (typeIds != null && typeIds.length != ids.length) {
      throw new IllegalArgumentException("BertModel.encode: " + typeIds.length
          + " type id sequences for " + ids.length + " sequences");
    }
    int[] offsets = new int[ids.length + 1];
    for (int b = 0; b < ids.length; b++) {
      int[] s = Objects.requireNonNull(ids[b], "sequence " + b);
      if (s.length == 0 || s.length > config.maxPositions()) {
        throw new IllegalArgumentException("BertModel.encode: sequence " + b + " has " + s.length
            + " tokens, expected 1.." + config.maxPositions() + " (max_position_embeddings)");
      }
      for (int t = 0; t < s.length; t++) {
        if (s[t] < 0 || s[t] >= config.vocabSize()) {
          throw new IllegalArgumentException("BertModel.encode: sequence " + b + " token " + t
              + " has id " + s[t] + ", expected 0.." + (config.vocabSize() - 1));
        }
      }
      if (typeIds != null) {
        int[] tt = Objects.requireNonNull(typeIds[b], "type ids of sequence " + b);
        if (tt.length != s.length) {
          throw new IllegalArgumentException("BertModel.encode: sequence " + b + " has " + s.length
              + " tokens but " + tt.length + " type ids");
        }
        for (int t = 0; t < tt.length; t++) {
          if (tt[t] < 0 || tt[t] >= config.typeVocabSize()) {
            throw new IllegalArgumentException("BertModel.encode: sequence " + b + " token " + t
                + " has type id " + tt[t] + ", expected 0.." + (config.typeVocabSize() - 1)
                + " (type_vocab_size " + config.typeVocabSize() + ")");
          }
        }
      }
      offsets[b + 1] = offsets[b] + s.length;
    }
    return offsets;
  }

  /**
   * The pooler: {@code tanh(h[CLS]·Wᵀ + b)}. cls: (B, C) -> (B, C).
   *
   * @throws IllegalStateException if the checkpoint has no pooler
   */
  public Tensor pooled(Tensor cls) {
    if (pooler == null) {
      throw new IllegalStateException("BertModel: this checkpoint has no pooler (pooler.dense)");
    }
    Tensor out = Tensor.zeros(cls.dim(0), config.hidden());
    pooler.forward(cls, out);
    FloatBuffer o = out.buffer();
    for (int i = 0; i < out.length(); i++) {
      o.put(i, (float) Math.tanh(o.get(i)));
    }
    return out;
  }

  /**
   * The masked-LM head over some hidden states: transform dense, GELU, LayerNorm, then the decoder
   * (tied to the word embeddings unless stored) plus its bias. hidden: (rows, C) -> (rows, V).
   *
   * @throws IllegalStateException if the checkpoint has no MLM head
   */
  public Tensor mlmLogits(Tensor hidden) {
    if (mlmDecoder == null) {
      throw new IllegalStateException(
          "BertModel: this checkpoint has no masked-LM head (cls.predictions); it cannot fill masks");
    }
    int rows = hidden.dim(0);
    Tensor a = Tensor.zeros(rows, config.hidden());
    Tensor h = Tensor.zeros(rows, config.hidden());
    // hidden: (rows, C) -> a: (rows, C) -> act -> LayerNorm -> logits: (rows, V)
    mlmTransform.forward(hidden, a);
    config.activation().forward(a, null, h);
    mlmNorm.forward(h, a);
    Tensor logits = Tensor.zeros(rows, config.vocabSize());
    mlmDecoder.forward(a, logits);
    return logits;
  }

  /**
   * The classification head over pooled outputs: pooled: (B, C) -> logits: (B, labels).
   *
   * @throws IllegalStateException if the checkpoint has no classifier
   */
  public Tensor classLogits(Tensor pooled) {
    if (classifier == null) {
      throw new IllegalStateException("BertModel: this checkpoint has no classifier head");
    }
    Tensor out = Tensor.zeros(pooled.dim(0), classifier.weight().rows());
    classifier.forward(pooled, out);
    return out;
  }
}
