package dev.llmkit.model.nn;

import dev.llmkit.model.BatchChecks;
import dev.llmkit.model.BatchSession;
import dev.llmkit.model.LanguageModel;
import dev.llmkit.model.SessionOptions;
import dev.llmkit.model.config.ModelConfig;
import dev.llmkit.tensor.CachedAttention;
import dev.llmkit.tensor.KvCache;
import dev.llmkit.tensor.Tensor;
import dev.llmkit.tensor.kernel.Parallel;
import java.util.Arrays;

/**
 * The {@link Transformer}'s {@link BatchSession}: one KV cache per row; a prompt runs into its row
 * through the single-sequence forward (chunked prefill), and a {@link #step} runs one token of each
 * of n rows through {@link Transformer#forwardRows}: one pass over the weights for all n rows,
 * attention per row, the rows' attention split over the kernel team's threads. Rows are copied by
 * copying their caches; a reorder moves caches where it can and copies only rows that are the source
 * of several.
 */
final class TransformerBatchSession implements BatchSession {

  private final Transformer model;
  private final ModelConfig config;
  private final SessionOptions options;
  private KvCache[] caches;
  private final int[] pos;
  private final int[][] history;
  private final float[][] logits;
  private final CachedAttention kernel;
  /** Attention scratch of a step's parts of rows, one per thread of the team ([0] is kernel). */
  private final CachedAttention[] stepKernels;
  /** Scratch of the batched step: up to rows rows, and its one-row views. */
  private final Workspace.Storage stepStorage;
  private final Workspace[] stepWorkspaces;
  private final RowViews rowViews;
  /** (rows, V) logits of a step. */
  private final Tensor stepLogits;
  private final Tensor[] stepLogitsViews;
  // the active rows' caches and positions of the current step
  private final KvCache[] stepCaches;
  private final int[] stepPos;
  private final float[][] stepResult;
  /** Scratch of prefill chunks, grown to the longest chunk (at most MAX_CHUNK rows). */
  private Workspace.Storage prefillStorage;
  private final Tensor lastLogits;
  private boolean closed;

  TransformerBatchSession(Transformer model, int rows, SessionOptions options) {
    if (rows < 1) {
      throw new IllegalArgumentException("a batch session needs at least 1 row, got " + rows);
    }
    this.model = model;
    this.config = model.config();
    this.options = options;
    int ctx = config.contextLength();
    int vocab = config.vocabSize();
    this.caches = new KvCache[rows];
    for (int r = 0; r < rows; r++) {
      caches[r] = new KvCache(config.nLayers(), config.kvDim(), ctx);
    }
    this.pos = new int[rows];
    this.history = new int[rows][ctx];
    this.logits = new float[rows][vocab];
    this.kernel = new CachedAttention(config.nHeads(), config.nKvHeads(), config.headDim(), ctx);
    this.stepKernels = new CachedAttention[Math.min(rows, Parallel.threads())];
    stepKernels[0] = kernel;
    for (int c = 1; c < stepKernels.length; c++) {
      stepKernels[c] = new CachedAttention(config.nHeads(), config.nKvHeads(), config.headDim(), ctx);
    }
    this.stepStorage = new Workspace.Storage(config, rows);
    this.stepWorkspaces = new Workspace[rows + 1];
    this.rowViews = new RowViews(stepStorage, rows);
    this.stepLogits = Tensor.zeros(rows, vocab);
    this.stepLogitsViews = new Tensor[rows + 1];
    this.stepCaches = new KvCache[rows];
    this.stepPos = new int[rows];
    this.stepResult = new float[rows][];
    this.prefillStorage = new Workspace.Storage(config, 1);
    this.lastLogits = Tensor.zeros(1, vocab);
  }

  @Override
  public LanguageModel model() {
    return model;
  }

  @Override
  public int rows() {
    return caches.length;
  }

  @Override
  public int position(int row) {
    check(row);
    return pos[row];
  }

  @Override
  public int[] tokens(int row) {
    check(row);
    return Arrays.copyOf(history[row], pos[row]);
  }

  @Override
  public float[] prefill(int row, int[] ids, int offset, int count) {
    check(row);
    TransformerSession.checkChunk(ids, offset, count, config.vocabSize());
    int ctx = config.contextLength();
    if (pos[row] + count > ctx) {
      throw new IllegalArgumentException(
          "row " + row + " holds " + pos[row] + " tokens and the chunk has " + count
              + ", together longer than the context length " + ctx);
    }
    KvCache cache = caches[row];
    cache.ensureCapacity(pos[row] + count, pos[row], options.initialCacheCapacity());
    for (int done = 0; done < count; ) {
      int n = Math.min(TransformerSession.MAX_CHUNK, count - done);
      if (n > prefillStorage.capacity) {
        prefillStorage = new Workspace.Storage(config, n);
      }
      model.forward(prefillStorage.workspace(n), cache, kernel, ids, offset + done, pos[row],
          lastLogits, null, null);
      System.arraycopy(ids, offset + done, history[row], pos[row], n);
      pos[row] += n;
      done += n;
    }
    lastLogits.buffer().get(0, logits[row]);
    return logits[row];
  }

  @Override
  public float[][] step(int[] rows, int[] ids, int n) {
    checkOpen();
    BatchChecks.step(this, rows, ids, n);
    for (int i = 0; i < n; i++) {
      int r = rows[i];
      caches[r].ensureCapacity(pos[r] + 1, pos[r], options.initialCacheCapacity());
      stepCaches[i] = caches[r];
      stepPos[i] = pos[r];
    }
    if (stepWorkspaces[n] == null) {
      stepWorkspaces[n] = stepStorage.workspace(n);
      stepLogitsViews[n] = n == rows() ? stepLogits : stepLogits.slice(0, n);
    }
    // ids: (n) -> logits: (n, V)
    model.forwardRows(stepWorkspaces[n], rowViews, stepCaches, stepKernels, ids, stepPos,
        stepLogitsViews[n]);
    int vocab = config.vocabSize();
    for (int i = 0; i < n; i++) {
      int r = rows[i];
      history[r][pos[r]++] = ids[i];
      stepLogits.buffer().get(i * vocab, logits[r], 0, vocab);
      stepResult[i] = logits[r];
    }
    return stepResult;
  }

  @Override
  public float[] logits(int row) {
    check(row);
    return logits[row];
  }

  @Override
  public void copy(int from, int to) {
    check(from);
    check(to);
    if (from == to) {
      return;
    }
    caches[to].copyFrom(caches[from], pos[from]);
    System.arraycopy(history[from], 0, history[to], 0, pos[from]);
    pos[to] = pos[from];
    System.arraycopy(logits[from], 0, logits[to], 0, logits[to].length);
  }

  @Override
  public void reorder(int[] sources) {
    checkOpen();
    BatchChecks.sources(this, sources);
    int rows = rows();
    KvCache[] old = caches;
    int[] oldPos = pos.clone();
    int[][] oldHistory = history.clone();
    float[][] oldLogits = logits.clone();
    boolean[] taken = new boolean[rows];
    int[] owner = new int[rows]; // the row that took old cache s, or -1
    Arrays.fill(owner, -1);
    KvCache[] next = new KvCache[rows];
    // rows that stay themselves keep their cache; then each other source's cache moves to its first
    // taker
    for (int r = 0; r < rows; r++) {
      if (sources[r] == r) {
        next[r] = old[r];
        taken[r] = true;
        owner[r] = r;
      }
    }
    for (int r = 0; r < rows; r++) {
      int s = sources[r];
      if (next[r] == null && !taken[s]) {
        next[r] = old[s];
        taken[s] = true;
        owner[s] = r;
      }
    }
    // the rest copy from the source's cache (wherever it went) into a cache nobody took
    int free = 0;
    for (int r = 0; r < rows; r++) {
      if (next[r] == null) {
        while (taken[free]) {
          free++;
        }
        taken[free] = true;
        next[r] = old[free];
      }
    }
    // copies after all moves: a free cache is never a source that someone still reads
    for (int r = 0; r < rows; r++) {
      int s = sources[r];
      if (owner[s] != r) {
        next[r].copyFrom(old[s], oldPos[s]);
      }
    }
    caches = next;
    // history and logits arrays move the same way: fresh copies where a source has several takers
    int[][] newHistory = new int[rows][];
    float[][] newLogits = new float[rows][];
    boolean[] used = new boolean[rows];
    for (int r = 0; r < rows; r++) {
      int s = sources[r];
      if (owner[s] == r) {
        newHistory[r] = oldHistory[s];
        newLogits[r] = oldLogits[s];
        used[s] = true;
      }
    }
    int spare = 0;
    for (int r = 0; r < rows; r++) {
      int s = sources[r];
      if (owner[s] != r) {
        while (used[spare]) {
          spare++;
        }
        used[spare] = true;
        newHistory[r] = oldHistory[spare];
        newLogits[r] = oldLogits[spare];
      }
    }
    for (int r = 0; r < rows; r++) {
      int s = sources[r];
      if (owner[s] != r) {
        System.arraycopy(oldHistory[s], 0, newHistory[r], 0, oldPos[s]);
        System.arraycopy(oldLogits[s], 0, newLogits[r], 0, newLogits[r].length);
      }
    }
    for (int r = 0; r < rows; r++) {
      history[r] = newHistory[r];
      logits[r] = newLogits[r];
      pos[r] = oldPos[sources[r]];
    }
  }

  @Override
  public void reset(int row) {
    check(row);
    pos[row] = 0;
  }

  @Override
  public void close() {
    closed = true;
    for (KvCache c : caches) {
      c.release();
    }
  }

  private void check(int row) {
    checkOpen();
    BatchChecks.row(this, row);
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("the batch session is closed");
    }
  }
}
