package dev.llmkit.tensor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Java Vector API implementation of {@link SimdKernels}. Loaded only by {@link Simd}, and only when
 * the {@code jdk.incubator.vector} module is present; never referenced directly elsewhere.
 */
final class VectorKernels implements SimdKernels {

  private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
  private static final int L = F.length();
  private static final ByteOrder ORDER = ByteOrder.nativeOrder();

  @Override
  public String toString() {
    return "Vector API, " + F.vectorBitSize() + "-bit";
  }

  @Override
  public void matvecRows(ByteBuffer w, int k, float[] x, FloatBuffer out, int from, int to) {
    // w: (N, k) bytes, x: (k) -> out[from..to)
    int bound = F.loopBound(k);
    long rowBytes = 4L * k;
    int r = from;
    for (; r + 4 <= to; r += 4) {
      int b0 = (int) (r * rowBytes);
      int b1 = (int) (b0 + rowBytes);
      int b2 = (int) (b1 + rowBytes);
      int b3 = (int) (b2 + rowBytes);
      FloatVector a0 = FloatVector.zero(F);
      FloatVector a1 = FloatVector.zero(F);
      FloatVector a2 = FloatVector.zero(F);
      FloatVector a3 = FloatVector.zero(F);
      int i = 0;
      for (; i < bound; i += L) {
        FloatVector xv = FloatVector.fromArray(F, x, i);
        int off = 4 * i;
        a0 = FloatVector.fromByteBuffer(F, w, b0 + off, ORDER).fma(xv, a0);
        a1 = FloatVector.fromByteBuffer(F, w, b1 + off, ORDER).fma(xv, a1);
        a2 = FloatVector.fromByteBuffer(F, w, b2 + off, ORDER).fma(xv, a2);
        a3 = FloatVector.fromByteBuffer(F, w, b3 + off, ORDER).fma(xv, a3);
      }
      float s0 = a0.reduceLanes(VectorOperators.ADD);
      float s1 = a1.reduceLanes(VectorOperators.ADD);
      float s2 = a2.reduceLanes(VectorOperators.ADD);
      float s3 = a3.reduceLanes(VectorOperators.ADD);
      for (; i < k; i++) {
        float xi = x[i];
        s0 += w.getFloat(b0 + 4 * i) * xi;
        s1 += w.getFloat(b1 + 4 * i) * xi;
        s2 += w.getFloat(b2 + 4 * i) * xi;
        s3 += w.getFloat(b3 + 4 * i) * xi;
      }
      out.put(r, s0);
      out.put(r + 1, s1);
      out.put(r + 2, s2);
      out.put(r + 3, s3);
    }
    for (; r < to; r++) {
      int b0 = (int) (r * rowBytes);
      FloatVector a0 = FloatVector.zero(F);
      int i = 0;
      for (; i < bound; i += L) {
        a0 = FloatVector.fromByteBuffer(F, w, b0 + 4 * i, ORDER).fma(FloatVector.fromArray(F, x, i), a0);
      }
      float s0 = a0.reduceLanes(VectorOperators.ADD);
      for (; i < k; i++) {
        s0 += w.getFloat(b0 + 4 * i) * x[i];
      }
      out.put(r, s0);
    }
  }

  @Override
  public float dot(float[] a, int aOff, float[] b, int bOff, int n) {
    int bound = F.loopBound(n);
    FloatVector acc = FloatVector.zero(F);
    int i = 0;
    for (; i < bound; i += L) {
      acc = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), acc);
    }
    float s = acc.reduceLanes(VectorOperators.ADD);
    for (; i < n; i++) {
      s += a[aOff + i] * b[bOff + i];
    }
    return s;
  }

  @Override
  public void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
    int bound = F.loopBound(n);
    FloatVector av = FloatVector.broadcast(F, alpha);
    int i = 0;
    for (; i < bound; i += L) {
      FloatVector.fromArray(F, x, xOff + i).fma(av, FloatVector.fromArray(F, y, yOff + i)).intoArray(y, yOff + i);
    }
    for (; i < n; i++) {
      y[yOff + i] += alpha * x[xOff + i];
    }
  }
}
