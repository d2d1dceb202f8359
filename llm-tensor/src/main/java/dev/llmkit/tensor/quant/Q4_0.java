package dev.llmkit.tensor.quant;

/** {@code block_q4_0}: f16 d, qs[16] (weight j low nibble, weight j+16 high nibble); w = d·(q − 8). */
final class Q4_0 implements BlockCodec {

  static final int QK = 32;

  @Override
  public void dequantize(byte[] src, int off, float[] dst, int dOff) {
    float d = Fp16.read(src, off);
    for (int j = 0; j < QK / 2; j++) {
      int q = src[off + 2 + j];
      dst[dOff + j] = ((q & 0x0f) - 8) * d;
      dst[dOff + j + QK / 2] = (((q >> 4) & 0x0f) - 8) * d;
    }
  }

  @Override
  public void quantize(float[] x, int s, byte[] y, int off) {
    // quantize_row_q4_0_ref: d = max/-8 with max the value of largest magnitude (first one wins)
    float amax = 0f;
    float max = 0f;
    for (int j = 0; j < QK; j++) {
      float v = x[s + j];
      if (amax < Math.abs(v)) {
        amax = Math.abs(v);
        max = v;
      }
    }
    float d = max / -8f;
    float id = d != 0f ? 1f / d : 0f;
    Fp16.write(y, off, d);
    for (int j = 0; j < QK / 2; j++) {
      float x0 = x[s + j] * id;
      float x1 = x[s + QK / 2 + j] * id;
      int xi0 = Math.min(15, (byte) (int) (x0 + 8.5f)); // C: MIN(15, (int8_t)(x0 + 8.5f))
      int xi1 = Math.min(15, (byte) (int) (x1 + 8.5f));
      y[off + 2 + j] = (byte) (xi0 | xi1 << 4);
    }
  }
}
