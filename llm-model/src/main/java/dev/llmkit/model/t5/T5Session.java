package dev.llmkit.model.t5;

import dev.llmkit.model.InferenceSession;
import dev.llmkit.model.SessionOptions;
import dev.llmkit.tensor.Embedding;
import dev.llmkit.tensor.Tensor;
import java.util.Arrays;

/**
 * One decoding of a {@link T5Decoder}: the decoder ids so far, every layer's self-attention KV
 * cache (grown by doubling up to the context length), and scratch; the cross-attention keys and
 * values are the decoder's, shared. Decoding one token allocates no tensor memory: its embedding
 * row and its (nHeads, 1, pos+1) bias are views of buffers the session holds.
 */
public final class T5Session implements InferenceSession {

  private final T5Decoder decoder;
  private final T5Model model;
  private final T5Config config;
  private final T5Layer[] layers;
  private final int[] history;
  private Tensor[] kCache;
  private Tensor[] vCache;
  private int pos;
  private T5Layer.Scratch scratch;
  private T5Layer.Scratch decode;
  private final Tensor lastLogits;
  private final float[] lastLogitsArray;
  /** (1, d_model) the embedding row of a one-token step. */
  private final Tensor decodeX;
  /** nHeads * contextLength floats: a one-token step's bias (nHeads, 1, pos+1) is a view of its start. */
  private final Tensor decodeBias;
  /** The views of decodeBias by position, made on first use. */
  private final Tensor[] decodeBiasViews;
  private Tensor[] lastCross;
  private boolean closed;

  T5Session(T5Decoder decoder, SessionOptions options) {
    this.decoder = decoder;
    this.model = decoder.t5();
    this.config = model.config();
    this.layers = model.decoderLayers();
    this.history = new int[config.contextLength()];
    int capacity = Math.min(config.contextLength(),
        Math.max(16, options.initialCacheCapacity()));
    this.kCache = new Tensor[layers.length];
    this.vCache = new Tensor[layers.length];
    for (int l = 0; l < layers.length; l++) {
      kCache[l] = Tensor.zeros(capacity, config.innerDim());
      vCache[l] = Tensor.zeros(capacity, config.innerDim());
    }
    this.decode = new T5Layer.Scratch(config, 1);
    this.scratch = decode;
    this.lastLogits = Tensor.zeros(1, config.vocabSize());
    this.lastLogitsArray = new float[config.vocabSize()];
    this.decodeX = Tensor.zeros(1, config.dModel());
    this.decodeBias = Tensor.zeros(config.numHeads() * config.contextLength());
    this.decodeBiasViews = new Tensor[config.contextLength()];
  }

  @Override
  public T5Decoder model() {
    return decoder;
  }

  @Override
  public int position() {
    return pos;
  }

  @Override
  public int[] tokens() {
    return Arrays.copyOf(history, pos);
  }

  @Override
  public float[] forward(int[] ids, int offset, int count) {
    run(ids, offset, count, null, null);
    lastLogits.buffer().get(0, lastLogitsArray);
    return lastLogitsArray;
  }

  @Override
  public Tensor forwardAll(int[] ids, int offset, int count) {
    Tensor all = Tensor.zeros(count, config.vocabSize());
    run(ids, offset, count, all, null);
    return all;
  }

  /**
   * Runs the chunk and returns the decoder self-attention weights of every layer, (nHeads, count,
   * position after the chunk); the cross-attention weights of the same call are then
   * {@link #lastCrossAttention()}.
   */
  @Override
  public Tensor[] forwardWithAttention(int[] ids, int offset, int count) {
    Tensor[] self = new Tensor[layers.length];
    lastCross = new Tensor[layers.length];
    int s = decoder.encoderHidden().dim(0);
    for (int l = 0; l < layers.length; l++) {
      self[l] = Tensor.zeros(config.numHeads(), count, pos + count);
      lastCross[l] = Tensor.zeros(config.numHeads(), count, s);
    }
    run(ids, offset, count, null, self);
    return self;
  }

  /**
   * The cross-attention weights of the last {@link #forwardWithAttention} call: per layer (nHeads,
   * count, S), row (h, i) the distribution of decoder token i of head h over the input tokens.
   */
  public Tensor[] lastCrossAttention() {
    if (lastCross == null) {
      throw new IllegalStateException("no forwardWithAttention call yet");
    }
    return lastCross;
  }

  private void run(int[] ids, int offset, int count, Tensor all, Tensor[] selfProbs) {
    if (closed) {
      throw new IllegalStateException("the session is closed");
    }
    if (ids == null || count < 1 || offset < 0 || offset + count > ids.length) {
      throw new IllegalArgumentException("chunk [" + offset + ", " + (offset + count)
          + ") must be a non-empty range of the " + (ids == null ? 0 : ids.length) + " ids");
    }
    int ctx = config.contextLength();
    if (pos + count > ctx) {
      throw new IllegalArgumentException("the decoder holds " + pos + " tokens and the chunk has "
          + count + ", together longer than the decoder's context length " + ctx);
    }
    for (int i = offset; i < offset + count; i++) {
      if (ids[i] < 0 || ids[i] >= config.vocabSize()) {
        throw new IllegalArgumentException("token id " + ids[i] + " at index " + i
            + " is outside the vocabulary [0, " + config.vocabSize() + ")");
      }
    }
    ensureCapacity(pos + count);
    T5Layer.Scratch s = scratch(count);
    // ids: (T) -> x: (T, C)
    Tensor x = count == 1 ? decodeX : Tensor.zeros(count, config.dModel());
    Embedding.gather(model.weights().get(T5Weights.SHARED), ids, offset, count, x);
    // bias: (nHeads, T, pos+T) of the causal relative positions, shared by every block
    Tensor bias = count == 1 ? decodeBias(pos) : Tensor.zeros(config.numHeads(), count, pos + count);
    model.bias(true).forward(pos, bias);
    for (int l = 0; l < layers.length; l++) {
      layers[l].forward(s, x, pos, bias, kCache[l], vCache[l], decoder.crossK(l), decoder.crossV(l),
          selfProbs == null ? null : selfProbs[l], selfProbs == null ? null : lastCross[l]);
    }
    if (all != null) {
      model.logits(x, s.xn, all);
    } else {
      Tensor last = count == 1 ? x : x.slice(count - 1, count);
      model.logits(last, decode.xn, lastLogits);
    }
    System.arraycopy(ids, offset, history, pos, count);
    pos += count;
  }

  /** The (nHeads, 1, pos+1) view of {@link #decodeBias} for a one-token step at {@code pos}. */
  private Tensor decodeBias(int pos) {
    Tensor v = decodeBiasViews[pos];
    if (v == null) {
      int n = config.numHeads() * (pos + 1);
      v = decodeBias.slice(0, n).reshape(config.numHeads(), 1, pos + 1);
      decodeBiasViews[pos] = v;
    }
    return v;
  }

  private T5Layer.Scratch scratch(int rows) {
    if (rows == 1) {
      return decode;
    }
    if (scratch.xn.dim(0) != rows) {
      scratch = new T5Layer.Scratch(config, rows);
    }
    return scratch;
  }

  private void ensureCapacity(int needed) {
    int cap = kCache[0].dim(0);
    if (needed <= cap) {
      return;
    }
    int grown = Math.min(config.contextLength(), Math.max(needed, 2 * cap));
    for (int l = 0; l < layers.length; l++) {
      kCache[l] = grow(kCache[l], grown);
      vCache[l] = grow(vCache[l], grown);
    }
  }

  private Tensor grow(Tensor t, int rows) {
    Tensor g = Tensor.zeros(rows, t.dim(1));
    if (pos > 0) {
      g.slice(0, pos).copyFrom(t.slice(0, pos));
    }
    return g;
  }

  // ------------------------------------------------- for T5BatchSession (rows are sessions)

  /** Layer l's self-attention key cache, with room for at least {@code needed} rows. */
  Tensor kCache(int l, int needed) {
    ensureCapacity(needed);
    return kCache[l];
  }

  /** Layer l's self-attention value cache (call {@link #kCache} first to make room). */
  Tensor vCache(int l) {
    return vCache[l];
  }

  /** The bias view of a one-token step at the current position, filled. */
  Tensor stepBias() {
    Tensor b = decodeBias(pos);
    model.bias(true).forward(pos, b);
    return b;
  }

  /** Records a token that a batched step ran into this session's caches at the current position. */
  void advance(int id) {
    history[pos++] = id;
  }

  /** Becomes a copy of {@code other}: its tokens and the cache rows that hold them. */
  void copyFrom(T5Session other) {
    if (closed || other.closed) {
      throw new IllegalStateException("the session is closed");
    }
    int n = other.pos;
    ensureCapacity(n);
    if (n > 0) {
      for (int l = 0; l < layers.length; l++) {
        kCache[l].slice(0, n).copyFrom(other.kCache[l].slice(0, n));
        vCache[l].slice(0, n).copyFrom(other.vCache[l].slice(0, n));
      }
    }
    System.arraycopy(other.history, 0, history, 0, n);
    pos = n;
  }

  @Override
  public void reset() {
    pos = 0;
  }

  @Override
  public void rewind(int position) {
    if (position < 0 || position > pos) {
      throw new IllegalArgumentException("rewind position " + position + " must be in [0, " + pos + "]");
    }
    pos = position;
  }

  @Override
  public void close() {
    closed = true;
  }
}
