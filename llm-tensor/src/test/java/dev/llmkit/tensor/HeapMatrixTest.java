package dev.llmkit.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** HeapMatrix.linear against a naive double-precision product, and its invariants. */
class HeapMatrixTest {

  @ParameterizedTest
  @CsvSource({
    // rows, cols: single rows and row blocks of 4 with remainders; columns below, at and past a
    // vector width with tails; shapes large enough to be split over the team
    "1,1", "3,5", "4,8", "7,17", "17,64", "130,127", "768,768", "1027,300"
  })
  void linearMatchesNaiveProduct(int rows, int cols) {
    Tensor w = Tensor.randn(rows * 31L + cols, 1f, rows, cols);
    Tensor x = Tensor.randn(7, 1f, 1, cols);
    Tensor bias = Tensor.randn(8, 1f, rows);
    HeapMatrix h = HeapMatrix.copyOf(w);
    assertThat(h.rows()).isEqualTo(rows);
    assertThat(h.cols()).isEqualTo(cols);
    assertThat(h.bytes()).isEqualTo(4L * rows * cols);

    Tensor y = Tensor.full(123f, 1, rows); // overwritten
    h.linear(x, null, y);
    double[] ref = MatmulTest.naive(w.toArray(), false, x.toArray(), false, rows, 1, cols);
    RefChecks.assertClose("W·x", y.toArray(), ref, 1e-4, 1e-5);

    h.linear(x, bias, y);
    for (int r = 0; r < rows; r++) {
      ref[r] += bias.getFlat(r);
    }
    RefChecks.assertClose("W·x + b", y.toArray(), ref, 1e-4, 1e-5);
  }

  @Test
  void agreesWithMatvecAndIgnoresLaterChangesToTheSource() {
    Tensor w = Tensor.randn(3, 0.5f, 300, 96);
    Tensor x = Tensor.randn(4, 1f, 96);
    Tensor viaBlas = Tensor.zeros(300);
    Matmul.matvec(w, x, viaBlas);
    HeapMatrix h = HeapMatrix.copyOf(w);
    w.fill(0f); // the copy was taken: the source may change
    Tensor y = Tensor.zeros(300);
    h.linear(x, null, y);
    RefChecks.assertClose("heap vs BLAS", y.toArray(), viaBlas.toArray(), 1e-5, 1e-5);
  }

  @Test
  void eachRowIsTheSameWhateverRangeComputesIt() {
    // rows are summed in a fixed order: the split over threads cannot change a bit
    int rows = 203;
    int cols = 77;
    float[] w = Tensor.randn(9, 1f, rows, cols).toArray();
    float[] x = Tensor.randn(10, 1f, cols).toArray();
    SimdKernels k = Simd.kernelsOrScalar();
    float[] whole = new float[rows];
    k.matvec(w, cols, x, whole, 0, rows);
    float[] pieces = new float[rows];
    k.matvec(w, cols, x, pieces, 0, 5);
    k.matvec(w, cols, x, pieces, 5, 102);
    k.matvec(w, cols, x, pieces, 102, rows);
    assertThat(pieces).containsExactly(whole);
  }

  @ParameterizedTest
  @CsvSource({"203, 77, 5", "64, 768, 8", "9, 40, 2", "13, 37, 1", "50, 16, 3", "45, 100, 12"})
  void linearRowsEqualsOneRowProductsBitForBit(int rows, int cols, int n) {
    // batched decoding: each row of x through linearRows equals that row alone through linear
    Tensor w = Tensor.randn(3, 1f, rows, cols);
    Tensor b = Tensor.randn(4, 1f, rows);
    Tensor x = Tensor.randn(5, 1f, n, cols);
    HeapMatrix h = HeapMatrix.copyOf(w);
    Tensor y = Tensor.zeros(n, rows);
    h.linearRows(x, b, y);
    for (int i = 0; i < n; i++) {
      Tensor alone = Tensor.zeros(1, rows);
      h.linear(x.slice(i, i + 1), b, alone);
      assertThat(y.row(i).toArray()).as("row %d", i).containsExactly(alone.toArray());
    }
    // and the default (row by row) of any WeightMatrix, here F32 through BLAS
    F32Matrix f = F32Matrix.of(w);
    f.linearRows(x, b, y);
    for (int i = 0; i < n; i++) {
      Tensor alone = Tensor.zeros(1, rows);
      f.linear(x.slice(i, i + 1), b, alone);
      assertThat(y.row(i).toArray()).containsExactly(alone.toArray());
    }
  }

  @ParameterizedTest
  @CsvSource({"31, 45, 2", "31, 45, 4", "30, 48, 8", "31, 45, 8", "33, 64, 13", "7, 3, 16", "1, 45, 5",
      "70, 768, 8", "41, 1003, 17", "9, 2051, 8", "5, 8, 24"})
  void matvecRowsEqualsOneMatvecPerVector(int rows, int cols, int n) throws Exception {
    // every group size of the kernel (8 packed, 2, 1 vectors; odd rows of W; a tail after the
    // last whole vector) gives each vector exactly matvec's bits
    float[] w = Tensor.randn(9, 1f, rows, cols).toArray();
    float[][] xs = new float[n][];
    for (int j = 0; j < n; j++) {
      xs[j] = Tensor.randn(10 + j, 1f, cols).toArray();
    }
    for (SimdKernels k : new SimdKernels[] {Simd.kernelsOrScalar(), ScalarKernels.INSTANCE}) {
      float[][] ys = new float[n][rows];
      k.matvecRows(w, cols, xs, ys, n, 0, rows);
      assertEqualsMatvec(k, w, rows, cols, xs, ys, k.toString());
    }
    if (Simd.enabled()) {
      // without the packed copy (every vector by pairs), and over row ranges that start and end
      // anywhere (odd rows, several tiles)
      SimdKernels k = Simd.kernels();
      float[][] ys = new float[n][rows];
      k.matvecRows(w, cols, xs, null, ys, n, 0, rows);
      assertEqualsMatvec(k, w, rows, cols, xs, ys, "unpacked");
      float[] packed = k.packRows(xs, n, cols, new float[1]);
      ys = new float[n][rows];
      for (int r0 = 0; r0 < rows; r0 += 3) {
        k.matvecRows(w, cols, xs, packed, ys, n, r0, Math.min(rows, r0 + 3));
      }
      assertEqualsMatvec(k, w, rows, cols, xs, ys, "ranges of 3 rows");
    }
  }

  private static void assertEqualsMatvec(
      SimdKernels k, float[] w, int rows, int cols, float[][] xs, float[][] ys, String what) {
    for (int j = 0; j < xs.length; j++) {
      float[] e = new float[rows];
      k.matvec(w, cols, xs[j], e, 0, rows);
      assertThat(ys[j]).as("%s, vector %d", what, j).containsExactly(e);
    }
  }

  @Test
  void rejectsWrongShapesNamingThem() {
    HeapMatrix h = HeapMatrix.copyOf(Tensor.zeros(4, 3));
    assertThatThrownBy(() -> h.linear(Tensor.zeros(4), null, Tensor.zeros(4)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("expected x (3)")
        .hasMessageContaining("got x [4]");
    assertThatThrownBy(() -> h.linear(Tensor.zeros(3), Tensor.zeros(3), Tensor.zeros(4)))
        .hasMessageContaining("bias [3]");
    assertThatThrownBy(() -> HeapMatrix.copyOf(Tensor.zeros(2, 2, 2)))
        .hasMessageContaining("expected a 2-D matrix, got [2, 2, 2]");
  }
}
