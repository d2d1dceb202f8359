package dev.llmkit.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/** {@link Matmul#matmulTransBColumns}: a band of columns of a wider product, against a double loop. */
class MatmulColumnsTest {

  @Test
  void writesOnlyItsBandOfColumns() {
    int m = 7;
    int k = 19;
    int n = 5;
    int wide = 13;
    int col0 = 6;
    Tensor a = Tensor.randn(1, 1f, m, k);
    Tensor tile = Tensor.randn(2, 1f, n * k + 3); // longer than n·K: only the first n·K are read
    float[] av = a.toArray();
    float[] tv = tile.toArray();
    for (boolean acc : new boolean[] {false, true}) {
      Tensor out = Tensor.full(0.5f, m, wide);
      Matmul.matmulTransBColumns(a, tile, n, out, col0, acc);
      float[] o = out.toArray();
      for (int i = 0; i < m; i++) {
        for (int j = 0; j < wide; j++) {
          double want = 0.5;
          if (j >= col0 && j < col0 + n) {
            double s = 0;
            for (int c = 0; c < k; c++) {
              s += (double) av[i * k + c] * tv[(j - col0) * k + c];
            }
            want = acc ? 0.5 + s : s;
          }
          assertThat((double) o[i * wide + j]).as("acc %s out[%d,%d]", acc, i, j).isCloseTo(want, Offset.offset(1e-4));
        }
      }
    }
  }

  @Test
  void badShapesAreNamed() {
    assertThatThrownBy(() -> Matmul.matmulTransBColumns(Tensor.zeros(3, 4), Tensor.zeros(8), 2, Tensor.zeros(3, 5), 4, false))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[4, 6)").hasMessageContaining("[3, 5]");
    assertThatThrownBy(() -> Matmul.matmulTransBColumns(Tensor.zeros(3, 4), Tensor.zeros(7), 2, Tensor.zeros(3, 5), 0, false))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("7 elements");
  }
}
