package dev.llmkit.tensor;

import static dev.llmkit.tensor.LayerNormTest.minus;
import static dev.llmkit.tensor.RefChecks.ODD_SIZES;
import static dev.llmkit.tensor.RefChecks.assertClose;
import static dev.llmkit.tensor.RefChecks.assertGradient;
import static dev.llmkit.tensor.RefChecks.dot;
import static dev.llmkit.tensor.RefChecks.numericGradient;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.function.ToDoubleFunction;
import org.junit.jupiter.api.Test;

class SoftmaxTest {

  /** Naive double softmax (log when {@code log}) of each row. */
  static double[] reference(float[] x, int rows, int c, boolean log) {
    double[] out = new double[rows * c];
    for (int r = 0; r < rows; r++) {
      double m = Double.NEGATIVE_INFINITY;
      for (int i = 0; i < c; i++) {
        m = Math.max(m, x[r * c + i]);
      }
      double s = 0;
      for (int i = 0; i < c; i++) {
        s += Math.exp(x[r * c + i] - m);
      }
      for (int i = 0; i < c; i++) {
        out[r * c + i] = log ? x[r * c + i] - m - Math.log(s) : Math.exp(x[r * c + i] - m) / s;
      }
    }
    return out;
  }

  @Test
  void forwardMatchesDoubleReference() {
    long seed = 30;
    for (int rows : new int[] {1, 3, 100}) {
      for (int c : new int[] {1, 2, 3, 17, 127, 1000}) {
        Tensor x = Tensor.randn(seed++, 4f, rows, c);
        Tensor out = Tensor.zeros(rows, c);
        Softmax.softmax(x, out);
        assertClose("softmax " + rows + "x" + c, out.toArray(), reference(x.toArray(), rows, c, false), 1e-7, 2e-6);
        Softmax.logSoftmax(x, out);
        assertClose("logSoftmax " + rows + "x" + c, out.toArray(), reference(x.toArray(), rows, c, true), 2e-6, 2e-6);
      }
    }
  }

  @Test
  void longLogitsRowsUseTheBlockedPathAndMatch() {
    // (1, 50257): GPT-2's vocabulary, one decoding step; also 2 rows (fewer rows than threads on 2 cores)
    for (int rows : new int[] {1, 2}) {
      Tensor x = Tensor.randn(31 + rows, 3f, rows, 50257);
      x.setFlat(12345, 40f); // a dominant logit
      Tensor out = Tensor.zeros(rows, 50257);
      Softmax.softmax(x, out);
      assertClose("softmax", out.toArray(), reference(x.toArray(), rows, 50257, false), 1e-9, 2e-6);
      double total = 0;
      for (int i = 0; i < 50257; i++) {
        total += out.getFlat(i);
      }
      assertThat(total).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5));
      Softmax.logSoftmax(x, out);
      assertClose("logSoftmax", out.toArray(), reference(x.toArray(), rows, 50257, true), 2e-5, 2e-6);
    }
  }

  @Test
  void scalarAndSimdExponentialPathsAgree() {
    // the public kernels take the Vector API path when the module is present (as in this module's
    // test runs); the scalar path is checked here directly, and against the SIMD one when in use
    for (int n : new int[] {1, 3, 17, 127, 4096}) {
      float[] x = RefChecks.randn(n, 4f, n);
      if (n > 1) {
        x[n / 2] = Float.NEGATIVE_INFINITY; // a masked entry
      }
      float max = Float.NEGATIVE_INFINITY;
      for (float v : x) {
        max = Math.max(max, v);
      }
      float[] scalar = x.clone();
      double sum = Softmax.expAndSum(scalar, n, max, true);
      double[] expected = new double[n];
      double expectedSum = 0;
      for (int i = 0; i < n; i++) {
        expected[i] = Math.exp(x[i] - max); // of the float argument, as a float kernel sees it
        expectedSum += expected[i];
      }
      assertClose("scalar exp n=" + n, scalar, expected, 1e-12, 1e-7);
      assertThat(sum).isCloseTo(expectedSum, org.assertj.core.data.Offset.offset(1e-9 * expectedSum));
      float[] any = x.clone();
      double sum2 = Softmax.expInPlaceAndSum(any, n, max);
      assertClose("exp (SIMD " + Simd.enabled() + ") n=" + n, any, expected, 1e-12, 1e-6);
      assertThat(sum2).isCloseTo(expectedSum, org.assertj.core.data.Offset.offset(2e-6 * expectedSum));
    }
  }

  @Test
  void hugeLogitsDoNotOverflow() {
    Tensor x = Tensor.vector(1000f, 1001f, 999f);
    Tensor out = Tensor.zeros(3);
    Softmax.softmax(x, out);
    double e1 = Math.exp(-1);
    double e2 = Math.exp(-2);
    double s = 1 + e1 + e2;
    assertClose("softmax", out.toArray(), new double[] {e1 / s, 1 / s, e2 / s}, 1e-7, 1e-6);
    Softmax.logSoftmax(x, out);
    assertClose("logSoftmax", out.toArray(), new double[] {-1 - Math.log(s), -Math.log(s), -2 - Math.log(s)}, 1e-5, 1e-6);
  }

  @Test
  void outMayBeTheInput() {
    Tensor x = Tensor.randn(33, 1f, 4, 9);
    double[] expected = reference(x.toArray(), 4, 9, false);
    Softmax.softmax(x, x);
    assertClose("in place", x.toArray(), expected, 1e-7, 2e-6);
  }

  @Test
  void backwardsMatchFiniteDifferences() {
    long seed = 300;
    for (int rows : new int[] {1, 3}) {
      for (int c : ODD_SIZES) {
        Tensor x = Tensor.randn(seed++, 2f, rows, c);
        Tensor dy = Tensor.randn(seed++, 1f, rows, c);
        Tensor y = Tensor.zeros(rows, c);
        Tensor o = Tensor.zeros(rows, c);
        String at = rows + "x" + c;

        Softmax.softmax(x, y);
        Tensor dx = Tensor.full(1f, rows, c);
        Softmax.softmaxBackward(y, dy, dx);
        ToDoubleFunction<Tensor> loss = unused -> {
          Softmax.softmax(x, o);
          return dot(dy, o);
        };
        assertGradient("softmax dx " + at, minus(dx, 1f), numericGradient(x, 1e-2, loss), 3e-3);

        Softmax.logSoftmax(x, y);
        Tensor dxl = Tensor.full(1f, rows, c);
        Softmax.logSoftmaxBackward(y, dy, dxl);
        ToDoubleFunction<Tensor> lossLog = unused -> {
          Softmax.logSoftmax(x, o);
          return dot(dy, o);
        };
        assertGradient("logSoftmax dx " + at, minus(dxl, 1f), numericGradient(x, 1e-2, lossLog), 3e-3);
      }
    }
  }

  @Test
  void shapeMismatchNamesOperationAndBothShapes() {
    assertThatThrownBy(() -> Softmax.softmax(Tensor.zeros(2, 5), Tensor.zeros(5, 2)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Softmax.softmax")
        .hasMessageContaining("[2, 5]")
        .hasMessageContaining("[5, 2]");
    assertThatThrownBy(() -> Softmax.softmaxBackward(Tensor.zeros(2, 5), Tensor.zeros(2, 5), Tensor.zeros(2, 4)))
        .hasMessageContaining("Softmax.softmaxBackward")
        .hasMessageContaining("[2, 4]");
  }
}
