package dev.llmkit.tensor;

/**
 * The inner loops that have a Java Vector API implementation ({@link VectorKernels}) and a plain
 * Java one ({@link ScalarKernels}). All work on heap arrays, which every JDK's Vector API can load
 * from. Package-private; {@link Simd#kernels()} picks the implementation.
 */
interface SimdKernels {

  /** Keys are padded to a multiple of this many floats in the score and transposed-key rows. */
  int PAD = 64;

  /**
   * Scores of 4 query rows against {@code n} keys: {@code s[r*sStride + j] = scale · Σ_d
   * q[qr+d]·kt[ktOff + d*ktStride + j]} for {@code r < 4}, {@code j < n}, {@code d < hd}, where
   * {@code kt} holds the keys transposed ({@code hd} rows of {@code ktStride} keys). Entries of
   * {@code s} up to {@code n} rounded up to {@link #PAD} may also be written; {@code ktStride} and
   * {@code sStride} are at least that.
   */
  void scores4(
      float[] q, int q0, int q1, int q2, int q3, float[] kt, int ktOff, int ktStride, int hd,
      float scale, float[] s, int sStride, int n);

  /**
   * Scores of one query row against {@code n} keys: {@code s[sOff + j] = scale · Σ_d
   * q[q0+d]·kt[ktOff + d*ktStride + j]} for {@code j < n}, {@code d < hd}. Entries of {@code s} up
   * to {@code n} rounded up to {@link #PAD} may also be written (and {@code kt} read that far); the
   * caller's arrays must have room.
   */
  void scores1(float[] q, int q0, float[] kt, int ktOff, int ktStride, int hd, float scale, float[] s, int sOff, int n);

  /**
   * Weighted sums of value rows for {@code rows <= 4} query rows: {@code o[or + e] = Σ_{j<n}
   * p[pOff + r*pStride + j]·v[vOff + j*vStride + e]} for {@code e < hd} (overwrites).
   */
  void weightedSum(
      float[] p, int pOff, int pStride, int rows, int n, float[] v, int vOff, int vStride, int hd, float[] o,
      int o0, int o1, int o2, int o3);

  /**
   * Rows {@code [r0, r1)} of the matrix-vector product {@code y = W·x} with {@code W} an
   * {@code (rows, k)} row-major matrix in {@code w}: {@code y[r] = Σ_{i<k} w[r*k + i]·x[i]}
   * (overwrites). Each row's sum runs in a fixed order, so a row's result does not depend on the
   * range it is computed in.
   */
  void matvec(float[] w, int k, float[] x, float[] y, int r0, int r1);

  /**
   * {@link #matvec} with n vectors at once, {@code ys[j] = W·xs[j]} for {@code j < n} over rows
   * {@code [r0, r1)}: every element computed with exactly the operations {@link #matvec} uses (so
   * the bits are the same), each loaded element of W used for several vectors (batched decoding).
   *
   * @param packed {@link #packRows}'s copy of the same {@code xs}, or null (the kernel then reads
   *     {@code xs} only)
   */
  void matvecRows(float[] w, int k, float[][] xs, float[] packed, float[][] ys, int n, int r0, int r1);

  /** {@link #matvecRows} with the vectors packed here. */
  default void matvecRows(float[] w, int k, float[][] xs, float[][] ys, int n, int r0, int r1) {
    matvecRows(w, k, xs, packRows(xs, n, k, null), ys, n, r0, r1);
  }

  /**
   * The vectors {@code xs[0..n)} (length k each) copied into the layout {@link #matvecRows} loads
   * fastest, in {@code scratch} when it is long enough, else in a new array (returned); null when
   * the implementation reads {@code xs} directly. Pack once per product, then hand the result to
   * every {@link #matvecRows} call of its row blocks.
   */
  float[] packRows(float[][] xs, int n, int k, float[] scratch);

  /**
   * {@code s[off+j] = exp(s[off+j] - max)} for {@code j < n} ({@code -∞} gives 0); returns the sum.
   */
  float expAndSum(float[] s, int off, int n, float max);

  /** {@code s[off+j] *= f} for {@code j < n}. */
  void scale(float[] s, int off, int n, float f);

  /**
   * GELU (tanh form) of {@code n} values, a multiple of {@link #PAD}: {@code out[i] = x[i]·σ(2u)},
   * {@code u = √(2/π)·(x + 0.044715·x³)}. Every element goes through the same lane-wise operations,
   * so a value's result does not depend on where it sits.
   */
  void geluTanh(float[] x, float[] out, int n);

  /** Backward of {@link #geluTanh}: {@code dx[i] += dout[i]·(s + x·2s(1−s)·du/dx)}, n as there. */
  void geluTanhGrad(float[] x, float[] dout, float[] dx, int n);

  /**
   * GELU (erf form, BERT) of {@code n} values, a multiple of {@link #PAD}:
   * {@code out[i] = 0.5·x·erfc(−x/√2)}, erfc by the Numerical Recipes rational approximation
   * ({@code erfcc}, relative error below 1.2e-7), in float.
   */
  void geluErf(float[] x, float[] out, int n);
}
