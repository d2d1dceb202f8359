package dev.llmkit.training.loss;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import dev.llmkit.tensor.Tensor;
import org.junit.jupiter.api.Test;

class CrossEntropyLossTest {

  @Test
  void knownValuesOfATwoRowExample() {
    // row 0: logits (0, ln 3) -> p = (1/4, 3/4); target 1 -> log p = ln(3/4)
    // row 1: logits (1000, 1000) -> p = (1/2, 1/2) (needs the max subtracted); target 0
    CrossEntropyLoss ce = new CrossEntropyLoss(3, 2);
    Tensor logits = Tensor.of(new float[] {0f, (float) Math.log(3), 1000f, 1000f, 5f, -5f}, 3, 2);
    float loss = ce.forward(logits, new int[] {1, 0, -1});
    double lp0 = Math.log(0.75);
    double lp1 = Math.log(0.5);
    assertThat(ce.count()).isEqualTo(2);
    assertThat(ce.targetLogProbs()[0]).isCloseTo((float) lp0, offset(1e-6f));
    assertThat(ce.targetLogProbs()[1]).isCloseTo((float) lp1, offset(1e-6f));
    assertThat(ce.targetLogProbs()[2]).isZero();
    assertThat(loss).isCloseTo((float) (-(lp0 + lp1) / 2), offset(1e-6f));
    // d(mean CE)/dlogits = (softmax - onehot) / count; ignored row zero
    float[] g = ce.backward(logits).toArray();
    assertThat(g).containsExactly(new float[] {0.125f, -0.125f, -0.25f, 0.25f, 0f, 0f}, offset(1e-6f));
  }

  @Test
  void meanLossAndGradientEqualADoublePrecisionReference() {
    int n = 7;
    int v = 13;
    Tensor logits = Tensor.randn(3, 2f, n, v);
    int[] targets = {0, 12, -1, 5, 5, -1, 7};
    CrossEntropyLoss ce = new CrossEntropyLoss(n, v);
    float loss = ce.forward(logits, targets);
    // reference: mean over counted rows of -log softmax(target); gradient (softmax - onehot) / count
    int count = 5;
    double sum = 0;
    float[] expectedGrad = new float[n * v];
    for (int i = 0; i < n; i++) {
      if (targets[i] < 0) {
        continue;
      }
      double max = Double.NEGATIVE_INFINITY;
      for (int j = 0; j < v; j++) {
        max = Math.max(max, logits.get(i, j));
      }
      double z = 0;
      for (int j = 0; j < v; j++) {
        z += Math.exp(logits.get(i, j) - max);
      }
      sum -= logits.get(i, targets[i]) - max - Math.log(z);
      for (int j = 0; j < v; j++) {
        double p = Math.exp(logits.get(i, j) - max) / z;
        expectedGrad[i * v + j] = (float) ((p - (j == targets[i] ? 1 : 0)) / count);
      }
    }
    assertThat(loss).isCloseTo((float) (sum / count), offset(1e-5f));
    assertThat(ce.backward(logits).toArray()).containsExactly(expectedGrad, offset(1e-6f));
  }

  @Test
  void weightedBackwardIsTheGradientOfTheWeightedLogProbs() {
    int n = 4;
    int v = 6;
    Tensor logits = Tensor.randn(4, 1.5f, n, v);
    int[] targets = {2, -1, 0, 5};
    float[] w = {0.7f, 3f, -1.3f, 0.2f};
    CrossEntropyLoss ce = new CrossEntropyLoss(n, v);
    ce.forward(logits, targets);
    float[] g = ce.backward(logits, w).toArray();
    // central differences of Σ w_i log p_i, element by element
    float eps = 1e-2f;
    for (int k = 0; k < n * v; k++) {
      float x = logits.getFlat(k);
      logits.setFlat(k, x + eps);
      double plus = weighted(ce, logits, targets, w);
      logits.setFlat(k, x - eps);
      double minus = weighted(ce, logits, targets, w);
      logits.setFlat(k, x);
      assertThat((double) g[k]).as("element " + k).isCloseTo((plus - minus) / (2 * eps), offset(2e-3));
    }
    // the ignored row gets no gradient whatever its weight
    for (int j = 0; j < v; j++) {
      assertThat(g[v + j]).isZero();
    }
  }

  private static double weighted(CrossEntropyLoss ce, Tensor logits, int[] targets, float[] w) {
    ce.forward(logits, targets);
    double s = 0;
    for (int i = 0; i < w.length; i++) {
      s += w[i] * ce.targetLogProbs()[i];
    }
    return s;
  }

  @Test
  void allRowsIgnoredGivesZeroLossAndZeroGradient() {
    CrossEntropyLoss ce = new CrossEntropyLoss(2, 3);
    Tensor logits = Tensor.randn(1, 1f, 2, 3);
    assertThat(ce.forward(logits, new int[] {-1, -1})).isZero();
    assertThat(ce.backward(logits).toArray()).containsOnly(0f);
  }

  @Test
  void badInputsAreNamed() {
    CrossEntropyLoss ce = new CrossEntropyLoss(2, 3);
    Tensor logits = Tensor.zeros(2, 3);
    assertThatThrownBy(() -> ce.forward(logits, new int[] {0, 3}))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("target 3");
    assertThatThrownBy(() -> ce.forward(Tensor.zeros(2, 4), new int[] {0, 1}))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[2, 4]");
    assertThatThrownBy(() -> new CrossEntropyLoss(2, 3).backward(logits))
        .isInstanceOf(IllegalStateException.class);
  }
}
