package dev.llmkit.tensor;

import dev.llmkit.tensor.kernel.Parallel;

/**
 * Causal attention of one new query row over every cached position: the batch-1 decode path of
 * masked multi-head self-attention, reading a KV cache in place (no copy per step).
 *
 * <p>For each head h (sharing key/value head {@code g = h / (nHeads/nKvHeads)}, grouped-query
 * attention): {@code s_j = q_h·k_j / √hd}, {@code p = softmax(s)}, {@code out_h = Σ_j p_j v_j} over
 * the {@code n} cached positions. The cache layout is the one this reads fastest: keys transposed,
 * {@code keysT[c·stride + j]} (c = g·hd + d, so one head's keys for one dimension are contiguous
 * over positions), and values row-major, {@code values[j·kvDim + c]}.
 *
 * <p>Heads run in parallel on {@link Parallel}'s team with the SIMD kernels when the Vector API is
 * on. An instance holds the scratch of one stream of calls (one session): not thread-safe; a step
 * allocates nothing.
 */
public final class DecodeAttention implements Parallel.RangeBody {

  /** A cache's position stride must be a multiple of this (the SIMD loops read whole blocks). */
  public static final int STRIDE_MULTIPLE = SimdKernels.PAD;

  private final int nHeads;
  private final int headDim;
  private final int group;
  private final int kvDim;
  private final int maxKeys;
  private final float scale;
  private final SimdKernels kernels;
  /** (nHeads · headDim) the query row. */
  private final float[] q;
  /** (nHeads · headDim) the output row. */
  private final float[] out;
  /** Per head a row of scores, {@code scoreStride} apart. */
  private final float[] scores;
  private final int scoreStride;

  // the current call's arguments, read by run(from, to)
  private float[] keysT;
  private float[] values;
  private int stride;
  private int keys;

  /**
   * @param nHeads query heads
   * @param nKvHeads key/value heads (dividing nHeads)
   * @param headDim dimension of a head
   * @param maxKeys the most cached positions a call may attend to (the context length)
   */
  public DecodeAttention(int nHeads, int nKvHeads, int headDim, int maxKeys) {
    if (nHeads < 1 || nKvHeads < 1 || nHeads % nKvHeads != 0 || headDim < 1 || maxKeys < 1) {
      throw new IllegalArgumentException(
          "DecodeAttention: expected nKvHeads dividing nHeads and positive sizes, got nHeads " + nHeads
              + ", nKvHeads " + nKvHeads + ", headDim " + headDim + ", maxKeys " + maxKeys);
    }
    this.nHeads = nHeads;
    this.headDim = headDim;
    this.group = nHeads / nKvHeads;
    this.kvDim = nKvHeads * headDim;
    this.maxKeys = maxKeys;
    this.scale = (float) (1.0 / Math.sqrt(headDim));
    this.kernels = Simd.kernelsOrScalar();
    this.q = new float[nHeads * headDim];
    this.out = new float[nHeads * headDim];
    this.scoreStride = paddedStride(maxKeys);
    this.scores = new float[nHeads * scoreStride];
  }

  /** The smallest valid cache stride holding {@code positions}: a multiple of {@link #STRIDE_MULTIPLE}. */
  public static int paddedStride(int positions) {
    return (positions + STRIDE_MULTIPLE - 1) / STRIDE_MULTIPLE * STRIDE_MULTIPLE;
  }

  /**
   * q: (1, nHeads·hd), the cache's positions 0..keyLength-1 -> out: (1, nHeads·hd).
   *
   * @param keysT (kvDim, stride) keys transposed; stride a multiple of {@link #STRIDE_MULTIPLE}
   * @param values (≥ keyLength, kvDim) values
   * @param stride the position stride of keysT, at least keyLength
   * @param keyLength cached positions to attend to, 1..maxKeys
   */
  public void forward(Tensor query, float[] keysT, float[] values, int stride, int keyLength, Tensor output) {
    if (query.length() != q.length || output.length() != out.length) {
      throw new IllegalArgumentException(
          "DecodeAttention: expected q and out of " + q.length + " elements, got q "
              + query.shapeString() + " and out " + output.shapeString());
    }
    if (keyLength < 1 || keyLength > maxKeys || keyLength > stride || stride % STRIDE_MULTIPLE != 0
        || keysT.length < kvDim * stride || values.length < keyLength * kvDim) {
      throw new IllegalArgumentException(
          "DecodeAttention: " + keyLength + " keys (at most " + maxKeys + ") in a cache of stride " + stride
              + " (a multiple of " + STRIDE_MULTIPLE + "), keysT of " + keysT.length + " and values of "
              + values.length + " floats for kvDim " + kvDim);
    }
    query.buffer().get(0, q);
    this.keysT = keysT;
    this.values = values;
    this.stride = stride;
    this.keys = keyLength;
    Parallel.forBlocks(nHeads, 3L * keyLength * headDim, 1, this); // heads claimed as threads finish
    this.keysT = null;
    this.values = null;
    output.buffer().put(0, out);
  }

  /** Heads from..to-1. */
  @Override
  public void run(int from, int to) {
    int n = keys;
    int hd = headDim;
    for (int h = from; h < to; h++) {
      int c0 = (h / group) * hd;
      int so = h * scoreStride;
      // s: (n) = scale · q_h (hd) · K_gᵀ (hd, n)
      kernels.scores1(q, h * hd, keysT, c0 * stride, stride, hd, scale, scores, so, n);
      // p = softmax(s), normalised on the output row instead of on the n scores
      float max = Float.NEGATIVE_INFINITY;
      for (int j = 0; j < n; j++) {
        max = Math.max(max, scores[so + j]);
      }
      float sum = kernels.expAndSum(scores, so, n, max);
      // out_h (hd) = p (n) · V_g (n, hd) / Σp
      kernels.weightedSum(scores, so, scoreStride, 1, n, values, c0, kvDim, hd, out, h * hd, 0, 0, 0);
      kernels.scale(out, h * hd, hd, 1f / sum);
    }
  }
}
