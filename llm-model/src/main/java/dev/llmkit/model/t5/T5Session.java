package dev.llmkit.model.t5;

import dev.llmkit.model.InferenceSession;
import dev.llmkit.model.SessionOptions;
import dev.llmkit.tensor.BiasedDecodeAttention;
import dev.llmkit.tensor.Embedding;
import dev.llmkit.tensor.Tensor;
import java.util.Arrays;

/**
 * One decoding of a {@link T5Decoder}: the decoder ids so far, every layer's self-attention KV
 * cache on the heap (keys transposed, grown by doubling up to the context length), and scratch; the
 * cross-attention keys and values are the decoder's, shared. A one-token step
 * ({@link T5Layer#decodeRows}) reads the caches in place with {@link BiasedDecodeAttention} and
 * allocates no tensor memory; a chunk of several tokens (teacher forcing, attention weights) runs
 * through {@link T5Layer#forward} over tensors copied from and back into the caches.
 */
public final class T5Session implements InferenceSession {

  private final T5Decoder decoder;
  private final T5Model model;
  private final T5Config config;
  private final T5Layer[] layers;
  private final int[] history;
  /** Per layer (inner, stride) the cached keys transposed: key j's element c at c·stride + j. */
  private final float[][] keysT;
  /** Per layer (capacity, inner) the cached values, row-major. */
  private final float[][] values;
  private int capacity;
  private int stride;
  private int pos;
  private T5Layer.Scratch scratch;
  private final T5Layer.Scratch decode;
  private final Tensor lastLogits;
  private final float[] lastLogitsArray;
  /** (1, d_model) the embedding row of a one-token step. */
  private final Tensor decodeX;
  /** The attention kernel of one-token steps (its scratch). */
  private final BiasedDecodeAttention attention;
  /** A key or value row on its way into the caches. */
  private final float[] row;
  private Tensor[] lastCross;
  private boolean closed;

  T5Session(T5Decoder decoder, SessionOptions options) {
    this.decoder = decoder;
    this.model = decoder.t5();
    this.config = model.config();
    this.layers = model.decoderLayers();
    this.history = new int[config.contextLength()];
    this.capacity = Math.min(config.contextLength(), Math.max(16, options.initialCacheCapacity()));
    this.stride = BiasedDecodeAttention.paddedStride(capacity);
    int inner = config.innerDim();
    this.keysT = new float[layers.length][inner * stride];
    this.values = new float[layers.length][capacity * inner];
    this.decode = new T5Layer.Scratch(config, 1, true);
    this.scratch = decode;
    this.lastLogits = Tensor.zeros(1, config.vocabSize());
    this.lastLogitsArray = new float[config.vocabSize()];
    this.decodeX = Tensor.zeros(1, config.dModel());
    this.attention = new BiasedDecodeAttention(config.numHeads(), config.dKv(),
        Math.max(config.contextLength(), decoder.encoderHidden().dim(0)));
    this.row = new float[inner];
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
    if (count == 1 && selfProbs == null) {
      // one token: x (1, C) through every layer against the heap caches
      Embedding.gather(model.weights().get(T5Weights.SHARED), ids, offset, 1, decodeX);
      T5Session[] self = {this};
      for (int l = 0; l < layers.length; l++) {
        layers[l].decodeRows(decode, decodeX, self, l, decoder, model.decoderBiasReversed());
      }
      model.logits(decodeX, decode.xn, all != null ? all : lastLogits);
      history[pos++] = ids[offset];
      return;
    }
    T5Layer.Scratch s = scratch(count);
    // ids: (T) -> x: (T, C)
    Tensor x = Tensor.zeros(count, config.dModel());
    Embedding.gather(model.weights().get(T5Weights.SHARED), ids, offset, count, x);
    // bias: (nHeads, T, pos+T) of the causal relative positions, shared by every block
    Tensor bias = Tensor.zeros(config.numHeads(), count, pos + count);
    model.bias(true).forward(pos, bias);
    // the cache as (pos+T, inner) tensors: rows 0..pos-1 from the heap, rows pos.. written by the layer
    int inner = config.innerDim();
    Tensor k = Tensor.zeros(pos + count, inner);
    Tensor v = Tensor.zeros(pos + count, inner);
    float[] kRows = new float[pos * inner];
    for (int l = 0; l < layers.length; l++) {
      if (pos > 0) {
        for (int j = 0; j < pos; j++) {
          for (int c = 0; c < inner; c++) {
            kRows[j * inner + c] = keysT[l][c * stride + j];
          }
        }
        k.buffer().put(0, kRows);
        v.buffer().put(0, values[l], 0, pos * inner);
      }
      layers[l].forward(s, x, pos, bias, k, v, decoder.crossK(l), decoder.crossV(l),
          selfProbs == null ? null : selfProbs[l], selfProbs == null ? null : lastCross[l]);
      for (int j = pos; j < pos + count; j++) {
        k.buffer().get(j * inner, row);
        store(l, j, row);
        v.buffer().get(j * inner, values[l], j * inner, inner);
      }
    }
    if (all != null) {
      model.logits(x, s.xn, all);
    } else {
      model.logits(x.slice(count - 1, count), decode.xn, lastLogits);
    }
    System.arraycopy(ids, offset, history, pos, count);
    pos += count;
  }

  /** Key row {@code k} (inner) into layer l's transposed key cache at position j. */
  private void store(int l, int j, float[] k) {
    float[] kt = keysT[l];
    for (int c = 0; c < k.length; c++) {
      kt[c * stride + j] = k[c];
    }
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
    if (needed <= capacity) {
      return;
    }
    int grown = Math.min(config.contextLength(), Math.max(needed, 2 * capacity));
    int grownStride = BiasedDecodeAttention.paddedStride(grown);
    int inner = config.innerDim();
    for (int l = 0; l < layers.length; l++) {
      float[] kt = new float[inner * grownStride];
      for (int c = 0; c < inner; c++) {
        System.arraycopy(keysT[l], c * stride, kt, c * grownStride, pos);
      }
      keysT[l] = kt;
      values[l] = Arrays.copyOf(values[l], grown * inner);
    }
    capacity = grown;
    stride = grownStride;
  }

  // ------------------------------------- for T5Layer.decodeRows and T5BatchSession

  /** Makes room in the caches for {@code needed} positions. */
  void reserve(int needed) {
    ensureCapacity(needed);
  }

  /** Layer l's cached keys, transposed: (inner, {@link #keyStride()}). */
  float[] keysT(int l) {
    return keysT[l];
  }

  /** Layer l's cached values: (capacity, inner). */
  float[] values(int l) {
    return values[l];
  }

  /** The position stride of {@link #keysT}. */
  int keyStride() {
    return stride;
  }

  /** The attention kernel (scratch) of this session's one-token steps. */
  BiasedDecodeAttention attention() {
    return attention;
  }

  /** Writes a one-token step's key k and value v (1, inner) of layer l at the current position. */
  void store(int l, Tensor k, Tensor v) {
    k.buffer().get(0, row);
    store(l, pos, row);
    v.buffer().get(0, values[l], pos * row.length, row.length);
  }

  /** Records a token that a batched step ran into this session's caches at the current position. */
  void advance(int id) {
    history[pos++] = id;
  }

  /** Becomes a copy of {@code other}: its tokens and the cache entries that hold them. */
  void copyFrom(T5Session other) {
    if (closed || other.closed) {
      throw new IllegalStateException("the session is closed");
    }
    int n = other.pos;
    pos = 0;
    ensureCapacity(n);
    int inner = config.innerDim();
    for (int l = 0; l < layers.length; l++) {
      for (int c = 0; c < inner; c++) {
        System.arraycopy(other.keysT[l], c * other.stride, keysT[l], c * stride, n);
      }
      System.arraycopy(other.values[l], 0, values[l], 0, n * inner);
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
