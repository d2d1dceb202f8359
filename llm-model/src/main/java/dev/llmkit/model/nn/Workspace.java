package dev.llmkit.model.nn;

import dev.llmkit.model.config.ModelConfig;
import dev.llmkit.model.config.ModelConfig.Activation;
import dev.llmkit.tensor.Tensor;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The scratch activations of one forward pass over a chunk of T tokens, all views of a session's
 * preallocated storage. A session keeps one workspace for T = 1 (decoding) and builds others on the
 * same storage for longer chunks, so decoding allocates nothing. The layers' inference forwards
 * take their scratch from it; it is made by a session ({@code Workspace.Storage}).
 *
 * <p>Shapes, with C = dim, H = ffnDim, qDim = nHeads * headDim, kvDim = nKvHeads * headDim.
 */
public final class Workspace {

  /** Number of rows (tokens) of this workspace. */
  final int rows;
  /** The memory this workspace is a view of (possibly more rows). */
  private final Storage storage;
  /** (T, C) the residual stream. */
  final Tensor x;
  /** (T, C) the normalised input of a sublayer. */
  final Tensor xn;
  /** (T, C) a sublayer's output (after its output projection). */
  final Tensor proj;
  /** (T, C) post-norm models: residual sum before the norm. */
  final Tensor tmp;
  /** (T, qDim) queries. */
  final Tensor q;
  /** (T, kvDim) keys of this chunk. */
  final Tensor k;
  /** (T, kvDim) values of this chunk. */
  final Tensor v;
  /** (T, qDim) attention output, heads interleaved. */
  final Tensor att;
  /** (T, H) first feed-forward projection (SwiGLU: the gate). */
  final Tensor h;
  /** (T, H) SwiGLU's up projection, or null. */
  final Tensor up;
  /** (T, H) activated hidden layer. */
  final Tensor act;
  /** (1, C) the last row of {@link #x}. */
  final Tensor xLast;
  /** (1, C) the final norm of the last row. */
  final Tensor xnLast;

  private Workspace(Storage s, int rows) {
    this.rows = rows;
    this.storage = s;
    this.x = view(s.x, rows);
    this.xn = view(s.xn, rows);
    this.proj = view(s.proj, rows);
    this.tmp = view(s.tmp, rows);
    this.q = view(s.q, rows);
    this.k = view(s.k, rows);
    this.v = view(s.v, rows);
    this.att = view(s.att, rows);
    this.h = view(s.h, rows);
    this.up = s.up == null ? null : view(s.up, rows);
    this.act = view(s.act, rows);
    this.xLast = s.x.slice(rows - 1, rows);
    this.xnLast = s.xnLast;
  }

  /**
   * A workspace of its own storage, for models that are not a {@link ModelConfig} (an encoder's
   * batch of packed sequences).
   *
   * @param rows tokens
   * @param dim model width C
   * @param qDim nHeads * headDim
   * @param kvDim nKvHeads * headDim
   * @param ffnDim the feed-forward width H
   * @param gated whether the feed-forward network is gated (SwiGLU)
   */
  public static Workspace allocate(int rows, int dim, int qDim, int kvDim, int ffnDim,
      boolean gated) {
    return new Storage(rows, dim, qDim, kvDim, ffnDim, gated).workspace(rows);
  }

  /** (T, C) a scratch the layers overwrite: free between blocks (an encoder's embedding sum). */
  public Tensor scratch() {
    return proj;
  }

  /** (T, C) a second such scratch. */
  public Tensor scratch2() {
    return tmp;
  }

  /** (T, C) the residual stream: a block's inference forward reads and updates it in place. */
  public Tensor x() {
    return x;
  }

  /** Number of rows (tokens). */
  public int rows() {
    return rows;
  }

  private static Tensor view(Tensor storage, int rows) {
    return storage.dim(0) == rows ? storage : storage.slice(0, rows);
  }

  /**
   * One kept scratch memory, reused from call to call: fresh off-heap memory is costly on first touch
   * (page faults: about 3 ms per MB on the development VM, more than the arithmetic of an encoder
   * layer or a prefill chunk over it), so a model keeps the largest memory given back and hands it
   * to the next call that fits in it. A caller takes it whole (there is none while it is in use), so
   * calls that overlap allocate their own. Thread-safe.
   */
  public static final class Spare {

    private final AtomicReference<Storage> kept = new AtomicReference<>();

    /** The kept memory, now taken, when it has at least {@code rows} rows; else null. */
    Storage take(int rows) {
      Storage s = kept.getAndSet(null);
      if (s != null && s.capacity < rows) {
        give(s);
        return null;
      }
      return s;
    }

    /** Keeps {@code s} for the next call, unless a larger memory is already kept. */
    void give(Storage s) {
      kept.accumulateAndGet(s, (k, mine) -> k == null || k.capacity < mine.capacity ? mine : k);
    }

    /**
     * A workspace of {@code rows} rows over the kept memory when it is free and large enough, else
     * over new memory ({@link Workspace#allocate}'s shapes); give it back when done.
     */
    public Workspace take(int rows, int dim, int qDim, int kvDim, int ffnDim, boolean gated) {
      Storage s = take(rows);
      return (s != null ? s : new Storage(rows, dim, qDim, kvDim, ffnDim, gated)).workspace(rows);
    }

    /** Gives a workspace's memory back for the next call (the workspace is not used after). */
    public void give(Workspace w) {
      give(w.storage);
    }
  }

  /** The backing memory of workspaces of up to {@link #capacity} rows. */
  static final class Storage {
    final int capacity;
    final Tensor x;
    final Tensor xn;
    final Tensor proj;
    final Tensor tmp;
    final Tensor q;
    final Tensor k;
    final Tensor v;
    final Tensor att;
    final Tensor h;
    final Tensor up;
    final Tensor act;
    final Tensor xnLast;

    Storage(ModelConfig c, int capacity) {
      this(capacity, c.dim(), c.nHeads() * c.headDim(), c.kvDim(), c.ffnDim(),
          c.activation().gated());
    }

    Storage(int capacity, int dim, int qDim, int kvDim, int ffnDim, boolean gated) {
      this.capacity = capacity;
      x = Tensor.zeros(capacity, dim);
      xn = Tensor.zeros(capacity, dim);
      proj = Tensor.zeros(capacity, dim);
      tmp = Tensor.zeros(capacity, dim);
      q = Tensor.zeros(capacity, qDim);
      k = Tensor.zeros(capacity, kvDim);
      v = Tensor.zeros(capacity, kvDim);
      att = Tensor.zeros(capacity, qDim);
      h = Tensor.zeros(capacity, ffnDim);
      up = gated ? Tensor.zeros(capacity, ffnDim) : null;
      act = Tensor.zeros(capacity, ffnDim);
      xnLast = Tensor.zeros(1, dim);
    }

    /** A workspace of {@code rows} rows over this storage (rows ≤ capacity). */
    Workspace workspace(int rows) {
      if (rows < 1 || rows > capacity) {
        throw new IllegalArgumentException(
            "workspace of " + rows + " rows over storage of " + capacity);
      }
      return new Workspace(this, rows);
    }
  }
}
