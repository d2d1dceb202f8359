package dev.llmkit.tensor;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;

/**
 * The kernels that have a Java Vector API implementation. Package-private; {@link Simd} hands out
 * the implementation when the {@code jdk.incubator.vector} module is present at run time.
 */
interface SimdKernels {

  /**
   * Rows {@code [from, to)} of {@code out = w·x}: {@code w} is an {@code (N, k)} row-major matrix
   * seen as native-order bytes, {@code x} has {@code k} elements.
   */
  void matvecRows(ByteBuffer w, int k, float[] x, FloatBuffer out, int from, int to);

  /** {@code Σ_i a[aOff+i]·b[bOff+i]} for {@code i < n}. */
  float dot(float[] a, int aOff, float[] b, int bOff, int n);

  /** {@code y[yOff+i] += alpha·x[xOff+i]} for {@code i < n}. */
  void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n);
}
