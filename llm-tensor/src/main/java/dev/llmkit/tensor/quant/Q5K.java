package dev.llmkit.tensor.quant;

import static dev.llmkit.tensor.quant.KQuantMath.QK_K;

/**
 * {@code block_q5_K}: as {@link Q4K} (f16 d, f16 dmin, scales[12]) plus qh[32], the fifth bit of
 * each weight (bit 2g of qh[l] for weight l of sub-block 2g, bit 2g+1 for sub-block 2g+1), then
 * qs[128]; w = d·sc·q − dmin·m with q in 0..31.
 */
final class Q5K implements BlockCodec {

  @Override
  public void dequantize(byte[] src, int off, float[] dst, int dOff) {
    float d = Fp16.read(src, off);
    float dmin = Fp16.read(src, off + 2);
    int sc = off + 4;
    int qh = off + 16;
    int ql = off + 48;
    int y = dOff;
    int u1 = 1;
    int u2 = 2;
    for (int j = 0, is = 0; j < QK_K; j += 64, is += 2, ql += 32, u1 <<= 2, u2 <<= 2) {
      float d1 = d * KQuantMath.scale(is, src, sc);
      float m1 = dmin * KQuantMath.min(is, src, sc);
      float d2 = d * KQuantMath.scale(is + 1, src, sc);
      float m2 = dmin * KQuantMath.min(is + 1, src, sc);
      for (int l = 0; l < 32; l++) {
        dst[y++] = d1 * ((src[ql + l] & 0xf) + ((src[qh + l] & u1) != 0 ? 16 : 0)) - m1;
      }
      for (int l = 0; l < 32; l++) {
        dst[y++] = d2 * (((src[ql + l] & 0xff) >> 4) + ((src[qh + l] & u2) != 0 ? 16 : 0)) - m2;
      }
    }
  }

  @Override
  public void quantize(float[] x, int s, byte[] y, int off) {
    // quantize_row_q5_K_ref
    byte[] levels = new byte[QK_K];
    float[] scales = new float[8];
    float[] mins = new float[8];
    KQuantMath.subBlockScalesMins(x, s, 31, -0.5f, 0.1f, 15, scales, mins, levels);
    KQuantMath.packScalesMins(x, s, scales, mins, y, off, levels, 31);
    int qh = off + 16;
    int ql = off + 48;
    for (int j = 0; j < 32; j++) {
      y[qh + j] = 0;
    }
    int m1 = 1;
    int m2 = 2;
    for (int n = 0; n < QK_K; n += 64, m1 <<= 2, m2 <<= 2, ql += 32) {
      for (int j = 0; j < 32; j++) {
        int l1 = levels[n + j];
        if (l1 > 15) {
          l1 -= 16;
          y[qh + j] |= (byte) m1;
        }
        int l2 = levels[n + j + 32];
        if (l2 > 15) {
          l2 -= 16;
          y[qh + j] |= (byte) m2;
        }
        y[ql + j] = (byte) (l1 | l2 << 4);
      }
    }
  }
}
