package dev.llmkit.tensor;

import static dev.llmkit.tensor.LayerNormTest.minus;
import static dev.llmkit.tensor.RefChecks.ODD_SIZES;
import static dev.llmkit.tensor.RefChecks.assertClose;
import static dev.llmkit.tensor.RefChecks.assertGradient;
import static dev.llmkit.tensor.RefChecks.dot;
import static dev.llmkit.tensor.RefChecks.numericGradient;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.function.BiConsumer;
import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.Test;

class ActivationsTest {

  /** erf by its everywhere-convergent series e^(−z²)·2/√π·Σ 2ⁿ z^(2n+1) / (1·3·…·(2n+1)), in double. */
  static double erfSeries(double z) {
    double term = z;
    double sum = z;
    for (int n = 1; n < 400 && Math.abs(term) > 1e-18 * Math.abs(sum); n++) {
      term *= 2 * z * z / (2 * n + 1);
      sum += term;
    }
    return 2 / Math.sqrt(Math.PI) * Math.exp(-z * z) * sum;
  }

  static double geluTanhRef(double x) {
    return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
  }

  static double geluErfRef(double x) {
    return geluErfRefExact(x);
  }

  static double siluRef(double x) {
    return x / (1 + Math.exp(-x));
  }

  @Test
  void geluKnownValues() {
    // gelu(1): tanh form 0.8411920 (GPT-2 gelu_new), erf form 0.8413447 (x·Φ(x))
    assertThat(Activations.geluTanh(1f)).isCloseTo(0.8411920f, within(1e-7f));
    assertThat(Activations.geluErf(1f)).isCloseTo(0.8413447f, within(1e-7f));
    assertThat(Activations.geluTanh(-1f)).isCloseTo(-0.1588080f, within(1e-7f));
    assertThat(Activations.geluErf(-1f)).isCloseTo(-0.1586553f, within(1e-7f));
    assertThat(Activations.geluErf(0f)).isEqualTo(0f);
    assertThat(Activations.geluTanh(10f)).isEqualTo(10f);
    assertThat(Activations.geluErf(-10f)).isCloseTo(0f, within(1e-12f));
    assertThat(Activations.silu(1f)).isCloseTo(0.7310586f, within(1e-7f));
  }

  /** erfc by Laplace's continued fraction e^(−z²)/√π · 1/(z + (1/2)/(z + 1/(z + (3/2)/(z + …)))), z > 2. */
  static double erfcContinuedFraction(double z) {
    double f = z;
    for (int n = 200; n >= 1; n--) {
      f = z + (n / 2.0) / f;
    }
    return Math.exp(-z * z) / Math.sqrt(Math.PI) / f;
  }

  /** Reference erfc: 1 − series below 2 (no cancellation problem there), continued fraction above. */
  static double erfcRef(double z) {
    return z < 2 ? 1 - erfSeries(z) : erfcContinuedFraction(z);
  }

  @Test
  void erfcHasFloatRelativePrecisionEverywhere() {
    assertThat(erfcContinuedFraction(2.5)).isCloseTo(1 - erfSeries(2.5), within(1e-15));
    for (double z = 0; z <= 9; z += 1.0 / 64) {
      double ref = erfcRef(z);
      assertThat(Activations.erfc(z)).as("erfc(%s)", z).isCloseTo(ref, within(1.3e-7 * ref));
      assertThat(Activations.erfc(-z)).as("erfc(-%s)", z).isCloseTo(2 - ref, within(1.3e-7));
    }
    assertThat(Activations.erf(0.5)).isCloseTo(0.5204998778130465, within(1e-7));
  }

  static double geluErfRefExact(double x) {
    return x >= 0 ? 0.5 * x * (2 - erfcRef(x / Math.sqrt(2))) : 0.5 * x * erfcRef(-x / Math.sqrt(2));
  }

  @Test
  void forwardMatchesDoubleReference() {
    long seed = 40;
    for (int n : new int[] {1, 3, 17, 127, 70_000}) {
      Tensor x = Tensor.randn(seed++, 3f, n);
      float[] xv = x.toArray();
      Tensor out = Tensor.zeros(n);
      check("relu", x, out, Activations::relu, v -> Math.max(v, 0), 0, 0);
      // the SIMD GELU computes in float: for negative x its value is x·e^z with z = 2u, whose float
      // rounding (|z|·6e-8, |z| up to 87 before it flushes to 0) sets the relative error in the tail
      check("gelu", x, out, Activations::gelu, ActivationsTest::geluTanhRef, 1e-12, Simd.enabled() ? 1e-5 : 1.5e-7);
      // the SIMD GELU (erf) computes erfc's exp(-a² + poly) in float: relative error ~a²·6e-8
      check("geluErf", x, out, Activations::geluErf, ActivationsTest::geluErfRef, 1e-12, Simd.enabled() ? 1e-5 : 3e-7);
      check("silu", x, out, Activations::silu, ActivationsTest::siluRef, 1e-12, 1.5e-7);
      Tensor up = Tensor.randn(seed++, 1f, n);
      Activations.swiglu(x, up, out);
      double[] expected = new double[n];
      for (int i = 0; i < n; i++) {
        expected[i] = siluRef(xv[i]) * up.getFlat(i);
      }
      assertClose("swiglu n=" + n, out.toArray(), expected, 2e-7, 2e-7);
    }
  }

  private static void check(String name, Tensor x, Tensor out, BiConsumer<Tensor, Tensor> kernel,
      DoubleUnaryOperator ref, double atol, double rtol) {
    kernel.accept(x, out);
    double[] expected = new double[x.length()];
    for (int i = 0; i < expected.length; i++) {
      expected[i] = ref.applyAsDouble(x.getFlat(i));
    }
    assertClose(name + " n=" + x.length(), out.toArray(), expected, atol, rtol);
  }

  /** A forward and its backward. */
  private record Pair(String name, BiConsumer<Tensor, Tensor> fwd, Backward bwd) {}

  @FunctionalInterface
  private interface Backward {
    void run(Tensor x, Tensor dout, Tensor dx);
  }

  @Test
  void backwardsMatchFiniteDifferences() {
    Pair[] pairs = {
      new Pair("relu", Activations::relu, Activations::reluBackward),
      new Pair("gelu", Activations::gelu, Activations::geluBackward),
      new Pair("geluErf", Activations::geluErf, Activations::geluErfBackward),
      new Pair("silu", Activations::silu, Activations::siluBackward),
    };
    long seed = 400;
    for (Pair p : pairs) {
      for (int n : ODD_SIZES) {
        Tensor x = Tensor.randn(seed++, 2f, 3, n);
        if (p.name.equals("relu")) {
          // keep away from the kink at 0 where the finite difference is meaningless
          for (int i = 0; i < x.length(); i++) {
            float v = x.getFlat(i);
            x.setFlat(i, Math.abs(v) < 0.05f ? v + 0.2f : v);
          }
        }
        Tensor dout = Tensor.randn(seed++, 1f, 3, n);
        Tensor dx = Tensor.full(0.5f, 3, n);
        p.bwd.run(x, dout, dx);
        Tensor o = Tensor.zeros(3, n);
        double[] numeric = numericGradient(x, 1e-2, unused -> {
          p.fwd.accept(x, o);
          return dot(dout, o);
        });
        assertGradient(p.name + " n=" + n, minus(dx, 0.5f), numeric, 3e-3);
      }
    }
  }

  @Test
  void swigluBackwardMatchesFiniteDifferences() {
    long seed = 500;
    for (int n : ODD_SIZES) {
      Tensor gate = Tensor.randn(seed++, 2f, 2, n);
      Tensor up = Tensor.randn(seed++, 1f, 2, n);
      Tensor dout = Tensor.randn(seed++, 1f, 2, n);
      Tensor dgate = Tensor.full(0.5f, 2, n);
      Tensor dup = Tensor.full(0.5f, 2, n);
      Activations.swigluBackward(gate, up, dout, dgate, dup);
      Tensor o = Tensor.zeros(2, n);
      java.util.function.ToDoubleFunction<Tensor> loss = unused -> {
        Activations.swiglu(gate, up, o);
        return dot(dout, o);
      };
      assertGradient("dgate n=" + n, minus(dgate, 0.5f), numericGradient(gate, 1e-2, loss), 3e-3);
      assertGradient("dup n=" + n, minus(dup, 0.5f), numericGradient(up, 1e-2, loss), 3e-3);
      // a null gradient is simply not computed
      Tensor dup2 = Tensor.full(0.5f, 2, n);
      Activations.swigluBackward(gate, up, dout, null, dup2);
      assertThat(dup2.toArray()).containsExactly(dup.toArray());
    }
  }

  @Test
  void shapeMismatchNamesOperationAndBothShapes() {
    assertThatThrownBy(() -> Activations.gelu(Tensor.zeros(2, 3), Tensor.zeros(3, 2)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Activations.gelu")
        .hasMessageContaining("[2, 3]")
        .hasMessageContaining("[3, 2]");
    assertThatThrownBy(() -> Activations.swiglu(Tensor.zeros(4), Tensor.zeros(5), Tensor.zeros(4)))
        .hasMessageContaining("Activations.swiglu")
        .hasMessageContaining("[4]")
        .hasMessageContaining("[5]");
  }
}
