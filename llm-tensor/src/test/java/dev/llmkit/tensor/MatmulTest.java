package dev.llmkit.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Matmul, matvec and linear against naive double-precision references. */
class MatmulTest {

  /** Naive reference: op(a)·op(b) for 2-D row-major arrays, in double. */
  static double[] naive(float[] a, boolean ta, float[] b, boolean tb, int m, int n, int k) {
    double[] c = new double[m * n];
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        double s = 0;
        for (int p = 0; p < k; p++) {
          double x = ta ? a[p * m + i] : a[i * k + p];
          double y = tb ? b[j * k + p] : b[p * n + j];
          s += x * y;
        }
        c[i * n + j] = s;
      }
    }
    return c;
  }

  static void assertClose(float[] actual, double[] expected, double tol) {
    assertThat(actual).hasSize(expected.length);
    for (int i = 0; i < expected.length; i++) {
      if (!(Math.abs(actual[i] - expected[i]) <= tol * (1 + Math.abs(expected[i])))) { // also catches NaN
        assertThat((double) actual[i]).as("element %d", i).isCloseTo(expected[i], within(tol * (1 + Math.abs(expected[i]))));
      }
    }
  }


  @ParameterizedTest
  @CsvSource({
    "1,1,1", "3,17,5", "17,127,3", "127,3,17", "1,127,64", "33,1,9",
    // above Blas.MIN_PARALLEL_MADDS: split over the team by rows (m >= n) or by columns (m < n)
    "301,70,40", "70,301,40", "129,131,33"
  })
  void matmulMatchesNaiveForEveryTransposition(int m, int n, int k) {
    long seed = m * 1000L + n * 10L + k;
    for (int mode = 0; mode < 4; mode++) {
      boolean ta = (mode & 1) != 0;
      boolean tb = (mode & 2) != 0;
      Tensor a = Tensor.randn(seed, 1f, ta ? k : m, ta ? m : k);
      Tensor b = Tensor.randn(seed + 1, 1f, tb ? n : k, tb ? k : n);
      Tensor out = Tensor.full(123f, m, n); // overwritten, not accumulated
      Matmul.matmul(a, ta, b, tb, out, false);
      double[] ref = naive(a.toArray(), ta, b.toArray(), tb, m, n, k);
      assertClose(out.toArray(), ref, 1e-4);

      // accumulate: out += a·b
      Matmul.matmul(a, ta, b, tb, out, true);
      for (int i = 0; i < ref.length; i++) {
        ref[i] *= 2;
      }
      assertClose(out.toArray(), ref, 1e-4);
    }
  }

  @ParameterizedTest
  @CsvSource({"3,5", "400,300", "300,401", "1,70000", "70000,1"})
  void sgemvBothWaysMatchNaiveWhetherSplitOrNot(int m, int n) {
    // y (m) = A (m, n) · x (n) and y (n) = Aᵀ · x (m), row-major A, the second path split by columns
    Tensor a = Tensor.randn(m + n, 1f, m, n);
    Tensor x = Tensor.randn(7, 1f, n);
    Tensor xt = Tensor.randn(8, 1f, m);
    Tensor y = Tensor.full(5f, m);
    Tensor yt = Tensor.full(5f, n);
    Blas.sgemv(m, n, 1f, a.address(), n, x.address(), 0f, y.address());
    Blas.sgemvTrans(m, n, 1f, a.address(), n, xt.address(), 0f, yt.address());
    float[] av = a.toArray();
    double[] ref = new double[m];
    double[] refT = new double[n];
    for (int r = 0; r < m; r++) {
      for (int c = 0; c < n; c++) {
        ref[r] += (double) av[r * n + c] * x.getFlat(c);
        refT[c] += (double) av[r * n + c] * xt.getFlat(r);
      }
    }
    assertClose(y.toArray(), ref, 1e-4);
    assertClose(yt.toArray(), refT, 1e-4);
  }

  @Test
  void matmulOnViewsWritesOnlyTheView() {
    Tensor bigA = Tensor.randn(1, 1f, 10, 7);
    Tensor bigOut = Tensor.zeros(10, 5);
    Tensor a = bigA.slice(3, 6); // (3, 7)
    Tensor b = Tensor.randn(2, 1f, 7, 5);
    Tensor out = bigOut.slice(4, 7);
    Matmul.matmul(a, false, b, false, out, false);
    assertClose(out.toArray(), naive(a.toArray(), false, b.toArray(), false, 3, 5, 7), 1e-5);
    for (int i = 0; i < 5 * 4; i++) {
      assertThat(bigOut.getFlat(i)).isZero();
    }
    for (int i = 7 * 5; i < 50; i++) {
      assertThat(bigOut.getFlat(i)).isZero();
    }
  }

  @Test
  void batchedMatmulMultipliesEachEntryAndBroadcastsA2dB() {
    int bsz = 3;
    int m = 4;
    int k = 17;
    int n = 5;
    Tensor a = Tensor.randn(3, 1f, bsz, m, k);
    Tensor b3 = Tensor.randn(4, 1f, bsz, n, k);
    Tensor out = Tensor.zeros(bsz, m, n);
    Matmul.matmul(a, false, b3, true, out, false);
    for (int i = 0; i < bsz; i++) {
      assertClose(out.row(i).toArray(), naive(a.row(i).toArray(), false, b3.row(i).toArray(), true, m, n, k), 1e-4);
    }
    Tensor b2 = Tensor.randn(5, 1f, k, n);
    Matmul.matmul(a, false, b2, false, out, false);
    for (int i = 0; i < bsz; i++) {
      assertClose(out.row(i).toArray(), naive(a.row(i).toArray(), false, b2.toArray(), false, m, n, k), 1e-4);
    }
    Tensor alloc = Matmul.matmul(a, b2);
    assertThat(alloc.shape()).containsExactly(bsz, m, n);
    assertThat(alloc.toArray()).containsExactly(out.toArray());
  }

  @Test
  void matmulShapeMismatchNamesOperationAndShapes() {
    assertThatThrownBy(() -> Matmul.matmul(Tensor.zeros(2, 3), false, Tensor.zeros(4, 5), false, Tensor.zeros(2, 5), false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("matmul")
        .hasMessageContaining("[2, 3]")
        .hasMessageContaining("[4, 5]");
    assertThatThrownBy(() -> Matmul.matmul(Tensor.zeros(2, 3), false, Tensor.zeros(3, 5), false, Tensor.zeros(5, 2), false))
        .hasMessageContaining("[5, 2]");
    assertThatThrownBy(() -> Matmul.matvec(Tensor.zeros(4, 3), Tensor.zeros(4), Tensor.zeros(4)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("matvec")
        .hasMessageContaining("[4, 3]")
        .hasMessageContaining("[4]");
    assertThatThrownBy(() -> Matmul.linear(Tensor.zeros(2, 3), Tensor.zeros(4, 5), null, Tensor.zeros(2, 4)))
        .hasMessageContaining("linear")
        .hasMessageContaining("[2, 3]")
        .hasMessageContaining("[4, 5]");
  }

  @ParameterizedTest
  @CsvSource({"1,1", "3,17", "17,3", "127,127", "5,1", "1,300", "768,64", "1001,33"})
  void everyMatvecPathMatchesNaive(int n, int k) {
    Tensor w = Tensor.randn(n * 31L + k, 1f, n, k);
    Tensor x = Tensor.randn(k, 1f, k);
    double[] ref = naive(w.toArray(), false, x.toArray(), false, n, 1, k);
    Tensor out = Tensor.full(9f, n);
    Matmul.matvec(w, x, out);
    assertClose(out.toArray(), ref, 1e-4);
    out.fill(9f);
    Matmul.matvecBlas(w, x, out);
    assertClose(out.toArray(), ref, 1e-4);
    out.fill(9f);
    Matmul.matvecScalar(w, x, out);
    assertClose(out.toArray(), ref, 1e-4);
  }

  @Test
  void matvecOnRowViewsOfALargerMatrix() {
    Tensor big = Tensor.randn(8, 1f, 20, 33);
    Tensor w = big.slice(5, 18);
    Tensor x = Tensor.randn(9, 1f, 1, 33); // (1, K) is fine too
    Tensor out = Tensor.zeros(13);
    Matmul.matvec(w, x, out);
    assertClose(out.toArray(), naive(w.toArray(), false, x.toArray(), false, 13, 1, 33), 1e-4);
  }

  @Test
  void matvecIsBitForBitRepeatable() {
    Tensor w = Tensor.randn(1, 1f, 3072, 768);
    Tensor x = Tensor.randn(2, 1f, 768);
    Tensor o1 = Tensor.zeros(3072);
    Tensor o2 = Tensor.zeros(3072);
    Matmul.matvec(w, x, o1);
    Matmul.matvec(w, x, o2);
    assertThat(o2.toArray()).containsExactly(o1.toArray());
    Tensor a = Tensor.randn(3, 1f, 64, 96);
    Tensor b = Tensor.randn(4, 1f, 96, 80);
    assertThat(Matmul.matmul(a, b).toArray()).containsExactly(Matmul.matmul(a, b).toArray());
  }

  @ParameterizedTest
  @CsvSource({"1,3,5", "1,127,17", "3,17,1", "7,33,65"})
  void linearIsXTimesWTransposedPlusBias(int rows, int in, int outF) {
    Tensor x = Tensor.randn(rows, 1f, rows, in);
    Tensor w = Tensor.randn(in, 1f, outF, in);
    Tensor bias = Tensor.randn(outF, 1f, outF);
    double[] ref = naive(x.toArray(), false, w.toArray(), true, rows, outF, in);
    Tensor y = Tensor.full(5f, rows, outF);
    Matmul.linear(x, w, null, y);
    assertClose(y.toArray(), ref, 1e-4);
    for (int r = 0; r < rows; r++) {
      for (int j = 0; j < outF; j++) {
        ref[r * outF + j] += bias.getFlat(j);
      }
    }
    y.fill(5f);
    Matmul.linear(x, w, bias, y);
    assertClose(y.toArray(), ref, 1e-4);
  }

  @Test
  void linearAcceptsLeadingBatchDimensions() {
    Tensor x = Tensor.randn(1, 1f, 2, 3, 7);
    Tensor w = Tensor.randn(2, 1f, 5, 7);
    Tensor y = Tensor.zeros(2, 3, 5);
    Matmul.linear(x, w, null, y);
    assertClose(y.toArray(), naive(x.toArray(), false, w.toArray(), true, 6, 5, 7), 1e-4);
  }

  /**
   * Finite differences of L = Σ y∘g with y = linear(x, w, b), in double, against linearBackward,
   * which must also add into (not overwrite) the gradients it is given.
   */
  @ParameterizedTest
  @CsvSource({"1,3,5", "4,17,3", "3,1,127"})
  void linearBackwardMatchesFiniteDifferencesAndAccumulates(int rows, int in, int outF) {
    Tensor x = Tensor.randn(11, 1f, rows, in);
    Tensor w = Tensor.randn(12, 1f, outF, in);
    Tensor b = Tensor.randn(13, 1f, outF);
    Tensor g = Tensor.randn(14, 1f, rows, outF);
    Tensor dx = Tensor.full(0.5f, rows, in);
    Tensor dw = Tensor.full(0.5f, outF, in);
    Tensor db = Tensor.full(0.5f, outF);
    Matmul.linearBackward(x, w, g, dx, dw, db);

    double[] xs = toDouble(x);
    double[] ws = toDouble(w);
    double[] bs = toDouble(b);
    double[] gs = toDouble(g);
    double h = 1e-6;
    for (int i = 0; i < xs.length; i++) {
      double fd = fdLinear(xs, ws, bs, gs, rows, in, outF, 0, i, h);
      assertThat((double) dx.getFlat(i) - 0.5).isCloseTo(fd, within(1e-4 * (1 + Math.abs(fd))));
    }
    for (int i = 0; i < ws.length; i++) {
      double fd = fdLinear(xs, ws, bs, gs, rows, in, outF, 1, i, h);
      assertThat((double) dw.getFlat(i) - 0.5).isCloseTo(fd, within(1e-4 * (1 + Math.abs(fd))));
    }
    for (int i = 0; i < bs.length; i++) {
      double fd = fdLinear(xs, ws, bs, gs, rows, in, outF, 2, i, h);
      assertThat((double) db.getFlat(i) - 0.5).isCloseTo(fd, within(1e-4 * (1 + Math.abs(fd))));
    }
    // null gradients are simply skipped
    Matmul.linearBackward(x, w, g, null, null, null);
  }

  private static double[] toDouble(Tensor t) {
    float[] f = t.toArray();
    double[] d = new double[f.length];
    for (int i = 0; i < f.length; i++) {
      d[i] = f[i];
    }
    return d;
  }

  private static double lossLinear(double[] x, double[] w, double[] b, double[] g, int rows, int in, int outF) {
    double loss = 0;
    for (int r = 0; r < rows; r++) {
      for (int j = 0; j < outF; j++) {
        double y = b[j];
        for (int p = 0; p < in; p++) {
          y += x[r * in + p] * w[j * in + p];
        }
        loss += y * g[r * outF + j];
      }
    }
    return loss;
  }

  private static double fdLinear(
      double[] x, double[] w, double[] b, double[] g, int rows, int in, int outF, int which, int i, double h) {
    double[] t = which == 0 ? x : which == 1 ? w : b;
    double old = t[i];
    t[i] = old + h;
    double up = lossLinear(x, w, b, g, rows, in, outF);
    t[i] = old - h;
    double down = lossLinear(x, w, b, g, rows, in, outF);
    t[i] = old;
    return (up - down) / (2 * h);
  }
}
