package dev.llmkit.tensor;

/**
 * Plain Java {@link SimdKernels}: the fallback when the Vector API is absent. The loops are written
 * as element-wise updates over arrays (no cross-element reductions inside the hot loops) so that
 * HotSpot's auto-vectoriser can still use SIMD instructions for them.
 */
final class ScalarKernels implements SimdKernels {

  static final ScalarKernels INSTANCE = new ScalarKernels();

  private ScalarKernels() {}

  @Override
  public String toString() {
    return "plain Java";
  }

  @Override
  public void scores4(
      float[] q, int q0, int q1, int q2, int q3, float[] kt, int ktOff, int ktStride, int hd,
      float scale, float[] s, int sStride, int n) {
    int s0 = 0;
    int s1 = sStride;
    int s2 = 2 * sStride;
    int s3 = 3 * sStride;
    for (int j = 0; j < n; j++) {
      s[s0 + j] = 0f;
      s[s1 + j] = 0f;
      s[s2 + j] = 0f;
      s[s3 + j] = 0f;
    }
    for (int d = 0; d < hd; d++) {
      float a0 = q[q0 + d] * scale;
      float a1 = q[q1 + d] * scale;
      float a2 = q[q2 + d] * scale;
      float a3 = q[q3 + d] * scale;
      int k = ktOff + d * ktStride;
      for (int j = 0; j < n; j++) {
        float kv = kt[k + j];
        s[s0 + j] += a0 * kv;
        s[s1 + j] += a1 * kv;
        s[s2 + j] += a2 * kv;
        s[s3 + j] += a3 * kv;
      }
    }
  }

  @Override
  public void scores1(
      float[] q, int q0, float[] kt, int ktOff, int ktStride, int hd, float scale, float[] s, int sOff, int n) {
    for (int j = 0; j < n; j++) {
      s[sOff + j] = 0f;
    }
    for (int d = 0; d < hd; d++) {
      float a = q[q0 + d] * scale;
      int k = ktOff + d * ktStride;
      for (int j = 0; j < n; j++) {
        s[sOff + j] += a * kt[k + j];
      }
    }
  }

  @Override
  public void weightedSum(
      float[] p, int pOff, int pStride, int rows, int n, float[] v, int vOff, int vStride, int hd, float[] o,
      int o0, int o1, int o2, int o3) {
    int[] offs = {o0, o1, o2, o3};
    for (int r = 0; r < rows; r++) {
      int or = offs[r];
      for (int e = 0; e < hd; e++) {
        o[or + e] = 0f;
      }
      int pr = pOff + r * pStride;
      for (int j = 0; j < n; j++) {
        float pj = p[pr + j];
        if (pj != 0f) {
          int vr = vOff + j * vStride;
          for (int e = 0; e < hd; e++) {
            o[or + e] += pj * v[vr + e];
          }
        }
      }
    }
  }

  @Override
  public float expAndSum(float[] s, int off, int n, float max) {
    float sum = 0f;
    for (int j = 0; j < n; j++) {
      float e = (float) Math.exp(s[off + j] - max);
      s[off + j] = e;
      sum += e;
    }
    return sum;
  }

  @Override
  public void matvec(float[] w, int k, float[] x, float[] y, int r0, int r1) {
    for (int r = r0; r < r1; r++) {
      int base = r * k;
      float acc = 0f;
      for (int i = 0; i < k; i++) {
        acc += w[base + i] * x[i];
      }
      y[r] = acc;
    }
  }

  @Override
  public void matvecRows(float[] w, int k, float[][] xs, float[] packed, float[][] ys, int n, int r0, int r1) {
    for (int j = 0; j < n; j++) {
      matvec(w, k, xs[j], ys[j], r0, r1);
    }
  }

  @Override
  public float[] packRows(float[][] xs, int n, int k, float[] scratch) {
    return null;
  }

  @Override
  public void scale(float[] s, int off, int n, float f) {
    for (int j = 0; j < n; j++) {
      s[off + j] *= f;
    }
  }

  @Override
  public void geluTanh(float[] x, float[] out, int n) {
    for (int i = 0; i < n; i++) {
      out[i] = Activations.geluTanh(x[i]);
    }
  }

  @Override
  public void geluErf(float[] x, float[] out, int n) {
    for (int i = 0; i < n; i++) {
      out[i] = Activations.geluErf(x[i]);
    }
  }

  @Override
  public void geluTanhGrad(float[] x, float[] dout, float[] dx, int n) {
    for (int i = 0; i < n; i++) {
      dx[i] += Activations.geluTanhGrad(x[i], dout[i]);
    }
  }
}
