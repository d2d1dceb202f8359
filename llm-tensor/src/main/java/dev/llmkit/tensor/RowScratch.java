package dev.llmkit.tensor;

import dev.llmkit.tensor.kernel.Parallel;

import java.nio.FloatBuffer;

/**
 * Per-thread scratch rows for the row-wise kernels: a row is copied out of the tensor's direct
 * buffer with one bulk copy, worked on as a Java array (which the JIT compiles to tight, often
 * vectorised loops, about twice as fast as element-wise buffer access), and copied back. The arrays
 * grow to the largest row seen and are reused, so kernels allocate nothing per call. The attention
 * kernel keeps its heap copies of whole operands here too.
 *
 * <p>Each kernel names fixed slots. Kernels never nest, so a thread's slot is never in use twice at
 * once, with one rule for a kernel that holds slots around a {@link Parallel} loop: its loop body
 * takes other slots (the calling thread runs a chunk of the loop).
 */
final class RowScratch {

  /** Number of independent scratch arrays per thread. */
  static final int SLOTS = 12;

  private static final ThreadLocal<float[][]> SCRATCH =
      ThreadLocal.withInitial(() -> new float[SLOTS][0]);

  private RowScratch() {}

  /** This thread's scratch array number {@code slot}, at least {@code n} long (contents undefined). */
  static float[] get(int slot, int n) {
    float[][] s = SCRATCH.get();
    if (s[slot].length < n) {
      s[slot] = new float[Math.max(n, 16)];
    }
    return s[slot];
  }

  /** {@link #get} with {@code [0, n)} set to zero. */
  static float[] zeroed(int slot, int n) {
    float[] a = get(slot, n);
    java.util.Arrays.fill(a, 0, n, 0f);
    return a;
  }

  /** {@link #get} holding the first {@code n} elements of {@code x}. */
  static float[] load(int slot, Tensor x, int n) {
    float[] a = get(slot, n);
    x.buffer().get(0, a, 0, n);
    return a;
  }

  /** Copies {@code n} elements of {@code src} into {@code dst}, or fills it with {@code fill} when src is null. */
  static void loadOr(FloatBuffer src, float[] dst, int n, float fill) {
    if (src == null) {
      java.util.Arrays.fill(dst, 0, n, fill);
    } else {
      src.get(0, dst, 0, n);
    }
  }

  /** Σ a[0..n) in double, four independent partial sums in a fixed order. */
  static double sum(float[] a, int n) {
    double s0 = 0;
    double s1 = 0;
    double s2 = 0;
    double s3 = 0;
    int i = 0;
    for (; i + 3 < n; i += 4) {
      s0 += a[i];
      s1 += a[i + 1];
      s2 += a[i + 2];
      s3 += a[i + 3];
    }
    for (; i < n; i++) {
      s0 += a[i];
    }
    return (s0 + s1) + (s2 + s3);
  }

  /** Σ (a[i] − m)² over [0, n) in double, four partial sums. */
  static double sumSquaredDeviations(float[] a, int n, float m) {
    double s0 = 0;
    double s1 = 0;
    double s2 = 0;
    double s3 = 0;
    int i = 0;
    for (; i + 3 < n; i += 4) {
      double d0 = a[i] - m;
      double d1 = a[i + 1] - m;
      double d2 = a[i + 2] - m;
      double d3 = a[i + 3] - m;
      s0 += d0 * d0;
      s1 += d1 * d1;
      s2 += d2 * d2;
      s3 += d3 * d3;
    }
    for (; i < n; i++) {
      double d = a[i] - m;
      s0 += d * d;
    }
    return (s0 + s1) + (s2 + s3);
  }

  /** Σ a[i]·b[i] over [0, n) in double, four partial sums. */
  static double dot(float[] a, float[] b, int n) {
    double s0 = 0;
    double s1 = 0;
    double s2 = 0;
    double s3 = 0;
    int i = 0;
    for (; i + 3 < n; i += 4) {
      s0 += (double) a[i] * b[i];
      s1 += (double) a[i + 1] * b[i + 1];
      s2 += (double) a[i + 2] * b[i + 2];
      s3 += (double) a[i + 3] * b[i + 3];
    }
    for (; i < n; i++) {
      s0 += (double) a[i] * b[i];
    }
    return (s0 + s1) + (s2 + s3);
  }

  /** Maximum of a[0..n); NaN propagates. */
  static float max(float[] a, int n) {
    float m0 = Float.NEGATIVE_INFINITY;
    float m1 = Float.NEGATIVE_INFINITY;
    int i = 0;
    for (; i + 1 < n; i += 2) {
      m0 = Math.max(m0, a[i]);
      m1 = Math.max(m1, a[i + 1]);
    }
    if (i < n) {
      m0 = Math.max(m0, a[i]);
    }
    return Math.max(m0, m1);
  }
}
