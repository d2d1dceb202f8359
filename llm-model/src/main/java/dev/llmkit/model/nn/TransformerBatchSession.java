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
 *
 * <p>A small model (at most {@link #SPLIT_MAX_PARAMETERS} parameters, whose weights stay in cache)
 * has no weight stream to share and matrices too small for the kernel team to split; there a step's
 * rows split into one part per thread instead, each part through the whole forward on its own
 * thread. A row's result does not depend on its part (every kernel computes a row as it computes it
 * alone), so both ways give the same bits.
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
  private final float[][] stepResult;
  /** Scratch of prefill chunks, grown to the longest chunk (at most MAX_CHUNK rows). */
  private Workspace.Storage prefillStorage;
  private final Tensor lastLogits;
  /**
   * The parts of a step's rows: one over all rows (one pass over the weights), or, split, one per
   * thread of the kernel team.
   */
  private final Part[] parts;
  private boolean closed;

  /**
   * Models up to this many parameters (8 MB of F32 weights, inside a server core complex's shared
   * cache, so that each thread reading all of them costs no memory traffic) run a step's rows split
   * over the threads. stories260K, 8 rows: 46k tokens/s against 37–39k in one pass (benchmarks/README).
   */
  static final long SPLIT_MAX_PARAMETERS = 2_000_000;

  TransformerBatchSession(Transformer model, int rows, SessionOptions options) {
    this(model, rows, options,
        Parallel.threads() > 1 && model.weights().parameterCount() <= SPLIT_MAX_PARAMETERS);
  }

  /** As above; {@code split}: a step's rows split over the threads (else one pass over the weights). */
  TransformerBatchSession(Transformer model, int rows, SessionOptions options, boolean split) {
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
    // attention scratch, one per thread of the team ([0] is kernel)
    CachedAttention[] kernels = new CachedAttention[Math.min(rows, Parallel.threads())];
    kernels[0] = kernel;
    for (int c = 1; c < kernels.length; c++) {
      kernels[c] = new CachedAttention(config.nHeads(), config.nKvHeads(), config.headDim(), ctx);
    }
    this.stepResult = new float[rows][];
    this.prefillStorage = new Workspace.Storage(config, 1);
    this.lastLogits = Tensor.zeros(1, vocab);
    int p = kernels.length;
    if (split && p > 1) {
      // each part's attention on its own thread's scratch
      this.parts = new Part[p];
      for (int c = 0; c < p; c++) {
        parts[c] = new Part(config, (rows + p - 1) / p, new CachedAttention[] {kernels[c]});
      }
    } else {
      // the rows' attention split over the threads inside the one pass
      this.parts = new Part[] {new Part(config, rows, kernels)};
    }
  }

  /** A part of a step's rows: their scratch, logits, caches, ids and positions. */
  private static final class Part {
    final Workspace.Storage storage;
    final Workspace[] workspaces;
    final RowViews views;
    /** (capacity, V) the part's logits, and views of their first rows. */
    final Tensor logits;
    final Tensor[] logitsViews;
    final CachedAttention[] kernels;
    final KvCache[] caches;
    final int[] ids;
    final int[] pos;
    /** The part's rows of the current step: from..from+count-1 of the step's rows. */
    int from;
    int count;

    Part(ModelConfig config, int capacity, CachedAttention[] kernels) {
      this.storage = new Workspace.Storage(config, capacity);
      this.workspaces = new Workspace[capacity + 1];
      this.views = new RowViews(storage, capacity);
      this.logits = Tensor.zeros(capacity, config.vocabSize());
      this.logitsViews = new Tensor[capacity + 1];
      this.kernels = kernels;
      this.caches = new KvCache[capacity];
      this.ids = new int[capacity];
      this.pos = new int[capacity];
    }

    /** Its rows through the whole forward: ids -> logits (count, V). */
    void forward(Transformer model) {
      if (workspaces[count] == null) {
        workspaces[count] = storage.workspace(count);
        logitsViews[count] = count == logits.dim(0) ? logits : logits.slice(0, count);
      }
      model.forwardRows(workspaces[count], views, caches, kernels, ids, pos, logitsViews[count]);
    }
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
    // the n rows in contiguous parts (at most n); each part's rows: their ids, positions, caches
    int p = Math.min(parts.length, n);
    for (int c = 0; c < p; c++) {
      Part part = parts[c];
      part.from = n * c / p;
      part.count = n * (c + 1) / p - part.from;
      for (int i = 0; i < part.count; i++) {
        int r = rows[part.from + i];
        caches[r].ensureCapacity(pos[r] + 1, pos[r], options.initialCacheCapacity());
        part.ids[i] = ids[part.from + i];
        part.pos[i] = pos[r];
        part.caches[i] = caches[r];
      }
    }
    // ids: (count) -> logits: (count, V) for each part; several parts in parallel, each whole on
    // its thread (the loops inside a part then run on that thread)
    if (p == 1) {
      parts[0].forward(model);
    } else {
      Parallel.forRange(p, Parallel.MIN_WORK_PER_TASK, (c0, c1) -> {
        for (int c = c0; c < c1; c++) {
          parts[c].forward(model);
        }
      });
    }
    int vocab = config.vocabSize();
    for (int c = 0; c < p; c++) {
      Part part = parts[c];
      for (int i = 0; i < part.count; i++) {
        part.logits.buffer().get(i * vocab, logits[rows[part.from + i]], 0, vocab);
      }
    }
    for (int i = 0; i < n; i++) {
      int r = rows[i];
      history[r][pos[r]++] = ids[i];
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
