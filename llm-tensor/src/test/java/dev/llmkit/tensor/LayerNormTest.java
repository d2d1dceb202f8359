package dev.llmkit.tensor;

import static dev.llmkit.tensor.RefChecks.ODD_SIZES;
import static dev.llmkit.tensor.RefChecks.assertClose;
import static dev.llmkit.tensor.RefChecks.assertGradient;
import static dev.llmkit.tensor.RefChecks.dot;
import static dev.llmkit.tensor.RefChecks.numericGradient;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class LayerNormTest {

  private static final float EPS = 1e-5f;

  /** Naive double LayerNorm: out, then mean and rstd per row appended. */
  private static double[] reference(float[] x, float[] w, float[] b, int rows, int c, double eps,
      double[] mean, double[] rstd) {
    double[] out = new double[rows * c];
    for (int r = 0; r < rows; r++) {
      double m = 0;
      for (int i = 0; i < c; i++) {
        m += x[r * c + i];
      }
      m /= c;
      double v = 0;
      for (int i = 0; i < c; i++) {
        v += (x[r * c + i] - m) * (x[r * c + i] - m);
      }
      v /= c;
      double rs = 1 / Math.sqrt(v + eps);
      for (int i = 0; i < c; i++) {
        out[r * c + i] = (x[r * c + i] - m) * rs * (w == null ? 1 : w[i]) + (b == null ? 0 : b[i]);
      }
      mean[r] = m;
      rstd[r] = rs;
    }
    return out;
  }

  @Test
  void forwardMatchesDoubleReference() {
    long seed = 10;
    for (int rows : new int[] {1, 3, 64}) {
      for (int c : new int[] {1, 3, 17, 127, 768}) {
        Tensor x = Tensor.randn(seed++, 2f, rows, c);
        // shift the rows so that a naive one-pass variance would lose precision
        for (int i = 0; i < x.length(); i++) {
          x.setFlat(i, x.getFlat(i) + 30f);
        }
        Tensor w = Tensor.randn(seed++, 1f, c);
        Tensor b = Tensor.randn(seed++, 1f, c);
        Tensor out = Tensor.zeros(rows, c);
        Tensor mean = Tensor.zeros(rows);
        Tensor rstd = Tensor.zeros(rows);
        LayerNorm.forward(x, w, b, EPS, out, mean, rstd);
        double[] em = new double[rows];
        double[] er = new double[rows];
        double[] expected = reference(x.toArray(), w.toArray(), b.toArray(), rows, c, EPS, em, er);
        assertClose("out " + rows + "x" + c, out.toArray(), expected, 2e-5, 1e-5);
        assertClose("mean", mean.toArray(), em, 1e-6, 1e-6);
        assertClose("rstd", rstd.toArray(), er, 1e-6, 1e-5);
        // no weight / no bias
        LayerNorm.forward(x, null, null, EPS, out, null, null);
        assertClose("out, no affine", out.toArray(),
            reference(x.toArray(), null, null, rows, c, EPS, em, er), 2e-5, 1e-5);
      }
    }
  }

  @Test
  void gpt2EpsMattersForAConstantRow() {
    // var = 0: out = (x - mean) * rsqrt(eps) = 0, then + bias; rstd = 1/sqrt(1e-5)
    Tensor x = Tensor.full(3f, 1, 4);
    Tensor out = Tensor.zeros(1, 4);
    Tensor rstd = Tensor.zeros(1);
    LayerNorm.forward(x, Tensor.full(2f, 4), Tensor.full(0.5f, 4), 1e-5f, out, null, rstd);
    assertThat(out.toArray()).containsOnly(0.5f);
    assertThat((double) rstd.getFlat(0)).isCloseTo(316.22776601683796, org.assertj.core.data.Offset.offset(1e-3));
  }

  @Test
  void backwardMatchesFiniteDifferences() {
    long seed = 100;
    for (int rows : new int[] {1, 3}) {
      for (int c : ODD_SIZES) {
        Tensor x = Tensor.randn(seed++, 1f, rows, c);
        Tensor w = Tensor.randn(seed++, 1f, c);
        Tensor b = Tensor.randn(seed++, 1f, c);
        Tensor dout = Tensor.randn(seed++, 1f, rows, c);
        Tensor out = Tensor.zeros(rows, c);
        Tensor mean = Tensor.zeros(rows);
        Tensor rstd = Tensor.zeros(rows);
        LayerNorm.forward(x, w, b, EPS, out, mean, rstd);
        // gradients are ADDED: start from a known non-zero value and subtract it afterwards
        Tensor dx = Tensor.full(0.25f, rows, c);
        Tensor dw = Tensor.full(0.25f, c);
        Tensor db = Tensor.full(0.25f, c);
        LayerNorm.backward(dout, x, w, mean, rstd, dx, dw, db);
        Tensor o = Tensor.zeros(rows, c);
        java.util.function.ToDoubleFunction<Tensor> loss = unused -> {
          LayerNorm.forward(x, w, b, EPS, o, null, null);
          return dot(dout, o);
        };
        String at = rows + "x" + c;
        assertGradient("dx " + at, minus(dx, 0.25f), numericGradient(x, 1e-2, loss), 3e-3);
        assertGradient("dweight " + at, minus(dw, 0.25f), numericGradient(w, 1e-2, loss), 3e-3);
        assertGradient("dbias " + at, minus(db, 0.25f), numericGradient(b, 1e-2, loss), 3e-3);
        // without saved statistics the backward recomputes them: same result
        Tensor dx2 = Tensor.full(0.25f, rows, c);
        LayerNorm.backward(dout, x, w, null, null, dx2, null, null);
        assertClose("dx recomputed " + at, dx2.toArray(), dx.toArray(), 1e-6, 1e-5);
      }
    }
  }

  @Test
  void largeInputsAreReproducible() {
    Tensor x = Tensor.randn(5, 1f, 256, 768);
    Tensor w = Tensor.randn(6, 1f, 768);
    Tensor dout = Tensor.randn(7, 1f, 256, 768);
    Tensor[] runs = new Tensor[2];
    for (int k = 0; k < 2; k++) {
      Tensor out = Tensor.zeros(256, 768);
      Tensor dx = Tensor.zeros(256, 768);
      Tensor dw = Tensor.zeros(768);
      LayerNorm.forward(x, w, null, EPS, out, null, null);
      LayerNorm.backward(dout, x, w, null, null, dx, dw, null);
      float[] all = new float[out.length() + dx.length() + dw.length()];
      System.arraycopy(out.toArray(), 0, all, 0, out.length());
      System.arraycopy(dx.toArray(), 0, all, out.length(), dx.length());
      System.arraycopy(dw.toArray(), 0, all, out.length() + dx.length(), dw.length());
      runs[k] = Tensor.vector(all);
    }
    assertThat(runs[0].toArray()).isEqualTo(runs[1].toArray());
  }

  @Test
  void shapeMismatchNamesOperationAndBothShapes() {
    assertThatThrownBy(() -> LayerNorm.forward(
            Tensor.zeros(2, 8), Tensor.zeros(7), null, EPS, Tensor.zeros(2, 8), null, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("LayerNorm.forward")
        .hasMessageContaining("[7]")
        .hasMessageContaining("[2, 8]");
    assertThatThrownBy(() -> LayerNorm.backward(Tensor.zeros(2, 8), Tensor.zeros(2, 9), null, null,
            null, null, null, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("LayerNorm.backward")
        .hasMessageContaining("[2, 8]")
        .hasMessageContaining("[2, 9]");
  }

  static float[] minus(Tensor t, float v) {
    float[] a = t.toArray();
    for (int i = 0; i < a.length; i++) {
      a[i] -= v;
    }
    return a;
  }
}
