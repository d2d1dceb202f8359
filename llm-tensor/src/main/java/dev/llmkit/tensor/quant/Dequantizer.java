package dev.llmkit.tensor.quant;

/**
 * Whole rows of a quantized matrix dequantized to F32, bit-exact as {@link QuantType#dequantize}
 * (llama.cpp's {@code dequantize_row_*}): the first half of a many-row product ({@link QuantTiles}),
 * which then multiplies the tile with sgemm. A Java Vector API implementation ({@link
 * VectorDequantizer}, loaded only when {@code jdk.incubator.vector} is present) and this plain Java
 * one ({@link #SCALAR}).
 */
interface Dequantizer {

  /**
   * Rows {@code [r0, r1)} of a {@code (rows, cols)} matrix of type t in w (row r at byte {@code
   * r·rowBytes}) into {@code dst[0 .. (r1 − r0)·cols)}, row-major.
   */
  void rows(QuantType t, byte[] w, int rowBytes, int cols, int r0, int r1, float[] dst);

  /** Rows {@code [r0, r1)} of a Q6_K matrix held as {@link Q6KLevels} into {@code dst}, as above. */
  void rows(Q6KLevels w, int r0, int r1, float[] dst);

  /** Plain Java: each row through its type's block codec. */
  Dequantizer SCALAR = new Dequantizer() {
    @Override
    public void rows(QuantType t, byte[] w, int rowBytes, int cols, int r0, int r1, float[] dst) {
      for (int r = r0; r < r1; r++) {
        t.dequantize(w, r * rowBytes, dst, (r - r0) * cols, cols);
      }
    }

    @Override
    public void rows(Q6KLevels w, int r0, int r1, float[] dst) {
      for (int r = r0; r < r1; r++) {
        w.dequantizeRow(r, dst, (r - r0) * w.cols);
      }
    }

    @Override
    public String toString() {
      return "plain Java";
    }
  };
}
