package dev.llmkit.tensor.quant;

/** Plain Java {@link QuantKernels}: each block dequantized into a scratch, then a dot product. */
final class ScalarQuantKernels implements QuantKernels {

  static final ScalarQuantKernels INSTANCE = new ScalarQuantKernels();

  private static final ThreadLocal<float[]> BLOCK = ThreadLocal.withInitial(() -> new float[256]);

  @Override
  public String toString() {
    return "plain Java";
  }

  @Override
  public void matvec(QuantType t, byte[] w, int cols, float[] x, float[] xsum, float[] y, int r0, int r1) {
    // W: (rows, cols) in blocks, x: (cols) -> y[r0..r1)
    float[] block = BLOCK.get();
    int bs = t.blockSize();
    int ts = t.typeSize();
    int rowBytes = cols / bs * ts;
    for (int r = r0; r < r1; r++) {
      float s = 0f;
      int off = r * rowBytes;
      for (int b = 0; b < cols; b += bs, off += ts) {
        t.codec.dequantize(w, off, block, 0);
        float sb = 0f;
        for (int i = 0; i < bs; i++) {
          sb += block[i] * x[b + i];
        }
        s += sb;
      }
      y[r] = s;
    }
  }

  @Override
  public void matvec(Q6KLevels w, float[] x, float[] y, int r0, int r1) {
    // W: (rows, cols) levels, x: (cols) -> y[r0..r1): per super-block d·Σ_16 sc·Σ q·x
    int cols = w.cols;
    for (int r = r0; r < r1; r++) {
      float s = 0f;
      for (int b = 0; b < cols; b += 256) {
        int blk = (r * cols + b) / 256;
        float sb = 0f;
        for (int j = 0; j < 16; j++) {
          int o = r * cols + b + 16 * j;
          float sj = 0f;
          for (int i = 0; i < 16; i++) {
            sj += w.q[o + i] * x[b + 16 * j + i];
          }
          sb += w.scales[16 * blk + j] * sj;
        }
        s += w.d(blk) * sb;
      }
      y[r] = s;
    }
  }
}
