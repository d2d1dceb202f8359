package dev.llmkit.sampling;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ExpMathTest {

  @Test
  void agreesWithMathExpToTwoFloatUlps() {
    double worst = 0;
    for (int i = 0; i <= 1_000_000; i++) {
      float x = (float) (-87.0 * i / 1_000_000);
      double expected = Math.exp(x);
      double actual = ExpMath.expNonPositive(x);
      worst = Math.max(worst, Math.abs(actual - expected) / expected);
    }
    assertThat(worst).isLessThan(3e-7);
  }

  @Test
  void exactAtZeroAndZeroFarBelow() {
    assertThat(ExpMath.expNonPositive(0f)).isEqualTo(1f);
    assertThat(ExpMath.expNonPositive(-0f)).isEqualTo(1f);
    assertThat(ExpMath.expNonPositive(Float.NEGATIVE_INFINITY)).isEqualTo(0f);
    assertThat(ExpMath.expNonPositive(-100f)).isEqualTo(0f);
    assertThat(ExpMath.expNonPositive(-87.2f)).isGreaterThan(0f);
    assertThat(ExpMath.expNonPositive(-88f)).isEqualTo(0f);
    assertThat(ExpMath.expNonPositive(-1e30f)).isEqualTo(0f);
  }
}
