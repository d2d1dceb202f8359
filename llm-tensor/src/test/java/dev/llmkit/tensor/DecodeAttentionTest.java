package dev.llmkit.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The decode path against the naive double reference of {@link AttentionTest}, on a cache layout. */
class DecodeAttentionTest {

  @ParameterizedTest(name = "nHeads {0}, nKv {1}, hd {2}, keys {3}")
  @CsvSource({
    "12, 12, 64, 1", // first token
    "12, 12, 64, 257", // GPT-2 shape, keys not a multiple of the block
    "4, 1, 16, 100", // multi-query
    "8, 2, 48, 130", // grouped-query, head dim not a multiple of 4 vectors
    "2, 2, 7, 64", // odd head dim: scalar tails
  })
  void matchesTheReferenceOnTheLastQueryRow(int nHeads, int nKv, int hd, int keys) {
    int kvDim = nKv * hd;
    int maxKeys = keys + 5;
    int stride = DecodeAttention.paddedStride(maxKeys);
    float[] k = RefChecks.randn(1, 1f, keys * kvDim);
    float[] v = RefChecks.randn(2, 1f, keys * kvDim);
    float[] q = RefChecks.randn(3, 1f, nHeads * hd);
    // the cache: keys transposed (kvDim, stride), garbage beyond the held positions
    float[] keysT = RefChecks.randn(4, 100f, kvDim * stride);
    for (int j = 0; j < keys; j++) {
      for (int c = 0; c < kvDim; c++) {
        keysT[c * stride + j] = k[j * kvDim + c];
      }
    }
    float[] values = java.util.Arrays.copyOf(v, maxKeys * kvDim);
    Tensor out = Tensor.zeros(1, nHeads * hd);
    new DecodeAttention(nHeads, nKv, hd, maxKeys)
        .forward(Tensor.of(q, 1, nHeads * hd), keysT, values, stride, keys, out);

    // the reference: the last of `keys` causal query rows is the one new token
    double[] qd = new double[keys * nHeads * hd];
    for (int i = 0; i < nHeads * hd; i++) {
      qd[(keys - 1) * nHeads * hd + i] = q[i];
    }
    double[] expected =
        java.util.Arrays.copyOfRange(
            AttentionTest.reference(qd, toDouble(k), toDouble(v), keys, keys, nHeads, nKv, hd, AttentionMask.CAUSAL, 0)[0],
            (keys - 1) * nHeads * hd, keys * nHeads * hd);
    RefChecks.assertClose("decode attention", out.toArray(), expected, 1e-5, 1e-4);
  }

  @ParameterizedTest
  @CsvSource({"0, 64", "65, 128", "10, 60"})
  void rejectsKeyLengthsAndStridesTheCacheCannotHold(int keys, int stride) {
    DecodeAttention a = new DecodeAttention(2, 2, 8, 64);
    assertThatThrownBy(() -> a.forward(Tensor.zeros(1, 16), new float[16 * stride], new float[16 * stride], stride, keys, Tensor.zeros(1, 16)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("keys");
  }

  @org.junit.jupiter.api.Test
  void paddedStrideIsAMultipleOfTheBlock() {
    assertThat(DecodeAttention.paddedStride(1)).isEqualTo(64);
    assertThat(DecodeAttention.paddedStride(64)).isEqualTo(64);
    assertThat(DecodeAttention.paddedStride(1000)).isEqualTo(1024);
  }

  private static double[] toDouble(float[] f) {
    double[] d = new double[f.length];
    for (int i = 0; i < f.length; i++) {
      d[i] = f[i];
    }
    return d;
  }
}
