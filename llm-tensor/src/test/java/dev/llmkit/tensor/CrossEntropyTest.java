package dev.llmkit.tensor;

import static dev.llmkit.tensor.RefChecks.assertClose;
import static dev.llmkit.tensor.RefChecks.assertGradient;
import static dev.llmkit.tensor.RefChecks.numericGradient;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class CrossEntropyTest {

  @Test
  void handComputedValues() {
    // logits (1, 2, 3), target 2: log(e + e² + e³) − 3 = 0.40760596
    Tensor logits = Tensor.of(new float[] {1, 2, 3}, 1, 3);
    Tensor d = Tensor.zeros(1, 3);
    float loss = CrossEntropy.forward(logits, new int[] {2}, d);
    assertThat(loss).isCloseTo(0.40760596f, within(1e-6f));
    double s = Math.exp(1) + Math.exp(2) + Math.exp(3);
    assertClose("dlogits", d.toArray(), new double[] {Math.exp(1) / s, Math.exp(2) / s, Math.exp(3) / s - 1}, 1e-7, 1e-6);
    // uniform logits over V: loss = log V, whatever the target and the offset of the logits
    Tensor uniform = Tensor.full(1234.5f, 2, 50257);
    assertThat(CrossEntropy.forward(uniform, new int[] {0, 50256}, null))
        .isCloseTo((float) Math.log(50257), within(1e-5f));
  }

  @Test
  void ignoredRowsCountNeitherInTheMeanNorInTheGradient() {
    Tensor logits = Tensor.of(new float[] {1, 2, 3, 5, -1, 0, 0, 0, 0}, 3, 3);
    Tensor d = Tensor.full(7f, 3, 3); // written, not added: the 7s must disappear
    float loss = CrossEntropy.forward(logits, new int[] {2, -100, 0}, d);
    double l0 = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3)) - 3;
    double l2 = Math.log(3);
    assertThat((double) loss).isCloseTo((l0 + l2) / 2, within(1e-6));
    assertThat(d.row(1).toArray()).containsOnly(0f);
    assertThat((double) d.get(2, 0)).isCloseTo((1.0 / 3 - 1) / 2, within(1e-7));
    assertThat((double) d.get(2, 1)).isCloseTo(1.0 / 6, within(1e-7));
    // all rows ignored: loss 0, gradient 0
    assertThat(CrossEntropy.forward(logits, new int[] {-1, -1, -100}, d)).isEqualTo(0f);
    assertThat(d.toArray()).containsOnly(0f);
  }

  @Test
  void matchesReferenceAndFiniteDifferences() {
    long seed = 80;
    for (int v : new int[] {1, 3, 17, 127}) {
      int n = 5;
      Tensor logits = Tensor.randn(seed++, 3f, n, v);
      int[] targets = new int[n];
      for (int r = 0; r < n; r++) {
        targets[r] = r == 1 ? -100 : (r * 7 + 3) % v;
      }
      Tensor d = Tensor.zeros(n, v);
      float loss = CrossEntropy.forward(logits, targets, d);
      double ref = 0;
      for (int r = 0; r < n; r++) {
        if (targets[r] < 0) {
          continue;
        }
        double m = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < v; i++) {
          m = Math.max(m, logits.get(r, i));
        }
        double s = 0;
        for (int i = 0; i < v; i++) {
          s += Math.exp(logits.get(r, i) - m);
        }
        ref += m + Math.log(s) - logits.get(r, targets[r]);
      }
      assertThat((double) loss).as("loss V=%d", v).isCloseTo(ref / (n - 1), within(2e-6));
      double[] numeric = numericGradient(logits, 1e-2, x -> CrossEntropy.forward(x, targets, null));
      assertGradient("dlogits V=" + v, d.toArray(), numeric, 3e-3);
    }
  }

  @Test
  void dlogitsMayOverwriteTheLogits() {
    Tensor logits = Tensor.randn(90, 2f, 4, 33);
    int[] targets = {1, 32, 0, 7};
    Tensor d = Tensor.zeros(4, 33);
    float loss = CrossEntropy.forward(logits, targets, d);
    float lossInPlace = CrossEntropy.forward(logits, targets, logits);
    assertThat(lossInPlace).isEqualTo(loss);
    assertThat(logits.toArray()).containsExactly(d.toArray());
  }

  @Test
  void badTargetsAndShapesAreNamed() {
    Tensor logits = Tensor.zeros(2, 5);
    assertThatThrownBy(() -> CrossEntropy.forward(logits, new int[] {1, 5}, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("target 5")
        .hasMessageContaining("[0, 5)");
    assertThatThrownBy(() -> CrossEntropy.forward(logits, new int[] {1}, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("[2, 5]");
    assertThatThrownBy(() -> CrossEntropy.forward(logits, new int[] {1, 2}, Tensor.zeros(5, 2)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("CrossEntropy.forward")
        .hasMessageContaining("[2, 5]")
        .hasMessageContaining("[5, 2]");
  }
}
