package dev.llmkit.model.nn;

import dev.llmkit.model.config.ModelConfig;
import dev.llmkit.model.config.ModelConfig.Activation;
import dev.llmkit.tensor.Tensor;

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

  private static Tensor view(Tensor storage, int rows) {
    return storage.dim(0) == rows ? storage : storage.slice(0, rows);
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
      this.capacity = capacity;
      int qDim = c.nHeads() * c.headDim();
      x = Tensor.zeros(capacity, c.dim());
      xn = Tensor.zeros(capacity, c.dim());
      proj = Tensor.zeros(capacity, c.dim());
      tmp = Tensor.zeros(capacity, c.dim());
      q = Tensor.zeros(capacity, qDim);
      k = Tensor.zeros(capacity, c.kvDim());
      v = Tensor.zeros(capacity, c.kvDim());
      att = Tensor.zeros(capacity, qDim);
      h = Tensor.zeros(capacity, c.ffnDim());
      up = c.activation().gated() ? Tensor.zeros(capacity, c.ffnDim()) : null;
      act = Tensor.zeros(capacity, c.ffnDim());
      xnLast = Tensor.zeros(1, c.dim());
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
