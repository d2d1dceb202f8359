package dev.llmkit.model.nn;

import dev.llmkit.model.ContextOverflow;
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
  /** The first tokens an overflow keeps. */
  private final int keepFirst;
  /** The most recent tokens an overflow keeps (at most). */
  private final int keepOnShift;
  /** The rotary positions SHIFT re-rotates keys with; null unless the overflow is SHIFT. */
  private final Positions.Rotary rotary;
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
    this.keepFirst = options.keepFirst();
    this.keepOnShift =
        options.keepOnShift() == 0 ? Math.max(0, ctx - keepFirst) / 2 : options.keepOnShift();
    if (options.slidingWindow() && keepFirst + keepOnShift >= ctx) {
      throw new IllegalArgumentException(
          "keepFirst " + keepFirst + " + keepOnShift " + keepOnShift
              + " must be smaller than the context length " + ctx);
    }
    if (options.overflow() == ContextOverflow.SHIFT) {
      if (!(model.positions() instanceof Positions.Rotary r)) {
        throw new IllegalArgumentException(
            "context overflow SHIFT re-rotates the cached keys and needs rotary positions, but the"
                + " model has " + config.positions() + " positions; use SLIDE");
      }
      this.rotary = r;
    } else {
      this.rotary = null;
    }
    this.cache = new KvCache(config.nLayers(), config.kvDim(), ctx);
    this.kernel = new CachedAttention(config.nHeads(), config.nKvHeads(), config.headDim(), ctx);
    this.history = new int[ctx];
    Workspace.Storage kept = model.spare().take(1);
    this.storage = kept != null ? kept : new Workspace.Storage(config, 1);
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
    checkChunk(ids, offset, count, config.vocabSize());
    int vocab = config.vocabSize();
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
                + " (open the session with ContextOverflow SLIDE or SHIFT to forget the oldest tokens)");
      }
      if (!all && !attention && count > ctx - Math.min(keepFirst, pos)) {
        // the chunk does not fit even next to the first tokens alone: only the first and the last
        // tokens of the whole text are kept, and none of them is cached yet: start over from them
        return startOver(ids, offset, count);
      }
      if (count > ctx) {
        throw new IllegalArgumentException(
            "a chunk of " + count + " tokens is longer than the context length " + ctx
                + "; logits or attention of every position need the whole chunk in context");
      }
      makeRoom(count);
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

  /** Throws unless ids[offset..offset+count) is a non-empty range of ids inside the vocabulary. */
  static void checkChunk(int[] ids, int offset, int count, int vocab) {
    if (ids == null) {
      throw new IllegalArgumentException("ids must not be null");
    }
    if (count < 1 || offset < 0 || offset + count > ids.length) {
      throw new IllegalArgumentException(
          "chunk [" + offset + ", " + (offset + count) + ") must be a non-empty range of the "
              + ids.length + " ids");
    }
    for (int i = offset; i < offset + count; i++) {
      if (ids[i] < 0 || ids[i] >= vocab) {
        throw new IllegalArgumentException(
            "token id " + ids[i] + " at index " + i + " is outside the vocabulary [0, " + vocab + ")");
      }
    }
  }

  /**
   * Forgets held tokens so that {@code count} more fit: keeps the first keepFirst and the most
   * recent (at most keepOnShift) ones, then either re-rotates the moved cache rows (SHIFT) or
   * recomputes the cache of the kept tokens from position 0 (SLIDE).
   */
  private void makeRoom(int count) {
    int ctx = config.contextLength();
    int first = Math.min(Math.min(keepFirst, pos), ctx - count);
    int recent = Math.min(keepOnShift, ctx - count - first);
    int discard = pos - first - recent;
    if (rotary != null) {
      cache.shift(first, discard, pos, rotary.rope(), rotary.style());
      System.arraycopy(history, first + discard, history, first, recent);
      pos -= discard;
      return;
    }
    int[] kept = new int[first + recent];
    System.arraycopy(history, 0, kept, 0, first);
    System.arraycopy(history, pos - recent, kept, first, recent);
    pos = 0;
    if (kept.length > 0) {
      run(kept, 0, kept.length, false, false);
    }
  }

  /**
   * Replaces everything held by the first keepFirst and the last keepOnShift tokens of the held
   * ones followed by the chunk, run from position 0 (the last-logits forward of a chunk too long
   * to fit beside them).
   */
  private Tensor[] startOver(int[] ids, int offset, int count) {
    int total = pos + count;
    int[] text = new int[total];
    System.arraycopy(history, 0, text, 0, pos);
    System.arraycopy(ids, offset, text, pos, count);
    int first = Math.min(keepFirst, total);
    int recent = Math.max(1, Math.min(keepOnShift, total - first)); // the last token at least
    int[] kept = new int[first + recent];
    System.arraycopy(text, 0, kept, 0, first);
    System.arraycopy(text, total - recent, kept, first, recent);
    pos = 0;
    return run(kept, 0, kept.length, false, false);
  }

  private Workspace workspace(int rows) {
    if (rows == 1) {
      return decode;
    }
    if (rows > storage.capacity) {
      Workspace.Storage kept = model.spare().take(rows);
      model.spare().give(storage);
      storage = kept != null ? kept : new Workspace.Storage(config, rows);
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
    if (!closed) {
      model.spare().give(storage);
    }
    closed = true;
    cache.release();
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("the session is closed");
    }
  }
}
