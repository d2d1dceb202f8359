package dev.llmkit.tensor;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The biased decode path (T5's one-token attention) against a naive double-precision reference of
 * {@code softmax(scale·q·kᵀ + bias)·v}, per head, on the heap cache layout (keys transposed, garbage
 * past the held positions, the bias read at an offset of a larger table).
 */
class BiasedDecodeAttentionTest {

  @ParameterizedTest(name = "nHeads {0}, hd {1}, keys {2}, scale {3}, bias {4}")
  @CsvSource({
    "4, 64, 1, 1.0, true", // first decoder token
    "8, 64, 65, 1.0, true", // keys past one block
    "4, 16, 130, 0.25, false", // cross-attention: no bias, another scale
    "2, 7, 40, 1.0, true", // odd head dim: scalar tails
  })
  void matchesTheNaiveReference(int nHeads, int hd, int keys, float scale, boolean withBias) {
    int dim = nHeads * hd;
    int maxKeys = keys + 9;
    int stride = BiasedDecodeAttention.paddedStride(maxKeys);
    float[] k = RefChecks.randn(1, 1f, keys * dim);
    float[] v = RefChecks.randn(2, 1f, keys * dim);
    float[] q = RefChecks.randn(3, 1f, dim);
    float[] keysT = RefChecks.randn(4, 100f, dim * stride);
    for (int j = 0; j < keys; j++) {
      for (int c = 0; c < dim; c++) {
        keysT[c * stride + j] = k[j * dim + c];
      }
    }
    float[] values = java.util.Arrays.copyOf(v, maxKeys * dim);
    int biasStride = keys + 11;
    int biasOff = 3;
    float[] bias = withBias ? RefChecks.randn(5, 2f, biasOff + nHeads * biasStride) : null;
    Tensor out = Tensor.zeros(1, dim);
    new BiasedDecodeAttention(nHeads, hd, maxKeys).forward(Tensor.of(q, 1, dim), keysT, values,
        stride, keys, scale, bias, biasOff, biasStride, out);

    double[] expected = new double[dim];
    for (int h = 0; h < nHeads; h++) {
      double[] s = new double[keys];
      double max = Double.NEGATIVE_INFINITY;
      for (int j = 0; j < keys; j++) {
        double dot = 0;
        for (int d = 0; d < hd; d++) {
          dot += (double) q[h * hd + d] * k[j * dim + h * hd + d];
        }
        s[j] = scale * dot + (withBias ? bias[biasOff + h * biasStride + j] : 0);
        max = Math.max(max, s[j]);
      }
      double sum = 0;
      for (int j = 0; j < keys; j++) {
        s[j] = Math.exp(s[j] - max);
        sum += s[j];
      }
      for (int j = 0; j < keys; j++) {
        for (int d = 0; d < hd; d++) {
          expected[h * hd + d] += s[j] / sum * v[j * dim + h * hd + d];
        }
      }
    }
    RefChecks.assertClose("biased decode attention", out.toArray(), expected, 1e-5, 1e-4);
  }

  @Test
  void rejectsKeysTheCacheOrTheBiasCannotHold() {
    BiasedDecodeAttention a = new BiasedDecodeAttention(2, 8, 64);
    float[] cache = new float[16 * 64];
    assertThatThrownBy(() -> a.forward(Tensor.zeros(1, 16), cache, cache, 64, 65, 1f, null, 0, 0,
        Tensor.zeros(1, 16))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("keys");
    assertThatThrownBy(() -> a.forward(Tensor.zeros(1, 16), cache, cache, 64, 10, 1f, new float[14],
        0, 5, Tensor.zeros(1, 16))).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("bias");
    assertThatThrownBy(() -> a.forward(Tensor.zeros(1, 8), cache, cache, 64, 10, 1f, null, 0, 0,
        Tensor.zeros(1, 16))).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("16 elements");
  }
}
