package dev.llmkit.tensor;

import static dev.llmkit.tensor.RefChecks.ODD_SIZES;
import static dev.llmkit.tensor.RefChecks.assertClose;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ElementwiseTest {

  @Test
  void binaryOpsMatchScalarReference() {
    long seed = 1;
    for (int rows : new int[] {1, 3, 300}) {
      for (int c : ODD_SIZES) {
        Tensor a = Tensor.randn(seed++, 1f, rows, c);
        Tensor b = Tensor.randn(seed++, 1f, rows, c);
        float[] av = a.toArray();
        float[] bv = b.toArray();
        int n = av.length;
        double[] sum = new double[n];
        double[] prod = new double[n];
        double[] scaled = new double[n];
        double[] axpy = new double[n];
        for (int i = 0; i < n; i++) {
          sum[i] = (double) av[i] + bv[i];
          prod[i] = (double) av[i] * bv[i];
          scaled[i] = -0.75 * av[i];
          axpy[i] = bv[i] + 2.5 * av[i];
        }
        Tensor out = Tensor.zeros(rows, c);
        Elementwise.add(a, b, out);
        assertClose("add", out.toArray(), sum, 1e-6, 1e-6);
        Elementwise.residualAdd(a, b, out);
        assertClose("residualAdd", out.toArray(), sum, 1e-6, 1e-6);
        Elementwise.mul(a, b, out);
        assertClose("mul", out.toArray(), prod, 1e-6, 1e-6);
        Elementwise.scale(a, -0.75f, out);
        assertClose("scale", out.toArray(), scaled, 1e-6, 1e-6);
        Tensor y = b.copy();
        Elementwise.axpy(2.5f, a, y);
        assertClose("axpy", y.toArray(), axpy, 1e-6, 1e-6);
        Tensor acc = a.copy();
        Elementwise.addInPlace(acc, b);
        assertClose("addInPlace", acc.toArray(), sum, 1e-6, 1e-6);
      }
    }
  }

  @Test
  void biasIsAddedToEveryRow() {
    for (int c : ODD_SIZES) {
      int rows = 5;
      Tensor x = Tensor.randn(c, 1f, rows, c);
      Tensor delta = Tensor.randn(c + 1, 1f, rows, c);
      Tensor bias = Tensor.randn(c + 2, 1f, c);
      float[] xv = x.toArray();
      float[] dv = delta.toArray();
      double[] withBias = new double[rows * c];
      double[] residual = new double[rows * c];
      for (int r = 0; r < rows; r++) {
        for (int i = 0; i < c; i++) {
          withBias[r * c + i] = (double) xv[r * c + i] + bias.getFlat(i);
          residual[r * c + i] = (double) xv[r * c + i] + dv[r * c + i] + bias.getFlat(i);
        }
      }
      Tensor out = Tensor.zeros(rows, c);
      Elementwise.residualAddBias(x, delta, bias, out);
      assertClose("residualAddBias", out.toArray(), residual, 1e-6, 1e-6);
      Elementwise.addBias(x, bias);
      assertClose("addBias", x.toArray(), withBias, 1e-6, 1e-6);
    }
  }

  @Test
  void outputMayAliasAnInputAndViewsOfTheSameLayoutMatch() {
    Tensor x = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 1, 2, 3);
    Tensor d = Tensor.of(new float[] {10, 20, 30, 40, 50, 60}, 2, 3);
    Elementwise.residualAdd(x, d, x);
    assertThat(x.toArray()).containsExactly(11, 22, 33, 44, 55, 66);
  }

  @Test
  void shapeMismatchNamesOperationAndBothShapes() {
    assertThatThrownBy(() -> Elementwise.add(Tensor.zeros(2, 3), Tensor.zeros(3, 2), Tensor.zeros(2, 3)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Elementwise.add")
        .hasMessageContaining("[2, 3]")
        .hasMessageContaining("[3, 2]");
    assertThatThrownBy(() -> Elementwise.addBias(Tensor.zeros(4, 5), Tensor.zeros(4)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Elementwise.addBias")
        .hasMessageContaining("[4, 5]")
        .hasMessageContaining("[4]");
    assertThatThrownBy(() -> Elementwise.axpy(1f, Tensor.zeros(6), Tensor.zeros(7)))
        .hasMessageContaining("Elementwise.axpy")
        .hasMessageContaining("[6]")
        .hasMessageContaining("[7]");
  }
}
