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

class RmsNormTest {

  private static final float EPS = 1e-6f;

  @Test
  void forwardMatchesDoubleReference() {
    long seed = 20;
    for (int rows : new int[] {1, 3, 64}) {
      for (int c : new int[] {1, 3, 17, 127, 768}) {
        Tensor x = Tensor.randn(seed++, 1.5f, rows, c);
        Tensor w = Tensor.randn(seed++, 1f, c);
        Tensor out = Tensor.zeros(rows, c);
        Tensor rstd = Tensor.zeros(rows);
        RmsNorm.forward(x, w, EPS, out, rstd);
        float[] xv = x.toArray();
        double[] expected = new double[rows * c];
        double[] er = new double[rows];
        for (int r = 0; r < rows; r++) {
          double ss = 0;
          for (int i = 0; i < c; i++) {
            ss += (double) xv[r * c + i] * xv[r * c + i];
          }
          er[r] = 1 / Math.sqrt(ss / c + EPS);
          for (int i = 0; i < c; i++) {
            expected[r * c + i] = xv[r * c + i] * er[r] * w.getFlat(i);
          }
        }
        assertClose("out " + rows + "x" + c, out.toArray(), expected, 1e-5, 1e-5);
        assertClose("rstd", rstd.toArray(), er, 1e-6, 1e-6);
      }
    }
  }

  @Test
  void llama2cExample() {
    // x = (3, 4): mean(x²) = 12.5, rstd = 1/sqrt(12.5 + 1e-5)
    Tensor out = Tensor.zeros(2);
    RmsNorm.forward(Tensor.vector(3f, 4f), Tensor.vector(1f, 2f), 1e-5f, out, null);
    double r = 1 / Math.sqrt(12.5 + 1e-5);
    assertClose("out", out.toArray(), new double[] {3 * r, 8 * r}, 1e-6, 1e-6);
  }

  @Test
  void backwardMatchesFiniteDifferences() {
    long seed = 200;
    for (int rows : new int[] {1, 3}) {
      for (int c : ODD_SIZES) {
        Tensor x = Tensor.randn(seed++, 1f, rows, c);
        Tensor w = Tensor.randn(seed++, 1f, c);
        Tensor dout = Tensor.randn(seed++, 1f, rows, c);
        Tensor rstd = Tensor.zeros(rows);
        RmsNorm.forward(x, w, EPS, Tensor.zeros(rows, c), rstd);
        Tensor dx = Tensor.full(-0.5f, rows, c);
        Tensor dw = Tensor.full(-0.5f, c);
        RmsNorm.backward(dout, x, w, rstd, dx, dw);
        Tensor o = Tensor.zeros(rows, c);
        ToDoubleFunction<Tensor> loss = unused -> {
          RmsNorm.forward(x, w, EPS, o, null);
          return dot(dout, o);
        };
        String at = rows + "x" + c;
        assertGradient("dx " + at, minus(dx, -0.5f), numericGradient(x, 1e-2, loss), 3e-3);
        assertGradient("dweight " + at, minus(dw, -0.5f), numericGradient(w, 1e-2, loss), 3e-3);
        Tensor dx2 = Tensor.full(-0.5f, rows, c);
        RmsNorm.backward(dout, x, w, null, dx2, null, EPS);
        assertClose("dx recomputed " + at, dx2.toArray(), dx.toArray(), 1e-6, 1e-5);
      }
    }
  }

  @Test
  void largeInputsAreReproducible() {
    Tensor x = Tensor.randn(8, 1f, 256, 768);
    Tensor w = Tensor.randn(9, 1f, 768);
    Tensor dout = Tensor.randn(10, 1f, 256, 768);
    float[][] runs = new float[2][];
    for (int k = 0; k < 2; k++) {
      Tensor out = Tensor.zeros(256, 768);
      Tensor dx = Tensor.zeros(256, 768);
      Tensor dw = Tensor.zeros(768);
      RmsNorm.forward(x, w, EPS, out, null);
      RmsNorm.backward(dout, x, w, null, dx, dw, EPS);
      float[] a = out.toArray();
      float[] b = dx.toArray();
      float[] c = dw.toArray();
      runs[k] = new float[a.length + b.length + c.length];
      System.arraycopy(a, 0, runs[k], 0, a.length);
      System.arraycopy(b, 0, runs[k], a.length, b.length);
      System.arraycopy(c, 0, runs[k], a.length + b.length, c.length);
    }
    assertThat(runs[0]).isEqualTo(runs[1]);
  }

  @Test
  void shapeMismatchNamesOperationAndBothShapes() {
    assertThatThrownBy(() -> RmsNorm.forward(Tensor.zeros(3, 4), Tensor.zeros(5), EPS, Tensor.zeros(3, 4), null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("RmsNorm.forward")
        .hasMessageContaining("[5]")
        .hasMessageContaining("[3, 4]");
    assertThatThrownBy(() -> RmsNorm.forward(Tensor.zeros(3, 4), null, EPS, Tensor.zeros(4, 3), null))
        .hasMessageContaining("[3, 4]")
        .hasMessageContaining("[4, 3]");
  }
}
