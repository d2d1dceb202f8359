package dev.llmkit.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import dev.llmkit.model.config.ModelConfig;
import dev.llmkit.model.nn.Transformer;
import dev.llmkit.model.weights.ModelWeights;
import dev.llmkit.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Next-token distributions, sequence scores and attention maps, checked against logits by hand. */
class ProbabilitiesTest {

  static final ModelConfig CONFIG = ModelConfig.gpt2(61, 32, 2, 4, 16);
  static final Transformer MODEL = new Transformer(ModelWeights.init(CONFIG, 9, 0.6f));

  /** Softmax in double precision of the session's logits. */
  static double[] softmax(float[] logits) {
    double max = Double.NEGATIVE_INFINITY;
    for (float l : logits) {
      max = Math.max(max, l);
    }
    double sum = 0;
    double[] p = new double[logits.length];
    for (int i = 0; i < p.length; i++) {
      p[i] = Math.exp(logits[i] - max);
      sum += p[i];
    }
    for (int i = 0; i < p.length; i++) {
      p[i] /= sum;
    }
    return p;
  }

  @Test
  void theTopNextTokensAreTheLargestSoftmaxProbabilitiesInOrder() {
    int[] prompt = {3, 14, 15, 9, 26};
    double[] p = softmax(MODEL.newSession().forward(prompt).clone());
    List<TokenProbability> top = Probabilities.nextToken(MODEL, prompt, 5);
    assertThat(top).hasSize(5);
    for (int i = 0; i < top.size(); i++) {
      TokenProbability t = top.get(i);
      assertThat((double) t.probability()).isCloseTo(p[t.token()], offset(1e-6));
      if (i > 0) {
        assertThat(t.probability()).isLessThanOrEqualTo(top.get(i - 1).probability());
      }
      // exactly i tokens are more likely than the i-th
      int better = 0;
      for (double q : p) {
        if (q > p[t.token()]) {
          better++;
        }
      }
      assertThat(better).isEqualTo(i);
    }
    List<TokenProbability> all = Probabilities.nextToken(MODEL, prompt, 1000);
    assertThat(all).hasSize(61);
    assertThat(all.stream().mapToDouble(TokenProbability::probability).sum()).isCloseTo(1.0, offset(1e-5));
  }

  @Test
  void aScoreIsTheLogSoftmaxOfEachNextTokenAndItsPerplexity() {
    int[] ids = {1, 2, 3, 5, 8, 13, 21, 34};
    SequenceScore s = Probabilities.score(MODEL, ids);
    assertThat(s.logProbabilities()).hasSize(ids.length - 1);
    double sum = 0;
    for (int i = 0; i + 1 < ids.length; i++) {
      double[] p = softmax(MODEL.newSession().forward(java.util.Arrays.copyOf(ids, i + 1)).clone());
      assertThat((double) s.logProbabilities()[i]).isCloseTo(Math.log(p[ids[i + 1]]), offset(1e-4));
      sum += Math.log(p[ids[i + 1]]);
    }
    assertThat(s.totalLogProbability()).isCloseTo(sum, offset(1e-3));
    // relative: float rounding of the log-probabilities (~1e-6 each) scales with the perplexity
    double perplexity = Math.exp(-sum / (ids.length - 1));
    assertThat(s.perplexity()).isCloseTo(perplexity, offset(1e-5 * perplexity));
  }

  @Test
  void attentionMapsAreCausalDistributions() {
    int[] ids = {4, 8, 15, 16, 23, 42};
    Tensor[] maps = Probabilities.attention(MODEL, ids);
    assertThat(maps).hasSize(2);
    for (Tensor m : maps) {
      assertThat(m.shape()).containsExactly(4, 6, 6);
      for (int h = 0; h < 4; h++) {
        for (int i = 0; i < 6; i++) {
          double rowSum = 0;
          for (int j = 0; j < 6; j++) {
            float a = m.get(h, i, j);
            if (j > i) {
              assertThat(a).isZero();
            }
            rowSum += a;
          }
          assertThat(rowSum).isCloseTo(1.0, offset(1e-5));
        }
      }
    }
    // query 0 can only attend to itself
    assertThat(maps[0].get(0, 0, 0)).isEqualTo(1f, offset(1e-6f));
  }

  @Test
  void badArgumentsAreRejected() {
    assertThatThrownBy(() -> Probabilities.nextToken(MODEL, new int[0], 3))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 1");
    assertThatThrownBy(() -> Probabilities.nextToken(MODEL, new int[] {1}, 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("topN");
    assertThatThrownBy(() -> Probabilities.score(MODEL, new int[] {1}))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 2");
    assertThatThrownBy(() -> Probabilities.nextToken(MODEL, new int[] {61}, 3))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("61");
  }
}
