package dev.llmkit.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class FastExpTest {

  @Test
  void matchesMathExpToFarBelowFloatPrecision() {
    SplittableRandom rng = new SplittableRandom(3);
    double worst = 0;
    double worstAt = 0;
    for (int i = 0; i < 100_000; i++) {
      double x = i < 20_000 ? -30 + 60 * rng.nextDouble() : -708 + 1417 * rng.nextDouble();
      double e = Math.exp(x);
      double rel = Math.abs(FastExp.exp(x) - e) / e;
      if (!(rel <= worst)) {
        worst = rel;
        worstAt = x;
      }
    }
    assertThat(worst).as("worst relative error, at x = %s", worstAt).isLessThan(1e-9);
  }

  @Test
  void edges() {
    assertThat(FastExp.exp(0)).isEqualTo(1.0);
    assertThat(FastExp.exp(-1000)).isEqualTo(0.0);
    assertThat(FastExp.exp(Double.NEGATIVE_INFINITY)).isEqualTo(0.0);
    assertThat(FastExp.exp(710)).isEqualTo(Double.POSITIVE_INFINITY);
    assertThat(FastExp.exp(Double.POSITIVE_INFINITY)).isEqualTo(Double.POSITIVE_INFINITY);
    assertThat(FastExp.exp(Double.NaN)).isNaN();
  }
}
