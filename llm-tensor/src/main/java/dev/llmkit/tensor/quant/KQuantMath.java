package dev.llmkit.tensor.quant;

/**
 * The search helpers of llama.cpp's k-quant reference quantizers ({@code ggml-quants.c}):
 * {@code nearest_int}, {@code make_qx_quants} (symmetric, Q6_K) and {@code make_qkx2_quants}
 * (scale and min, Q4_K / Q5_K), and the 6-bit scale/min packing of Q4_K and Q5_K. Written in the
 * same float operations in the same order, so the same input gives the same bytes.
 */
final class KQuantMath {

  static final int QK_K = 256;
  static final float GROUP_MAX_EPS = 1e-15f;

  private KQuantMath() {}

  /** Round to nearest, ties to even, for |v| ≤ 4194303 (the float-add trick of ggml). */
  static int nearestInt(float v) {
    float val = v + 12582912f;
    int i = Float.floatToRawIntBits(val);
    return (i & 0x007fffff) - 0x00400000;
  }

  /**
   * {@code make_qx_quants} with {@code rmse_type = 1} and no importance weights: the scale of n
   * values x[xo..] on the levels −nmax..nmax−1; L[lo..] gets level + nmax.
   */
  static float makeQxQuants(int n, int nmax, float[] x, int xo, byte[] levels, int lo) {
    float max = 0;
    float amax = 0;
    for (int i = 0; i < n; i++) {
      float ax = Math.abs(x[xo + i]);
      if (ax > amax) {
        amax = ax;
        max = x[xo + i];
      }
    }
    if (amax < GROUP_MAX_EPS) {
      for (int i = 0; i < n; i++) {
        levels[lo + i] = 0;
      }
      return 0f;
    }
    float iscale = -nmax / max;
    float sumlx = 0;
    float suml2 = 0;
    for (int i = 0; i < n; i++) {
      float xi = x[xo + i];
      int l = nearestInt(iscale * xi);
      l = Math.max(-nmax, Math.min(nmax - 1, l));
      levels[lo + i] = (byte) (l + nmax);
      float w = xi * xi;
      sumlx += w * xi * l;
      suml2 += w * l * l;
    }
    float scale = suml2 != 0 ? sumlx / suml2 : 0f;
    float best = scale * sumlx;
    for (int is = -9; is <= 9; is++) {
      if (is == 0) {
        continue;
      }
      iscale = -(nmax + 0.1f * is) / max;
      sumlx = 0;
      suml2 = 0;
      for (int i = 0; i < n; i++) {
        float xi = x[xo + i];
        int l = nearestInt(iscale * xi);
        l = Math.max(-nmax, Math.min(nmax - 1, l));
        float w = xi * xi;
        sumlx += w * xi * l;
        suml2 += w * l * l;
      }
      if (suml2 > 0 && sumlx * sumlx > best * suml2) {
        for (int i = 0; i < n; i++) {
          int l = nearestInt(iscale * x[xo + i]);
          levels[lo + i] = (byte) (nmax + Math.max(-nmax, Math.min(nmax - 1, l)));
        }
        scale = sumlx / suml2;
        best = scale * sumlx;
      }
    }
    return scale;
  }

  /**
   * {@code make_qkx2_quants} (use_mad false): scale and min of n values x[xo..] on levels 0..nmax
   * with weights w; L[lo..] gets the levels, {@code theMin[0]} the negated min; returns the scale.
   */
  static float makeQkx2Quants(
      int n, int nmax, float[] x, int xo, float[] weights, byte[] levels, int lo, float[] theMin,
      byte[] aux, float rmin, float rdelta, int nstep) {
    float min = x[xo];
    float max = x[xo];
    float sumW = weights[0];
    float sumX = sumW * x[xo];
    for (int i = 1; i < n; i++) {
      float xi = x[xo + i];
      if (xi < min) {
        min = xi;
      }
      if (xi > max) {
        max = xi;
      }
      float w = weights[i];
      sumW += w;
      sumX += w * xi;
    }
    if (min > 0) {
      min = 0;
    }
    if (max == min) {
      for (int i = 0; i < n; i++) {
        levels[lo + i] = 0;
      }
      theMin[0] = -min;
      return 0f;
    }
    float iscale = nmax / (max - min);
    float scale = 1 / iscale;
    float bestError = 0;
    for (int i = 0; i < n; i++) {
      int l = nearestInt(iscale * (x[xo + i] - min));
      l = Math.max(0, Math.min(nmax, l));
      levels[lo + i] = (byte) l;
      float diff = scale * l + min - x[xo + i];
      bestError += weights[i] * (diff * diff);
    }
    for (int is = 0; is <= nstep; is++) {
      iscale = (rmin + rdelta * is + nmax) / (max - min);
      float sumL = 0;
      float sumL2 = 0;
      float sumXl = 0;
      for (int i = 0; i < n; i++) {
        float xi = x[xo + i];
        int l = nearestInt(iscale * (xi - min));
        l = Math.max(0, Math.min(nmax, l));
        aux[i] = (byte) l;
        float w = weights[i];
        sumL += w * l;
        sumL2 += w * l * l;
        sumXl += w * l * xi;
      }
      float det = sumW * sumL2 - sumL * sumL;
      if (det > 0) {
        float thisScale = (sumW * sumXl - sumX * sumL) / det;
        float thisMin = (sumL2 * sumX - sumL * sumXl) / det;
        if (thisMin > 0) {
          thisMin = 0;
          thisScale = sumXl / sumL2;
        }
        float curError = 0;
        for (int i = 0; i < n; i++) {
          float diff = thisScale * aux[i] + thisMin - x[xo + i];
          curError += weights[i] * (diff * diff);
        }
        if (curError < bestError) {
          System.arraycopy(aux, 0, levels, lo, n);
          bestError = curError;
          scale = thisScale;
          min = thisMin;
        }
      }
    }
    theMin[0] = -min;
    return scale;
  }

  /** {@code get_scale_min_k4}: 6-bit scale (index 0) and min (index 1) of sub-block j. */
  static int scale(int j, byte[] q, int o) {
    return j < 4 ? q[o + j] & 63 : (q[o + j + 4] & 0xf) | ((q[o + j - 4] & 0xff) >> 6) << 4;
  }

  /** The 6-bit min of sub-block j (see {@link #scale}). */
  static int min(int j, byte[] q, int o) {
    return j < 4 ? q[o + j + 4] & 63 : ((q[o + j + 4] & 0xff) >> 4) | ((q[o + j] & 0xff) >> 6) << 4;
  }

  /**
   * The scale/min half of {@code quantize_row_q4_K_ref} and {@code _q5_K_ref}: packs the 8
   * sub-block scales and mins into d, dmin and 12 bytes at y[off..], then re-levels x with the
   * rounded scales into L (levels 0..nmax).
   */
  static void packScalesMins(float[] x, int s, float[] scales, float[] mins, byte[] y, int off, byte[] levels,
      int nmax) {
    float maxScale = 0;
    float maxMin = 0;
    for (int j = 0; j < 8; j++) {
      if (scales[j] > maxScale) {
        maxScale = scales[j];
      }
      if (mins[j] > maxMin) {
        maxMin = mins[j];
      }
    }
    float invScale = maxScale > 0 ? 63f / maxScale : 0f;
    float invMin = maxMin > 0 ? 63f / maxMin : 0f;
    int sc = off + 4;
    for (int j = 0; j < 12; j++) {
      y[sc + j] = 0;
    }
    for (int j = 0; j < 8; j++) {
      int ls = Math.min(63, nearestInt(invScale * scales[j]) & 0xff);
      int lm = Math.min(63, nearestInt(invMin * mins[j]) & 0xff);
      if (j < 4) {
        y[sc + j] = (byte) ls;
        y[sc + j + 4] = (byte) lm;
      } else {
        y[sc + j + 4] = (byte) ((ls & 0xf) | (lm & 0xf) << 4);
        y[sc + j - 4] |= (byte) ((ls >> 4) << 6);
        y[sc + j] |= (byte) ((lm >> 4) << 6);
      }
    }
    float d = Fp16.write(y, off, maxScale / 63f);
    float dmin = Fp16.write(y, off + 2, maxMin / 63f);
    for (int j = 0; j < 8; j++) {
      float dj = d * scale(j, y, sc);
      if (dj == 0f) {
        continue;
      }
      float dm = dmin * min(j, y, sc);
      for (int ii = 0; ii < 32; ii++) {
        int l = nearestInt((x[s + 32 * j + ii] + dm) / dj);
        levels[32 * j + ii] = (byte) Math.max(0, Math.min(nmax, l));
      }
    }
  }

  /** The first half of the Q4_K / Q5_K reference quantizers: scales and mins of the 8 sub-blocks. */
  static void subBlockScalesMins(float[] x, int s, int nmax, float rmin, float rdelta, int nstep,
      float[] scales, float[] mins, byte[] levels) {
    float[] weights = new float[32];
    float[] theMin = new float[1];
    byte[] aux = new byte[32];
    for (int j = 0; j < 8; j++) {
      float sumX2 = 0;
      for (int l = 0; l < 32; l++) {
        sumX2 += x[s + 32 * j + l] * x[s + 32 * j + l];
      }
      float avX = (float) Math.sqrt(sumX2 / 32);
      for (int l = 0; l < 32; l++) {
        weights[l] = avX + Math.abs(x[s + 32 * j + l]);
      }
      scales[j] = makeQkx2Quants(32, nmax, x, s + 32 * j, weights, levels, 32 * j, theMin, aux, rmin, rdelta, nstep);
      mins[j] = theMin[0];
    }
  }
}
