package dev.llmkit.model.transformer;

import dev.llmkit.tensor.Parallel;
import dev.llmkit.tensor.Tensor;

/**
 * Causal attention of one new query row over every cached position, reading the session's
 * {@link KvCache} in place (no copy of the cache per step): scores by axpy passes over the
 * transposed keys, softmax, then a weighted sum of value rows. Multithreaded over heads; all scratch
 * is allocated once per session, so a decode step allocates nothing here.
 *
 * <p>The general {@code dev.llmkit.tensor.Attention} kernel handles prefill (T > 1) and attention
 * maps; this is the batch-1 decode path. A candidate to move into llm-tensor.
 */
final class DecodeAttention implements Parallel.RangeBody {

  private final int nHeads;
  private final int headDim;
  private final int group;
  private final int kvDim;
  private final float scale;
  /** (nHeads * headDim) the query row. */
  private final float[] q;
  /** (nHeads * headDim) the output row. */
  private final float[] out;
  /** Per head scores, stride = the context length. */
  private final float[] scores;
  private final int scoreStride;

  // the current call's arguments, read by run(from, to)
  private float[] kt;
  private float[] v;
  private int capacity;
  private int keys;

  DecodeAttention(int nHeads, int nKvHeads, int headDim, int contextLength) {
    this.nHeads = nHeads;
    this.headDim = headDim;
    this.group = nHeads / nKvHeads;
    this.kvDim = nKvHeads * headDim;
    this.scale = (float) (1.0 / Math.sqrt(headDim));
    this.q = new float[nHeads * headDim];
    this.out = new float[nHeads * headDim];
    this.scoreStride = contextLength;
    this.scores = new float[nHeads * contextLength];
  }

  /**
   * q: (1, nHeads*hd), cached keys/values of positions 0..keyLength-1 -> att: (1, nHeads*hd).
   */
  void forward(Tensor qRow, KvCache cache, int layer, int keyLength, Tensor att) {
    qRow.buffer().get(0, q);
    this.kt = cache.keysT(layer);
    this.v = cache.values(layer);
    this.capacity = cache.capacity();
    this.keys = keyLength;
    Parallel.forRange(nHeads, 2L * keyLength * headDim, this);
    att.buffer().put(0, out);
    this.kt = null;
    this.v = null;
  }

  /** Heads from..to-1. */
  @Override
  public void run(int from, int to) {
    final int n = keys;
    final int hd = headDim;
    for (int h = from; h < to; h++) {
      int kvOff = (h / group) * hd;
      int so = h * scoreStride;
      // s[j] = scale * q_h · k_j, as axpy passes over the positions, four dimensions at a time
      java.util.Arrays.fill(scores, so, so + n, 0f);
      int d = 0;
      for (; d + 3 < hd; d += 4) {
        int qo = h * hd + d;
        float q0 = q[qo] * scale;
        float q1 = q[qo + 1] * scale;
        float q2 = q[qo + 2] * scale;
        float q3 = q[qo + 3] * scale;
        int k0 = (kvOff + d) * capacity;
        int k1 = k0 + capacity;
        int k2 = k1 + capacity;
        int k3 = k2 + capacity;
        for (int j = 0; j < n; j++) {
          scores[so + j] += q0 * kt[k0 + j] + q1 * kt[k1 + j] + q2 * kt[k2 + j] + q3 * kt[k3 + j];
        }
      }
      for (; d < hd; d++) {
        float qd = q[h * hd + d] * scale;
        int ko = (kvOff + d) * capacity;
        for (int j = 0; j < n; j++) {
          scores[so + j] += qd * kt[ko + j];
        }
      }
      // softmax over the n keys
      float max = Float.NEGATIVE_INFINITY;
      for (int j = 0; j < n; j++) {
        max = Math.max(max, scores[so + j]);
      }
      float sum = 0f;
      for (int j = 0; j < n; j++) {
        float e = (float) Math.exp(scores[so + j] - max);
        scores[so + j] = e;
        sum += e;
      }
      float inv = 1f / sum;
      // out_h = Σ_j p_j v_j
      int oo = h * hd;
      java.util.Arrays.fill(out, oo, oo + hd, 0f);
      int j = 0;
      for (; j + 3 < n; j += 4) {
        float p0 = scores[so + j] * inv;
        float p1 = scores[so + j + 1] * inv;
        float p2 = scores[so + j + 2] * inv;
        float p3 = scores[so + j + 3] * inv;
        int v0 = j * kvDim + kvOff;
        int v1 = v0 + kvDim;
        int v2 = v1 + kvDim;
        int v3 = v2 + kvDim;
        for (int e = 0; e < hd; e++) {
          out[oo + e] += p0 * v[v0 + e] + p1 * v[v1 + e] + p2 * v[v2 + e] + p3 * v[v3 + e];
        }
      }
      for (; j < n; j++) {
        float p = scores[so + j] * inv;
        int vo = j * kvDim + kvOff;
        for (int e = 0; e < hd; e++) {
          out[oo + e] += p * v[vo + e];
        }
      }
    }
  }
}
