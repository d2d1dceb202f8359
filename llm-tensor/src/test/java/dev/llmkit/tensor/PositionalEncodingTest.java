package dev.llmkit.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class PositionalEncodingTest {

  @Test
  void valuesOfThePaper() {
    Tensor pe = PositionalEncoding.sinusoidal(50, 6);
    assertThat(pe.shape()).containsExactly(50, 6);
    // position 0: sin 0 = 0, cos 0 = 1
    assertThat(pe.row(0).toArray()).containsExactly(0, 1, 0, 1, 0, 1);
    // position 1, i = 0: sin(1), cos(1)
    assertThat(pe.get(1, 0)).isCloseTo((float) Math.sin(1), within(1e-7f));
    assertThat(pe.get(1, 1)).isCloseTo((float) Math.cos(1), within(1e-7f));
    // position 37, 2i = 4: 37 / 10000^(4/6)
    double a = 37 / Math.pow(10000, 4.0 / 6);
    assertThat(pe.get(37, 4)).isCloseTo((float) Math.sin(a), within(1e-7f));
    assertThat(pe.get(37, 5)).isCloseTo((float) Math.cos(a), within(1e-7f));
  }

  @Test
  void oddDimensionEndsWithASine() {
    Tensor pe = PositionalEncoding.sinusoidal(3, 3);
    double a = 2 / Math.pow(10000, 2.0 / 3);
    assertThat(pe.get(2, 2)).isCloseTo((float) Math.sin(a), within(1e-7f));
    assertThatThrownBy(() -> PositionalEncoding.sinusoidal(0, 4))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxPositions");
  }
}
