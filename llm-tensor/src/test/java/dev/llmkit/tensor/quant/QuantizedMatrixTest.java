package dev.llmkit.tensor.quant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmkit.tensor.Simd;
import dev.llmkit.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/**
 * QuantizedMatrix products against a double-precision product of its own dequantized weights
 * (whose bit-exactness QuantTypeTest checks against llama.cpp), one row and many.
 */
class QuantizedMatrixTest {

  /** y: (T, rows) = x: (T, cols) · Wᵀ + b in double. */
  static double[] reference(float[] w, float[] x, float[] b, int t, int rows, int cols) {
    double[] y = new double[t * rows];
    for (int i = 0; i < t; i++) {
      for (int r = 0; r < rows; r++) {
        double s = b == null ? 0 : b[r];
        for (int c = 0; c < cols; c++) {
          s += (double) w[r * cols + c] * x[i * cols + c];
        }
        y[i * rows + r] = s;
      }
    }
    return y;
  }

  static void assertClose(float[] got, double[] want, float[] w, float[] x, int t, int rows, int cols, String what) {
    for (int i = 0; i < t; i++) {
      for (int r = 0; r < rows; r++) {
        // float sums of cols products: error bound from the magnitudes, not the (cancelling) result
        double mag = 0;
        for (int c = 0; c < cols; c++) {
          mag += Math.abs((double) w[r * cols + c] * x[i * cols + c]);
        }
        double tol = 1e-5 * mag + 1e-6;
        assertThat((double) got[i * rows + r]).as("%s y[%d,%d]", what, i, r)
            .isCloseTo(want[i * rows + r], org.assertj.core.data.Offset.offset(tol));
      }
    }
  }

  @ParameterizedTest
  @CsvSource({
    // type, rows, cols, T: one row (decode) and several (prefill, more than one tile)
    "Q8_0,37,96,1", "Q8_0,300,512,1", "Q8_0,300,512,5", "Q8_0,5,64,3",
    "Q4_0,37,96,1", "Q4_0,300,512,1", "Q4_0,300,512,5",
    "Q4_K,37,256,1", "Q4_K,300,512,1", "Q4_K,300,512,5",
    "Q5_K,37,256,1", "Q5_K,300,512,4",
    "Q6_K,37,256,1", "Q6_K,300,512,1", "Q6_K,300,512,5"
  })
  void linearMatchesDoubleProductOfDequantizedWeights(QuantType type, int rows, int cols, int t) {
    Tensor w = Tensor.randn(rows * 7L + cols, 0.5f, rows, cols);
    Tensor x = Tensor.randn(3, 1f, t, cols);
    Tensor b = Tensor.randn(4, 1f, rows);
    QuantizedMatrix q = QuantizedMatrix.quantize(w, type);
    assertThat(q.rows()).isEqualTo(rows);
    assertThat(q.cols()).isEqualTo(cols);
    // what a product reads: the blocks, or for Q6_K its levels (Q6KLevels: 274 bytes per 256 weights)
    assertThat(q.bytes()).isEqualTo(type == QuantType.Q6_K ? rows * cols * 274L / 256 : type.bytes(rows, cols));
    float[] dq = q.toTensor().toArray();
    // the quantization error itself is small: the weights are w, not something else
    float[] wa = w.toArray();
    double err = 0;
    double norm = 0;
    for (int i = 0; i < wa.length; i++) {
      err += (dq[i] - wa[i]) * (double) (dq[i] - wa[i]);
      norm += wa[i] * (double) wa[i];
    }
    assertThat(Math.sqrt(err / norm)).isLessThan(type == QuantType.Q8_0 ? 0.01 : 0.1);

    Tensor y = Tensor.full(123f, t, rows); // overwritten
    q.linear(x, null, y);
    assertClose(y.toArray(), reference(dq, x.toArray(), null, t, rows, cols), dq, x.toArray(), t, rows, cols, type + " no bias");
    q.linear(x, b, y);
    assertClose(y.toArray(), reference(dq, x.toArray(), b.toArray(), t, rows, cols), dq, x.toArray(), t, rows, cols, type + " bias");
  }

  @ParameterizedTest
  @EnumSource(QuantType.class)
  void vectorAndScalarKernelsAgree(QuantType type) {
    int rows = 9;
    int cols = 768;
    Tensor w = Tensor.randn(11, 1f, rows, cols);
    QuantizedMatrix q = QuantizedMatrix.quantize(w, type);
    byte[] data = new byte[(int) q.bytes()];
    for (int r = 0; r < rows; r++) {
      System.arraycopy(q.rowBytes(r), 0, data, r * (int) type.bytes(1, cols), (int) type.bytes(1, cols));
    }
    float[] x = Tensor.randn(12, 1f, cols).toArray();
    float[] xsum = new float[cols / 32];
    for (int i = 0; i < cols; i++) {
      xsum[i / 32] += x[i];
    }
    float[] ys = new float[rows];
    float[] yk = new float[rows];
    ScalarQuantKernels.INSTANCE.matvec(type, data, cols, x, xsum, ys, 0, rows);
    QuantizedMatrix.KERNELS.matvec(type, data, cols, x, xsum, yk, 2, rows); // a sub-range
    for (int r = 2; r < rows; r++) {
      assertThat(yk[r]).isCloseTo(ys[r], org.assertj.core.data.Offset.offset(1e-3f));
    }
  }

  @Test
  void kernelsFollowTheVectorModule() {
    boolean expected = Boolean.parseBoolean(System.getProperty("llmkit.simd.expected", "true"));
    assertThat(Simd.enabled()).isEqualTo(expected);
    assertThat(QuantizedMatrix.kernels()).startsWith(expected ? "Vector API" : "plain Java");
    if (expected) { // 256-bit unless 512 is asked for and the JIT has 512-bit vectors
      boolean wide = "512".equals(System.getProperty("llmkit.quant.vectorBits"))
          && jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length() >= 16;
      assertThat(QuantizedMatrix.kernels()).endsWith(wide ? "512-bit" : "256-bit");
    }
  }

  @Test
  void badShapesAreNamed() {
    assertThatThrownBy(() -> QuantizedMatrix.of(QuantType.Q8_0, 2, 64, new byte[100]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Q8_0").hasMessageContaining("(2, 64)").hasMessageContaining("136").hasMessageContaining("100");
    assertThatThrownBy(() -> QuantizedMatrix.quantize(Tensor.zeros(2, 100), QuantType.Q4_K))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("100");
    QuantizedMatrix q = QuantizedMatrix.quantize(Tensor.zeros(4, 64), QuantType.Q4_0);
    assertThatThrownBy(() -> q.linear(Tensor.zeros(1, 63), null, Tensor.zeros(1, 4)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("(T, 64)").hasMessageContaining("[1, 63]");
    assertThatThrownBy(() -> q.linear(Tensor.zeros(1, 64), Tensor.zeros(3), Tensor.zeros(1, 4)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("b (4)");
  }
}
