package dev.llmkit.tensor.quant;

import static dev.llmkit.tensor.quant.KQuantMath.QK_K;

/**
 * {@code block_q4_K}: f16 d, f16 dmin, scales[12] (8 six-bit scales and mins), qs[128]; in each
 * 64-weight group, sub-block 2g in the low nibbles of 32 bytes and 2g+1 in the high ones;
 * w = d·sc·q − dmin·m.
 */
final class Q4K implements BlockCodec {

  @Override
  public void dequantize(byte[] src, int off, float[] dst, int dOff) {
    float d = Fp16.read(src, off);
    float dmin = Fp16.read(src, off + 2);
    int sc = off + 4;
    int q = off + 16;
    int y = dOff;
    for (int j = 0, is = 0; j < QK_K; j += 64, is += 2, q += 32) {
      float d1 = d * KQuantMath.scale(is, src, sc);
      float m1 = dmin * KQuantMath.min(is, src, sc);
      float d2 = d * KQuantMath.scale(is + 1, src, sc);
      float m2 = dmin * KQuantMath.min(is + 1, src, sc);
      for (int l = 0; l < 32; l++) {
        dst[y++] = d1 * (src[q + l] & 0xf) - m1;
      }
      for (int l = 0; l < 32; l++) {
        dst[y++] = d2 * ((src[q + l] & 0xff) >> 4) - m2;
      }
    }
  }

  @Override
  public void quantize(float[] x, int s, byte[] y, int off) {
    // quantize_row_q4_K_ref
    byte[] levels = new byte[QK_K];
    float[] scales = new float[8];
    float[] mins = new float[8];
    KQuantMath.subBlockScalesMins(x, s, 15, -1f, 0.1f, 20, scales, mins, levels);
    KQuantMath.packScalesMins(x, s, scales, mins, y, off, levels, 15);
    int q = off + 16;
    for (int j = 0; j < QK_K; j += 64, q += 32) {
      for (int l = 0; l < 32; l++) {
        y[q + l] = (byte) (levels[j + l] | levels[j + l + 32] << 4);
      }
    }
  }
}
