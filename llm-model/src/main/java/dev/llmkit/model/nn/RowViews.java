package dev.llmkit.model.nn;

import dev.llmkit.tensor.Tensor;

/**
 * One-row views of a batched-decoding workspace's attention scratch, made once per session: row
 * i of q, k, v and att, each (1, width). Batched decoding runs positions and attention per row on
 * these views ({@link Attention#forwardRows}).
 */
public final class RowViews {

  final Tensor[] x;
  final Tensor[] q;
  final Tensor[] k;
  final Tensor[] v;
  final Tensor[] att;

  /** Views of the first {@code rows} rows of the storage. */
  RowViews(Workspace.Storage s, int rows) {
    this.x = views(s.x, rows);
    this.q = views(s.q, rows);
    this.k = views(s.k, rows);
    this.v = views(s.v, rows);
    this.att = views(s.att, rows);
  }

  private static Tensor[] views(Tensor t, int rows) {
    Tensor[] out = new Tensor[rows];
    for (int i = 0; i < rows; i++) {
      out[i] = t.slice(i, i + 1);
    }
    return out;
  }
}
