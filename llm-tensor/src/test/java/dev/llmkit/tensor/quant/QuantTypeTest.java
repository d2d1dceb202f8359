package dev.llmkit.tensor.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Block layouts and rounding against llama.cpp itself: fixtures from scripts/gen_quant_fixtures.py
 * (gguf-py's dequantize of random blocks; llama-quantize's bytes for 8 edge-case and random rows).
 */
class QuantTypeTest {

  static byte[] resource(String name) throws IOException {
    try (InputStream in = QuantTypeTest.class.getResourceAsStream("/quant/" + name)) {
      if (in == null) {
        throw new IllegalStateException("missing test resource /quant/" + name);
      }
      return in.readAllBytes();
    }
  }

  static float[] floats(String name) throws IOException {
    byte[] b = resource(name);
    float[] f = new float[b.length / 4];
    ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(f);
    return f;
  }

  static String file(QuantType t) {
    return t.name().toLowerCase(Locale.ROOT);
  }

  @ParameterizedTest
  @EnumSource(QuantType.class)
  void dequantizesBitExactlyAsLlamaCpp(QuantType t) throws IOException {
    byte[] blocks = resource("dq-" + file(t) + ".bin");
    float[] expected = floats("dq-" + file(t) + ".f32");
    assertEquals(4 * t.typeSize(), blocks.length);
    float[] got = new float[expected.length];
    t.dequantize(blocks, 0, got, 0, got.length);
    for (int i = 0; i < got.length; i++) {
      assertEquals(Float.floatToIntBits(expected[i]), Float.floatToIntBits(got[i]), t + " weight " + i);
    }
  }

  @ParameterizedTest
  @EnumSource(QuantType.class)
  void quantizesByteForByteAsLlamaQuantize(QuantType t) throws IOException {
    float[] rows = floats("rows.f32");
    byte[] expected = resource("q-" + file(t) + ".bin");
    int cols = 1024;
    assertEquals(t.bytes(8, cols), expected.length);
    byte[] got = new byte[expected.length];
    t.quantize(rows, 0, got, 0, rows.length);
    int rowBytes = (int) t.bytes(1, cols);
    for (int r = 0; r < 8; r++) {
      for (int i = 0; i < rowBytes; i++) {
        int at = r * rowBytes + i;
        assertEquals(expected[at], got[at], t + " row " + r + " byte " + i + " (block " + i / t.typeSize()
            + ", offset " + i % t.typeSize() + ")");
      }
    }
  }

  @Test
  void fp16RoundsToNearestEvenIncludingSubnormalsAndOverflow() {
    assertEquals(0x3c00, Fp16.fromFloat(1f) & 0xffff);
    assertEquals(0x3c00, Fp16.fromFloat(1f + 0x1p-11f) & 0xffff); // tie: stays even
    assertEquals(0x3c02, Fp16.fromFloat(1f + 3 * 0x1p-11f) & 0xffff); // tie: up to even
    assertEquals(0x0001, Fp16.fromFloat(0x1p-24f) & 0xffff); // smallest subnormal
    assertEquals(0x0000, Fp16.fromFloat(0x1p-25f) & 0xffff); // tie with zero: even
    assertEquals(0x7bff, Fp16.fromFloat(65504f) & 0xffff);
    assertEquals(0x7c00, Fp16.fromFloat(65520f) & 0xffff);
    assertEquals(0xfc00, Fp16.fromFloat(Float.NEGATIVE_INFINITY) & 0xffff);
    for (int h = 0; h < 0x7c00; h++) { // every finite half survives the round trip
      assertEquals(h, Fp16.fromFloat(Fp16.toFloat(h)) & 0xffff);
      assertEquals(h | 0x8000, Fp16.fromFloat(Fp16.toFloat(h | 0x8000)) & 0xffff);
    }
  }

  @Test
  void partialBlocksAreRefusedByName() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> QuantType.Q4_K.bytes(3, 100));
    assertTrue(e.getMessage().contains("Q4_K") && e.getMessage().contains("100"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> QuantType.Q8_0.dequantize(new byte[34], 0, new float[40], 0, 40));
    assertEquals(QuantType.Q6_K, QuantType.byGgmlId(14));
    assertEquals(null, QuantType.byGgmlId(1));
    assertArrayEquals(new int[] {8, 2, 12, 13, 14},
        java.util.Arrays.stream(QuantType.values()).mapToInt(QuantType::ggmlId).toArray());
  }
}
