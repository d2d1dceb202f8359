package dev.llmkit.tensor.quant;

import static dev.llmkit.tensor.quant.KQuantMath.QK_K;

/**
 * {@code block_q6_K}: ql[128] (low 4 bits), qh[64] (high 2 bits), int8 scales[16], f16 d. In each
 * 128-weight half, weight l (l &lt; 32) and l+32, l+64, l+96 share ql[l], ql[l+32] and qh[l];
 * w = d·sc·(q − 32), one scale per 16 weights.
 */
final class Q6K implements BlockCodec {

  @Override
  public void dequantize(byte[] src, int off, float[] dst, int dOff) {
    float d = Fp16.read(src, off + 208);
    int ql = off;
    int qh = off + 128;
    int sc = off + 192;
    int y = dOff;
    for (int n = 0; n < QK_K; n += 128, y += 128, ql += 64, qh += 32, sc += 8) {
      for (int l = 0; l < 32; l++) {
        int is = l / 16;
        int h = src[qh + l] & 0xff;
        int q1 = ((src[ql + l] & 0xf) | ((h & 3) << 4)) - 32;
        int q2 = ((src[ql + l + 32] & 0xf) | (((h >> 2) & 3) << 4)) - 32;
        int q3 = (((src[ql + l] & 0xff) >> 4) | (((h >> 4) & 3) << 4)) - 32;
        int q4 = (((src[ql + l + 32] & 0xff) >> 4) | (((h >> 6) & 3) << 4)) - 32;
        dst[y + l] = d * src[sc + is] * q1;
        dst[y + l + 32] = d * src[sc + is + 2] * q2;
        dst[y + l + 64] = d * src[sc + is + 4] * q3;
        dst[y + l + 96] = d * src[sc + is + 6] * q4;
      }
    }
  }

  @Override
  public void quantize(float[] x, int s, byte[] y, int off) {
    // quantize_row_q6_K_ref
    byte[] levels = new byte[QK_K];
    float[] scales = new float[16];
    float maxScale = 0;
    float maxAbsScale = 0;
    for (int ib = 0; ib < 16; ib++) {
      float scale = KQuantMath.makeQxQuants(16, 32, x, s + 16 * ib, levels, 16 * ib);
      scales[ib] = scale;
      float abs = Math.abs(scale);
      if (abs > maxAbsScale) {
        maxAbsScale = abs;
        maxScale = scale;
      }
    }
    if (maxAbsScale < KQuantMath.GROUP_MAX_EPS) {
      java.util.Arrays.fill(y, off, off + 210, (byte) 0);
      return;
    }
    float iscale = -128f / maxScale;
    float d = Fp16.write(y, off + 208, 1 / iscale);
    for (int ib = 0; ib < 16; ib++) {
      y[off + 192 + ib] = (byte) Math.min(127, KQuantMath.nearestInt(iscale * scales[ib]));
    }
    for (int j = 0; j < 16; j++) {
      float dj = d * y[off + 192 + j];
      if (dj == 0f) {
        continue;
      }
      for (int ii = 0; ii < 16; ii++) {
        int l = KQuantMath.nearestInt(x[s + 16 * j + ii] / dj);
        levels[16 * j + ii] = (byte) (Math.max(-32, Math.min(31, l)) + 32);
      }
    }
    int ql = off;
    int qh = off + 128;
    for (int j = 0; j < QK_K; j += 128, ql += 64, qh += 32) {
      for (int l = 0; l < 32; l++) {
        int q1 = levels[j + l] & 0xf;
        int q2 = levels[j + l + 32] & 0xf;
        int q3 = levels[j + l + 64] & 0xf;
        int q4 = levels[j + l + 96] & 0xf;
        y[ql + l] = (byte) (q1 | q3 << 4);
        y[ql + l + 32] = (byte) (q2 | q4 << 4);
        y[qh + l] = (byte) ((levels[j + l] >> 4) | (levels[j + l + 32] >> 4) << 2
            | (levels[j + l + 64] >> 4) << 4 | (levels[j + l + 96] >> 4) << 6);
      }
    }
  }
}
