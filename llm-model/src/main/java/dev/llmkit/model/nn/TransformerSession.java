package dev.llmkit.model.nn;

import dev.llmkit.model.InferenceSession;
import dev.llmkit.model.LanguageModel;
import dev.llmkit.model.SessionOptions;
import dev.llmkit.model.config.ModelConfig;
import dev.llmkit.tensor.CachedAttention;
import dev.llmkit.tensor.KvCache;
import dev.llmkit.tensor.Tensor;
import java.util.Arrays;

/**
 * A {@link Transformer} session: the KV cache, the ids it holds, and scratch memory. The decode
 * workspace (one row) and the logits buffers are made when the session opens; longer chunks grow
 * the scratch storage to the longest chunk seen so far.
 */
final class TransformerSession implements InferenceSession {

  /** Prefill scratch never grows beyond this many rows; longer chunks run in pieces. */
  static final int MAX_CHUNK = 512;

  private final Transformer model;
  private final ModelConfig config;
  private final SessionOptions options;
  private final int keepOnShift;
  private final KvCache cache;
  private final CachedAttention kernel;
  /** The ids held, positions 0..pos-1. */
  private final int[] history;
  private int pos;
  private Workspace.Storage storage;
  private Workspace decode;
  /** (1, V) logits of the last row. */
  private final Tensor lastLogits;
  private final float[] lastLogitsArray;
  private boolean closed;
  /** Where {@link #forwardHidden} wants the final-norm rows of the running chunk; else null. */
  private Tensor hiddenOut;

  TransformerSession(Transformer model, SessionOptions options) {
    this.model = model;
    this.config = model.config();
    this.options = options;
    int ctx = config.contextLength();
    this.keepOnShift = options.keepOnShift() == 0 ? ctx / 2 : options.keepOnShift();
    if (options.slidingWindow() && keepOnShift >= ctx) {
      throw new IllegalArgumentException(
          "keepOnShift " + keepOnShift + " must be smaller than the context length " + ctx);
    }
    this.cache = new KvCache(config.nLayers(), config.kvDim(), ctx);
    this.kernel = new CachedAttention(config.nHeads(), config.nKvHeads(), config.headDim(), ctx);
    this.history = new int[ctx];
    this.storage = new Workspace.Storage(config, 1);
    this.decode = storage.workspace(1);
    this.lastLogits = Tensor.zeros(1, config.vocabSize());
    this.lastLogitsArray = new float[config.vocabSize()];
  }

  @Override
  public LanguageModel model() {
    return model;
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
    run(ids, offset, count, false, false);
    lastLogits.buffer().get(0, lastLogitsArray);
    return lastLogitsArray;
  }

  @Override
  public Tensor forwardAll(int[] ids, int offset, int count) {
    return run(ids, offset, count, true, false)[0];
  }

  @Override
  public Tensor forwardHidden(int[] ids, int offset, int count) {
    // ids: (count) -> hidden: (count, C), the final norm's output of every position
    Tensor hidden = Tensor.zeros(Math.max(count, 1), config.dim());
    hiddenOut = hidden;
    try {
      run(ids, offset, count, true, false);
    } finally {
      hiddenOut = null;
    }
    return hidden;
  }

  @Override
  public Tensor[] forwardWithAttention(int[] ids, int offset, int count) {
    return run(ids, offset, count, false, true);
  }

  /**
   * Checks the chunk, shifts the window if needed, then runs it in pieces of at most MAX_CHUNK rows.
   * Returns {allLogits} or the per-layer attention weights when asked, else null.
   */
  private Tensor[] run(int[] ids, int offset, int count, boolean all, boolean attention) {
    checkOpen();
    if (ids == null) {
      throw new IllegalArgumentException("ids must not be null");
    }
    if (count < 1 || offset < 0 || offset + count > ids.length) {
      throw new IllegalArgumentException(
          "chunk [" + offset + ", " + (offset + count) + ") must be a non-empty range of the "
              + ids.length + " ids");
    }
    int vocab = config.vocabSize();
    for (int i = offset; i < offset + count; i++) {
      if (ids[i] < 0 || ids[i] >= vocab) {
        throw new IllegalArgumentException(
            "token id " + ids[i] + " at index " + i + " is outside the vocabulary [0, " + vocab + ")");
      }
    }
    if (attention && count > MAX_CHUNK) {
      throw new IllegalArgumentException(
          "attention weights of a chunk of " + count + " tokens: at most " + MAX_CHUNK);
    }
    int ctx = config.contextLength();
    if (pos + count > ctx) {
      if (!options.slidingWindow()) {
        throw new IllegalArgumentException(
            "the session holds " + pos + " tokens and the chunk has " + count
                + ", together longer than the context length " + ctx
                + " (open the session with a sliding window to forget the oldest tokens)");
      }
      if (all || attention) {
        if (count > ctx) {
          throw new IllegalArgumentException(
              "a chunk of " + count + " tokens is longer than the context length " + ctx
                  + "; logits or attention of every position need the whole chunk in context");
        }
        shift(ctx - count);
      } else if (count > ctx) {
        // Only the last tokens can influence the next-token logits: start over from them.
        int drop = count - keepOnShift;
        pos = 0;
        offset += drop;
        count -= drop;
      } else {
        shift(Math.min(keepOnShift, ctx - count));
      }
    }
    Tensor allLogits = all ? Tensor.zeros(count, vocab) : null;
    Tensor[] probs = null;
    if (attention) {
      probs = new Tensor[config.nLayers()];
      for (int l = 0; l < probs.length; l++) {
        probs[l] = Tensor.zeros(config.nHeads(), count, pos + count);
      }
    }
    cache.ensureCapacity(pos + count, pos, options.initialCacheCapacity());
    for (int done = 0; done < count; ) {
      int n = Math.min(MAX_CHUNK, count - done);
      Workspace ws = workspace(n);
      Tensor allView = all ? (n == count ? allLogits : allLogits.slice(done, done + n)) : null;
      model.forward(ws, cache, kernel, ids, offset + done, pos, lastLogits, allView, probs);
      if (all && hiddenOut != null) { // the head left the final norm of every row in ws.xn
        (n == count ? hiddenOut : hiddenOut.slice(done, done + n)).copyFrom(ws.xn);
      }
      System.arraycopy(ids, offset + done, history, pos, n);
      pos += n;
      done += n;
    }
    if (all) {
      return new Tensor[] {allLogits};
    }
    return probs;
  }

  /** Keeps the last {@code keep} held tokens, recomputing their cache from position 0. */
  private void shift(int keep) {
    int[] kept = Arrays.copyOfRange(history, pos - keep, pos);
    pos = 0;
    if (keep > 0) {
      run(kept, 0, keep, false, false);
    }
  }

  private Workspace workspace(int rows) {
    if (rows == 1) {
      return decode;
    }
    if (rows > storage.capacity) {
      storage = new Workspace.Storage(config, rows);
      decode = storage.workspace(1);
    }
    return storage.workspace(rows);
  }

  @Override
  public void reset() {
    checkOpen();
    pos = 0;
  }

  @Override
  public void rewind(int position) {
    checkOpen();
    if (position < 0 || position > pos) {
      throw new IllegalArgumentException(
          "rewind position " + position + " must be in [0, " + pos + "]");
    }
    pos = position;
  }

  @Override
  public void close() {
    closed = true;
    cache.release();
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("the session is closed");
    }
  }
}
