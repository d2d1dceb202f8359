package dev.llmkit.tensor.quant;

/**
 * The one-row product of a quantized matrix, dequantize-and-multiply: a Java Vector API
 * implementation ({@link VectorQuantKernels}, loaded only when {@code jdk.incubator.vector} is
 * present, as llm-tensor's {@code Simd}) and a plain Java one ({@link ScalarQuantKernels}).
 */
interface QuantKernels {

  /**
   * Rows {@code [r0, r1)} of {@code y = W·x}: {@code y[r] = Σ_i W[r,i]·x[i]} (overwrites), W a
   * {@code (rows, cols)} matrix of type {@code t} in {@code w}, row r at byte {@code r·t.bytes(1, cols)}.
   * {@code xsum[j]} is the sum of x over weights {@code [32j, 32j+32)} (the K-quants' mins use it).
   */
  void matvec(QuantType t, byte[] w, int cols, float[] x, float[] xsum, float[] y, int r0, int r1);

  /** Rows {@code [r0, r1)} of {@code y = W·x} (overwrites) for a Q6_K matrix held as {@link Q6KLevels}. */
  void matvec(Q6KLevels w, float[] x, float[] y, int r0, int r1);
}
