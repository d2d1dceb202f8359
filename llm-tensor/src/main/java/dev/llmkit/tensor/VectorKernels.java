package dev.llmkit.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Java Vector API implementation of {@link SimdKernels}. Loaded only by {@link Simd}, and only when
 * the {@code jdk.incubator.vector} module is present; never referenced directly elsewhere. It loads
 * from heap arrays only ({@code fromArray}), which is the one load every JDK from 17 to 25 has.
 */
final class VectorKernels implements SimdKernels {

  /** The preferred species, capped at 512 bits so that two vectors fit in {@link #PAD}. */
  private static final VectorSpecies<Float> F =
      FloatVector.SPECIES_PREFERRED.length() <= 16 ? FloatVector.SPECIES_PREFERRED : FloatVector.SPECIES_512;

  private static final int L = F.length();

  @Override
  public String toString() {
    return "Vector API, " + F.vectorBitSize() + "-bit";
  }

  @Override
  public void scores4(
      float[] q, int q0, int q1, int q2, int q3, float[] kt, int ktOff, int ktStride, int hd,
      float scale, float[] s, int sStride, int n) {
    // s: (4, n) = q: 4 rows of (hd) · kt: (hd, n), in blocks of 4 rows × 2 vectors of keys
    for (int j = 0; j < n; j += 2 * L) {
      FloatVector c00 = FloatVector.zero(F);
      FloatVector c01 = FloatVector.zero(F);
      FloatVector c10 = FloatVector.zero(F);
      FloatVector c11 = FloatVector.zero(F);
      FloatVector c20 = FloatVector.zero(F);
      FloatVector c21 = FloatVector.zero(F);
      FloatVector c30 = FloatVector.zero(F);
      FloatVector c31 = FloatVector.zero(F);
      int k = ktOff + j;
      for (int d = 0; d < hd; d++, k += ktStride) {
        FloatVector k0 = FloatVector.fromArray(F, kt, k);
        FloatVector k1 = FloatVector.fromArray(F, kt, k + L);
        FloatVector b = FloatVector.broadcast(F, q[q0 + d]);
        c00 = k0.fma(b, c00);
        c01 = k1.fma(b, c01);
        b = FloatVector.broadcast(F, q[q1 + d]);
        c10 = k0.fma(b, c10);
        c11 = k1.fma(b, c11);
        b = FloatVector.broadcast(F, q[q2 + d]);
        c20 = k0.fma(b, c20);
        c21 = k1.fma(b, c21);
        b = FloatVector.broadcast(F, q[q3 + d]);
        c30 = k0.fma(b, c30);
        c31 = k1.fma(b, c31);
      }
      c00.mul(scale).intoArray(s, j);
      c01.mul(scale).intoArray(s, j + L);
      c10.mul(scale).intoArray(s, sStride + j);
      c11.mul(scale).intoArray(s, sStride + j + L);
      c20.mul(scale).intoArray(s, 2 * sStride + j);
      c21.mul(scale).intoArray(s, 2 * sStride + j + L);
      c30.mul(scale).intoArray(s, 3 * sStride + j);
      c31.mul(scale).intoArray(s, 3 * sStride + j + L);
    }
  }

  @Override
  public void weightedSum(
      float[] p, int pStride, int rows, int n, float[] v, int vOff, int vStride, int hd, float[] o,
      int o0, int o1, int o2, int o3) {
    // o: rows × (hd) = p: rows × (n) · v: (n, hd) rows at vOff + j*vStride
    int p0 = 0;
    int p1 = rows > 1 ? pStride : 0;
    int p2 = rows > 2 ? 2 * pStride : 0;
    int p3 = rows > 3 ? 3 * pStride : 0;
    int e = 0;
    for (; e + 4 * L <= hd; e += 4 * L) {
      FloatVector c00 = FloatVector.zero(F);
      FloatVector c01 = FloatVector.zero(F);
      FloatVector c02 = FloatVector.zero(F);
      FloatVector c03 = FloatVector.zero(F);
      FloatVector c10 = FloatVector.zero(F);
      FloatVector c11 = FloatVector.zero(F);
      FloatVector c12 = FloatVector.zero(F);
      FloatVector c13 = FloatVector.zero(F);
      FloatVector c20 = FloatVector.zero(F);
      FloatVector c21 = FloatVector.zero(F);
      FloatVector c22 = FloatVector.zero(F);
      FloatVector c23 = FloatVector.zero(F);
      FloatVector c30 = FloatVector.zero(F);
      FloatVector c31 = FloatVector.zero(F);
      FloatVector c32 = FloatVector.zero(F);
      FloatVector c33 = FloatVector.zero(F);
      int vr = vOff + e;
      for (int j = 0; j < n; j++, vr += vStride) {
        FloatVector v0 = FloatVector.fromArray(F, v, vr);
        FloatVector v1 = FloatVector.fromArray(F, v, vr + L);
        FloatVector v2 = FloatVector.fromArray(F, v, vr + 2 * L);
        FloatVector v3 = FloatVector.fromArray(F, v, vr + 3 * L);
        FloatVector b = FloatVector.broadcast(F, p[p0 + j]);
        c00 = v0.fma(b, c00);
        c01 = v1.fma(b, c01);
        c02 = v2.fma(b, c02);
        c03 = v3.fma(b, c03);
        b = FloatVector.broadcast(F, p[p1 + j]);
        c10 = v0.fma(b, c10);
        c11 = v1.fma(b, c11);
        c12 = v2.fma(b, c12);
        c13 = v3.fma(b, c13);
        b = FloatVector.broadcast(F, p[p2 + j]);
        c20 = v0.fma(b, c20);
        c21 = v1.fma(b, c21);
        c22 = v2.fma(b, c22);
        c23 = v3.fma(b, c23);
        b = FloatVector.broadcast(F, p[p3 + j]);
        c30 = v0.fma(b, c30);
        c31 = v1.fma(b, c31);
        c32 = v2.fma(b, c32);
        c33 = v3.fma(b, c33);
      }
      store4(c00, c01, c02, c03, o, o0 + e);
      if (rows > 1) {
        store4(c10, c11, c12, c13, o, o1 + e);
      }
      if (rows > 2) {
        store4(c20, c21, c22, c23, o, o2 + e);
      }
      if (rows > 3) {
        store4(c30, c31, c32, c33, o, o3 + e);
      }
    }
    for (; e + L <= hd; e += L) {
      FloatVector c0 = FloatVector.zero(F);
      FloatVector c1 = FloatVector.zero(F);
      FloatVector c2 = FloatVector.zero(F);
      FloatVector c3 = FloatVector.zero(F);
      int vr = vOff + e;
      for (int j = 0; j < n; j++, vr += vStride) {
        FloatVector v0 = FloatVector.fromArray(F, v, vr);
        c0 = v0.fma(FloatVector.broadcast(F, p[p0 + j]), c0);
        c1 = v0.fma(FloatVector.broadcast(F, p[p1 + j]), c1);
        c2 = v0.fma(FloatVector.broadcast(F, p[p2 + j]), c2);
        c3 = v0.fma(FloatVector.broadcast(F, p[p3 + j]), c3);
      }
      c0.intoArray(o, o0 + e);
      if (rows > 1) {
        c1.intoArray(o, o1 + e);
      }
      if (rows > 2) {
        c2.intoArray(o, o2 + e);
      }
      if (rows > 3) {
        c3.intoArray(o, o3 + e);
      }
    }
    for (; e < hd; e++) {
      int[] pr = {p0, p1, p2, p3};
      int[] or = {o0, o1, o2, o3};
      for (int r = 0; r < rows; r++) {
        float acc = 0f;
        for (int j = 0; j < n; j++) {
          acc += p[pr[r] + j] * v[vOff + j * vStride + e];
        }
        o[or[r] + e] = acc;
      }
    }
  }

  private static void store4(FloatVector a, FloatVector b, FloatVector c, FloatVector d, float[] o, int off) {
    a.intoArray(o, off);
    b.intoArray(o, off + L);
    c.intoArray(o, off + 2 * L);
    d.intoArray(o, off + 3 * L);
  }

  @Override
  public float expAndSum(float[] s, int off, int n, float max) {
    int bound = F.loopBound(n);
    FloatVector acc = FloatVector.zero(F);
    int j = 0;
    for (; j < bound; j += L) {
      FloatVector x = FloatVector.fromArray(F, s, off + j).sub(max).lanewise(VectorOperators.EXP);
      x.intoArray(s, off + j);
      acc = acc.add(x);
    }
    float sum = acc.reduceLanes(VectorOperators.ADD);
    for (; j < n; j++) {
      float e = (float) Math.exp(s[off + j] - max);
      s[off + j] = e;
      sum += e;
    }
    return sum;
  }

  @Override
  public void scale(float[] s, int off, int n, float f) {
    int bound = F.loopBound(n);
    int j = 0;
    for (; j < bound; j += L) {
      FloatVector.fromArray(F, s, off + j).mul(f).intoArray(s, off + j);
    }
    for (; j < n; j++) {
      s[off + j] *= f;
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
