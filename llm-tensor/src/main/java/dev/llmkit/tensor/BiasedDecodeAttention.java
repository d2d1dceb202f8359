package dev.llmkit.tensor;

import dev.llmkit.tensor.kernel.Parallel;

/**
 * {@link BiasedAttention} of one query row over keys and values held on the heap: the batch-1
 * decode path of T5's attention (self-attention over its KV cache with the relative position bias,
 * cross-attention over the encoder output's keys and values), reading the caches in place with the
 * SIMD kernels instead of copying them per call and summing scalar dot products.
 *
 * <p>For each head h: {@code s_j = scale · q_h·k_j + bias_h[j]}, {@code p = softmax(s)},
 * {@code out_h = Σ_j p_j v_j} over the {@code n} keys. Layout as {@link DecodeAttention}'s: keys
 * transposed, {@code keysT[c·stride + j]} (c = h·hd + d), values row-major {@code values[j·dim + c]};
 * {@code bias[biasOff + h·biasStride + j]}. Every head runs the same operations whatever the call,
 * so a row's result depends only on its own operands (batched decoding relies on this).
 *
 * <p>An instance holds the scratch of one stream of calls: not thread-safe; a call allocates nothing.
 */
public final class BiasedDecodeAttention implements Parallel.RangeBody {

  private final int nHeads;
  private final int headDim;
  private final int dim;
  private final int maxKeys;
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
  private float scale;
  private float[] bias;
  private int biasOff;
  private int biasStride;

  /**
   * @param nHeads heads
   * @param headDim dimension of a head
   * @param maxKeys the most keys a call may attend to
   */
  public BiasedDecodeAttention(int nHeads, int headDim, int maxKeys) {
    if (nHeads < 1 || headDim < 1 || maxKeys < 1) {
      throw new IllegalArgumentException("BiasedDecodeAttention: expected positive sizes, got nHeads "
          + nHeads + ", headDim " + headDim + ", maxKeys " + maxKeys);
    }
    this.nHeads = nHeads;
    this.headDim = headDim;
    this.dim = nHeads * headDim;
    this.maxKeys = maxKeys;
    this.kernels = Simd.kernelsOrScalar();
    this.q = new float[dim];
    this.out = new float[dim];
    this.scoreStride = paddedStride(maxKeys);
    this.scores = new float[nHeads * scoreStride];
  }

  /** The smallest valid key stride holding {@code positions}: a multiple of {@link DecodeAttention#STRIDE_MULTIPLE}. */
  public static int paddedStride(int positions) {
    return DecodeAttention.paddedStride(positions);
  }

  /**
   * query: (1, nHeads·hd), keys 0..keyLength-1 -> output: (1, nHeads·hd).
   *
   * @param keysT (nHeads·hd, stride) keys transposed; stride a multiple of
   *     {@link DecodeAttention#STRIDE_MULTIPLE}, at least keyLength
   * @param values (≥ keyLength, nHeads·hd) values
   * @param scale factor of q·kᵀ (T5: 1)
   * @param bias the additive score bias of head h and key j at {@code biasOff + h·biasStride + j},
   *     or null for none
   */
  public void forward(Tensor query, float[] keysT, float[] values, int stride, int keyLength,
      float scale, float[] bias, int biasOff, int biasStride, Tensor output) {
    if (query.length() != dim || output.length() != dim) {
      throw new IllegalArgumentException("BiasedDecodeAttention: expected q and out of " + dim
          + " elements, got q " + query.shapeString() + " and out " + output.shapeString());
    }
    if (keyLength < 1 || keyLength > maxKeys || keyLength > stride
        || stride % DecodeAttention.STRIDE_MULTIPLE != 0 || keysT.length < dim * stride
        || values.length < keyLength * dim) {
      throw new IllegalArgumentException("BiasedDecodeAttention: " + keyLength + " keys (at most "
          + maxKeys + ") with key stride " + stride + " (a multiple of "
          + DecodeAttention.STRIDE_MULTIPLE + "), keysT of " + keysT.length + " and values of "
          + values.length + " floats for width " + dim);
    }
    if (bias != null && (biasOff < 0
        || (long) biasOff + (long) (nHeads - 1) * biasStride + keyLength > bias.length)) {
      throw new IllegalArgumentException("BiasedDecodeAttention: bias of " + bias.length
          + " floats has no " + keyLength + " keys for " + nHeads + " heads at offset " + biasOff
          + ", head stride " + biasStride);
    }
    query.buffer().get(0, q);
    this.keysT = keysT;
    this.values = values;
    this.stride = stride;
    this.keys = keyLength;
    this.scale = scale;
    this.bias = bias;
    this.biasOff = biasOff;
    this.biasStride = biasStride;
    Parallel.forBlocks(nHeads, 3L * keyLength * headDim, 1, this);
    this.keysT = null;
    this.values = null;
    this.bias = null;
    output.buffer().put(0, out);
  }

  /** Heads from..to-1. */
  @Override
  public void run(int from, int to) {
    int n = keys;
    int hd = headDim;
    for (int h = from; h < to; h++) {
      int c0 = h * hd;
      int so = h * scoreStride;
      // s: (n) = scale · q_h (hd) · K_hᵀ (hd, n) [+ bias_h (n)]
      kernels.scores1(q, c0, keysT, c0 * stride, stride, hd, scale, scores, so, n);
      if (bias != null) {
        int bo = biasOff + h * biasStride;
        for (int j = 0; j < n; j++) {
          scores[so + j] += bias[bo + j];
        }
      }
      float max = Float.NEGATIVE_INFINITY;
      for (int j = 0; j < n; j++) {
        max = Math.max(max, scores[so + j]);
      }
      float sum = kernels.expAndSum(scores, so, n, max);
      // out_h (hd) = p (n) · V_h (n, hd) / Σp
      kernels.weightedSum(scores, so, scoreStride, 1, n, values, c0, dim, hd, out, c0, 0, 0, 0);
      kernels.scale(out, c0, hd, 1f / sum);
    }
  }
}
