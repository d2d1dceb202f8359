package dev.llmkit.tensor.quant;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmkit.tensor.Simd;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The prefill path's pieces: the Vector API dequantizer bit for bit against the plain Java codecs
 * (themselves bit-exact against llama.cpp, QuantTypeTest), and the tile split. The products
 * themselves are checked against a double-precision reference in QuantizedMatrixTest.
 */
class QuantTilesTest {

  /**
   * Blocks of random bytes (every bit pattern of the quants, sign bits included, which the int-lane
   * unpacking must mask off) with finite f16 scales, rows [3, 11) of 12.
   */
  @ParameterizedTest
  @EnumSource(QuantType.class)
  void vectorDequantizerIsBitExactOnRandomBlocks(QuantType type) {
    int rows = 12;
    int cols = 768;
    int rowBytes = (int) type.bytes(1, cols);
    byte[] w = new byte[rows * rowBytes];
    Random rnd = new Random(type.ordinal() + 1);
    rnd.nextBytes(w);
    for (int b = 0; b < w.length / type.typeSize(); b++) {
      for (int off : scaleOffsets(type)) {
        int o = b * type.typeSize() + off;
        short h = Fp16.fromFloat((float) rnd.nextGaussian() * 0.01f);
        w[o] = (byte) h;
        w[o + 1] = (byte) (h >> 8);
      }
    }
    float[] want = new float[8 * cols];
    for (int r = 3; r < 11; r++) {
      type.dequantize(w, r * rowBytes, want, (r - 3) * cols, cols);
    }
    float[] got = new float[8 * cols];
    QuantTiles.DEQUANTIZER.rows(type, w, rowBytes, cols, 3, 11, got);
    for (int i = 0; i < want.length; i++) {
      assertThat(Float.floatToRawIntBits(got[i])).as("%s weight %d: %s vs %s", type, i, got[i], want[i])
          .isEqualTo(Float.floatToRawIntBits(want[i]));
    }
    float min = Float.MAX_VALUE;
    float max = -Float.MAX_VALUE;
    for (float v : want) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    assertThat(min).as("the blocks decode to varied finite weights").isNegative().isFinite();
    assertThat(max).isPositive().isFinite();
  }

  /** Byte offsets of a block's f16 scales (d, and dmin for the K-quants with mins). */
  private static int[] scaleOffsets(QuantType t) {
    return switch (t) {
      case Q8_0, Q4_0 -> new int[] {0};
      case Q4_K, Q5_K -> new int[] {0, 2};
      case Q6_K -> new int[] {208};
    };
  }

  @Test
  void dequantizerFollowsTheVectorModule() {
    boolean expected = Boolean.parseBoolean(System.getProperty("llmkit.simd.expected", "true"));
    assertThat(Simd.enabled()).isEqualTo(expected);
    assertThat(QuantTiles.dequantizer()).startsWith(expected ? "Vector API" : "plain Java");
  }

  @ParameterizedTest
  @CsvSource({
    // rows, threads, rows per tile (at most 256, as even as possible), tiles (a multiple of the threads
    // where the rows divide evenly enough)
    "768, 2, 192, 4", "2304, 2, 231, 10", "3072, 2, 256, 12", "300, 2, 150, 2", "50257, 2, 254, 198",
    "1, 2, 1, 1", "5, 2, 3, 2", "768, 1, 256, 3", "100, 1, 100, 1", "768, 3, 256, 3", "770, 2, 193, 4"
  })
  void tilesAreEvenAndAMultipleOfTheThreads(int rows, int threads, int expectedRows, int expectedTiles) {
    int tile = QuantTiles.tileRows(rows, threads);
    assertThat(tile).isEqualTo(expectedRows).isLessThanOrEqualTo(QuantTiles.MAX_TILE_ROWS);
    assertThat((rows + tile - 1) / tile).isEqualTo(expectedTiles);
  }
}
