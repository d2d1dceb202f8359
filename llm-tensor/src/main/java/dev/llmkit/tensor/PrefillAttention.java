package dev.llmkit.tensor;

import java.nio.FloatBuffer;

/**
 * Causal attention of a chunk of T > 1 query rows as three batched matrix products: heads are
 * regrouped head-major, {@code S = Q·Kᵀ} per KV head (its query heads stacked, so grouped-query
 * attention is one product per KV head) through sgemm, the causal mask, a row-wise softmax, and
 * {@code O = P·V} through sgemm. Materialises the (nHeads, T, keyLength) probabilities, which are
 * exactly the attention maps when asked for. Scratch grows on demand and is reused by the session.
 */
final class PrefillAttention {

  private final int nHeads;
  private final int nKvHeads;
  private final int headDim;
  private final int group;
  private final float scale;
  private Tensor qh;
  private Tensor kh;
  private Tensor vh;
  private Tensor scores;
  private Tensor probs;
  private Tensor oh;
  private float[] rowsIn;
  private float[] rowsOut;

  PrefillAttention(int nHeads, int nKvHeads, int headDim) {
    this.nHeads = nHeads;
    this.nKvHeads = nKvHeads;
    this.headDim = headDim;
    this.group = nHeads / nKvHeads;
    this.scale = (float) (1.0 / Math.sqrt(headDim));
  }

  /**
   * q: (T, nHeads*hd) at positions queryStart..queryStart+T-1; k, v: rows 0..keyLength-1 of
   * (≥keyLength, nKvHeads*hd) -> out: (T, nHeads*hd); mapsOut: (nHeads, T, keyLength) or null.
   */
  void forward(Tensor q, Tensor k, Tensor v, int keyLength, int queryStart, Tensor out, Tensor mapsOut) {
    final int t = q.dim(0);
    final int s = keyLength;
    final int hd = headDim;
    final int c = nHeads * hd;
    ensure(t, s);
    // q: (T, nHeads*hd) -> qh: (nKv, group*T, hd), scaled by 1/sqrt(hd)
    Tensor q3 = view(qh, nKvHeads, group * t, hd);
    headMajor(q, t, nHeads, scale, q3);
    // k, v: (S, nKv*hd) -> (nKv, S, hd)
    Tensor k3 = view(kh, nKvHeads, s, hd);
    Tensor v3 = view(vh, nKvHeads, s, hd);
    headMajor(k, s, nKvHeads, 1f, k3);
    headMajor(v, s, nKvHeads, 1f, v3);
    // scores: (nKv, group*T, S) = q3 · k3ᵀ
    Tensor sc = view(scores, nKvHeads, group * t, s);
    Matmul.matmul(q3, false, k3, true, sc, false);
    // causal mask: query row i (position queryStart+i) sees keys 0..queryStart+i
    FloatBuffer sb = sc.buffer();
    for (int h = 0; h < nHeads; h++) {
      for (int i = 0; i < t; i++) {
        int base = (h * t + i) * s;
        for (int j = queryStart + i + 1; j < s; j++) {
          sb.put(base + j, Float.NEGATIVE_INFINITY);
        }
      }
    }
    // p: (nHeads*T, S) row-wise softmax
    Tensor p = mapsOut != null ? mapsOut : view(probs, nHeads, t, s);
    Softmax.softmax(sc.reshape(nHeads * t, s), p.reshape(nHeads * t, s));
    // o: (nKv, group*T, hd) = p · v3
    Tensor o3 = view(oh, nKvHeads, group * t, hd);
    Matmul.matmul(p.reshape(nKvHeads, group * t, s), false, v3, false, o3, false);
    // o3 -> out: (T, nHeads*hd)
    o3.buffer().get(0, rowsIn, 0, t * c);
    for (int h = 0; h < nHeads; h++) {
      for (int i = 0; i < t; i++) {
        System.arraycopy(rowsIn, (h * t + i) * hd, rowsOut, i * c + h * hd, hd);
      }
    }
    out.buffer().put(0, rowsOut, 0, t * c);
  }

  /** x: (rows, heads*hd) row-major -> dst: (heads, rows, hd), times factor. */
  private void headMajor(Tensor x, int rows, int heads, float factor, Tensor dst) {
    int width = heads * headDim;
    x.buffer().get(0, rowsIn, 0, rows * width);
    for (int r = 0; r < rows; r++) {
      for (int h = 0; h < heads; h++) {
        int from = r * width + h * headDim;
        int to = (h * rows + r) * headDim;
        for (int d = 0; d < headDim; d++) {
          rowsOut[to + d] = rowsIn[from + d] * factor;
        }
      }
    }
    dst.buffer().put(0, rowsOut, 0, rows * width);
  }

  private void ensure(int t, int s) {
    int c = nHeads * headDim;
    int rows = Math.max(t, s);
    if (rowsIn == null || rowsIn.length < rows * c) {
      rowsIn = new float[rows * c];
      rowsOut = new float[rows * c];
    }
    qh = atLeast(qh, (long) t * c);
    kh = atLeast(kh, (long) s * nKvHeads * headDim);
    vh = atLeast(vh, (long) s * nKvHeads * headDim);
    scores = atLeast(scores, (long) nHeads * t * s);
    probs = atLeast(probs, (long) nHeads * t * s);
    oh = atLeast(oh, (long) t * c);
  }

  private static Tensor atLeast(Tensor t, long n) {
    if (t != null && t.length() >= n) {
      return t;
    }
    return Tensor.zeros(Math.toIntExact(Math.max(n, t == null ? 0 : 2L * t.length())));
  }

  private static Tensor view(Tensor flat, int a, int b, int c) {
    int n = a * b * c;
    return (flat.length() == n ? flat : flat.slice(0, n)).reshape(a, b, c);
  }
}
