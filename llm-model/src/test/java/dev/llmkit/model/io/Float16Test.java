package dev.llmkit.model.io;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class Float16Test {

  @Test
  void knownHalfValues() {
    assertThat(Float16.halfToFloat((short) 0x3C00)).isEqualTo(1.0f);
    assertThat(Float16.halfToFloat((short) 0xC000)).isEqualTo(-2.0f);
    assertThat(Float16.halfToFloat((short) 0x7BFF)).isEqualTo(65504f);
    assertThat(Float16.halfToFloat((short) 0x0001)).isEqualTo((float) Math.pow(2, -24));
    assertThat(Float16.halfToFloat((short) 0x0400)).isEqualTo((float) Math.pow(2, -14));
    assertThat(Float16.halfToFloat((short) 0x3555)).isEqualTo(0.333251953125f);
    assertThat(Float16.halfToFloat((short) 0x7C00)).isEqualTo(Float.POSITIVE_INFINITY);
    assertThat(Float16.halfToFloat((short) 0x8000)).isEqualTo(-0.0f);
    assertThat(Float16.halfToFloat((short) 0x7E00)).isNaN();
  }

  @Test
  void everyHalfRoundTripsThroughFloat() {
    for (int h = 0; h < 0x10000; h++) {
      float f = Float16.halfToFloat((short) h);
      if (Float.isNaN(f)) {
        continue;
      }
      assertThat(Float16.floatToHalf(f) & 0xFFFF).as("half 0x%04x", h).isEqualTo(h);
    }
  }

  @Test
  void floatToHalfRoundsToNearestEven() {
    // 1 + 2^-11 is halfway between 1 and 1 + 2^-10: ties to even (1.0)
    assertThat(Float16.floatToHalf(1f + 0x1p-11f)).isEqualTo((short) 0x3C00);
    // 1 + 3*2^-11 is halfway between 1+2^-10 (odd) and 1+2^-9 (even)
    assertThat(Float16.floatToHalf(1f + 3 * 0x1p-11f)).isEqualTo((short) 0x3C02);
    assertThat(Float16.floatToHalf(70000f)).isEqualTo((short) 0x7C00);
    assertThat(Float16.floatToHalf(0x1p-26f)).isEqualTo((short) 0);
  }

  @Test
  void bfloat16IsTheUpperHalfOfFloat32() {
    assertThat(Float16.bfloat16ToFloat((short) 0x3F80)).isEqualTo(1.0f);
    assertThat(Float16.bfloat16ToFloat((short) 0xC049)).isEqualTo(-3.140625f);
    assertThat(Float16.bfloat16ToFloat((short) 0x7F80)).isEqualTo(Float.POSITIVE_INFINITY);
  }
}
