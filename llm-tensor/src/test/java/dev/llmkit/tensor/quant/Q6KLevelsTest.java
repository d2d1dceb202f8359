package dev.llmkit.tensor.quant;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Q6_K held as levels ({@link Q6KLevels}): the same weights as llama.cpp's blocks (its own
 * dequantization of the fixture blocks, scripts/gen_quant_fixtures.py), the file's bytes back, and
 * products that agree with the plain Java kernel on the GGUF blocks.
 */
class Q6KLevelsTest {

  /** Random bytes (every bit pattern of ql, qh and the scales) with finite f16 scales d. */
  static byte[] randomBlocks(int rows, int cols, long seed) {
    byte[] w = new byte[(int) QuantType.Q6_K.bytes(rows, cols)];
    Random rnd = new Random(seed);
    rnd.nextBytes(w);
    for (int o = 208; o < w.length; o += 210) {
      short h = Fp16.fromFloat((float) rnd.nextGaussian() * 0.01f);
      w[o] = (byte) h;
      w[o + 1] = (byte) (h >> 8);
    }
    return w;
  }

  @Test
  void levelsDequantizeBitExactlyAsLlamaCpp() throws IOException {
    byte[] blocks = QuantTypeTest.resource("dq-q6_k.bin");
    float[] expected = QuantTypeTest.floats("dq-q6_k.f32");
    int cols = expected.length; // the four fixture blocks as one row
    Q6KLevels l = Q6KLevels.of(blocks, 1, cols);
    float[] scalar = new float[cols];
    l.dequantizeRow(0, scalar, 0);
    float[] tiles = new float[cols];
    QuantTiles.DEQUANTIZER.rows(l, 0, 1, tiles);
    for (int i = 0; i < cols; i++) {
      assertThat(Float.floatToRawIntBits(scalar[i])).as("weight %d", i).isEqualTo(Float.floatToRawIntBits(expected[i]));
      assertThat(Float.floatToRawIntBits(tiles[i])).as("tiles, weight %d", i).isEqualTo(Float.floatToRawIntBits(expected[i]));
    }
    byte[] back = new byte[blocks.length];
    l.toGguf(0, back, 0);
    assertThat(back).isEqualTo(blocks);
  }

  @Test
  void quantizedMatrixHoldsLevelsAndGivesTheFileBytesBack() throws IOException {
    int rows = 7;
    int cols = 512;
    byte[] w = randomBlocks(rows, cols, 5);
    QuantizedMatrix m = QuantizedMatrix.of(QuantType.Q6_K, rows, cols, w.clone());
    assertThat(m.bytes()).as("one byte per weight, 16 scales and one f16 per 256").isEqualTo(rows * cols * 274L / 256);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    m.writeTo(out);
    assertThat(out.toByteArray()).isEqualTo(w);
    int rb = (int) QuantType.Q6_K.bytes(1, cols);
    assertThat(m.rowBytes(3)).isEqualTo(java.util.Arrays.copyOfRange(w, 3 * rb, 4 * rb));
    assertThat(m.rows(2, 5).rowBytes(1)).isEqualTo(m.rowBytes(3));
    float[] want = new float[cols];
    float[] got = new float[cols + 3];
    QuantType.Q6_K.dequantize(w, 4 * rb, want, 0, cols);
    m.dequantizeRow(4, got, 3);
    for (int i = 0; i < cols; i++) {
      assertThat(Float.floatToRawIntBits(got[3 + i])).isEqualTo(Float.floatToRawIntBits(want[i]));
    }
    QuantizedMatrix blocks = new QuantizedMatrix(QuantType.Q6_K, rows, cols, w.clone(), false);
    assertThat(blocks.bytes()).isEqualTo(w.length);
    assertThat(blocks.toTensor().toArray()).isEqualTo(m.toTensor().toArray());
  }

  @Test
  void levelKernelsAgreeWithThePlainKernelOnTheBlocks() {
    int rows = 11;
    int cols = 768;
    byte[] w = randomBlocks(rows, cols, 9);
    Q6KLevels l = Q6KLevels.of(w, rows, cols);
    float[] x = new float[cols];
    float[] xsum = new float[cols / 32];
    Random rnd = new Random(3);
    for (int i = 0; i < cols; i++) {
      x[i] = (float) rnd.nextGaussian();
      xsum[i / 32] += x[i];
    }
    float[] want = new float[rows];
    ScalarQuantKernels.INSTANCE.matvec(QuantType.Q6_K, w, cols, x, xsum, want, 0, rows);
    float[] dq = new float[rows * cols];
    QuantType.Q6_K.dequantize(w, 0, dq, 0, rows * cols);
    for (QuantKernels k : new QuantKernels[] {QuantizedMatrix.KERNELS, ScalarQuantKernels.INSTANCE}) {
      float[] got = new float[rows];
      k.matvec(l, x, got, 1, rows); // a sub-range
      assertThat(got[0]).isZero();
      for (int r = 1; r < rows; r++) {
        double mag = 0;
        for (int c = 0; c < cols; c++) {
          mag += Math.abs((double) dq[r * cols + c] * x[c]);
        }
        assertThat(got[r]).as("%s row %d", k, r)
            .isCloseTo(want[r], org.assertj.core.data.Offset.offset((float) (1e-5 * mag + 1e-6)));
      }
    }
  }
}
