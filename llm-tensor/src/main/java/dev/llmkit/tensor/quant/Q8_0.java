package dev.llmkit.tensor.quant;

/** {@code block_q8_0}: f16 d, int8 qs[32]; w = d·q. */
final class Q8_0 implements BlockCodec {

  static final int QK = 32;

  @Override
  public void dequantize(byte[] src, int off, float[] dst, int dOff) {
    float d = Fp16.read(src, off);
    for (int j = 0; j < QK; j++) {
      dst[dOff + j] = src[off + 2 + j] * d;
    }
  }

  @Override
  public void quantize(float[] x, int s, byte[] y, int off) {
    // quantize_row_q8_0_ref: d = amax/127, q = roundf(x/d)
    float amax = 0f;
    for (int j = 0; j < QK; j++) {
      float a = Math.abs(x[s + j]);
      amax = amax > a ? amax : a;
    }
    float d = amax / 127f;
    float id = d != 0f ? 1f / d : 0f;
    Fp16.write(y, off, d);
    for (int j = 0; j < QK; j++) {
      y[off + 2 + j] = (byte) roundf(x[s + j] * id);
    }
  }

  /** C's {@code roundf}: halfway cases away from zero. */
  static int roundf(float v) {
    double r = Math.floor(Math.abs((double) v) + 0.5);
    return (int) (v < 0 ? -r : r);
  }
}
