package dev.llmkit.tensor;

import static dev.llmkit.tensor.RefChecks.assertClose;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class EmbeddingTest {

  @Test
  void gatherCopiesTheRowsOfTheIds() {
    for (int c : RefChecks.ODD_SIZES) {
      int v = 11;
      Tensor table = Tensor.randn(c, 1f, v, c);
      int[] ids = {9, 0, 3, 3, 10, 7, 1};
      Tensor out = Tensor.zeros(4, c);
      Embedding.gather(table, ids, 2, 4, out); // ids 3, 3, 10, 7
      int[] used = {3, 3, 10, 7};
      for (int j = 0; j < 4; j++) {
        assertThat(out.row(j).toArray()).containsExactly(table.row(used[j]).toArray());
      }
      Tensor all = Embedding.gather(table, ids);
      assertThat(all.shape()).containsExactly(ids.length, c);
      assertThat(all.row(4).toArray()).containsExactly(table.row(10).toArray());
    }
  }

  @Test
  void gatherIntoBatchedShapeAndInParallel() {
    Tensor table = Tensor.randn(70, 1f, 500, 768);
    int[] ids = new int[2 * 300];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = (i * 37) % 500;
    }
    Tensor out = Tensor.zeros(2, 300, 768);
    Embedding.gather(table, ids, 0, ids.length, out);
    assertThat(out.row(1).row(299).toArray()).containsExactly(table.row(ids[599]).toArray());
  }

  @Test
  void scatterAddAccumulatesRepeatedIds() {
    for (int c : RefChecks.ODD_SIZES) {
      int v = 6;
      int[] ids = {5, 2, 2, 0, 5, 2};
      Tensor dout = Tensor.randn(c + 80, 1f, ids.length, c);
      Tensor dtable = Tensor.full(1f, v, c);
      Embedding.scatterAddBackward(dout, ids, 0, ids.length, dtable);
      double[] expected = new double[v * c];
      java.util.Arrays.fill(expected, 1.0);
      for (int j = 0; j < ids.length; j++) {
        for (int i = 0; i < c; i++) {
          expected[ids[j] * c + i] += dout.getFlat(j * c + i);
        }
      }
      assertClose("dtable c=" + c, dtable.toArray(), expected, 1e-6, 1e-6);
    }
  }

  @Test
  void scatterAddIsTheGradientOfGather() {
    int[] ids = {2, 0, 2, 4};
    Tensor table = Tensor.randn(71, 1f, 5, 3);
    Tensor dout = Tensor.randn(72, 1f, 4, 3);
    Tensor dtable = Tensor.zeros(5, 3);
    Embedding.scatterAddBackward(dout, ids, 0, 4, dtable);
    Tensor out = Tensor.zeros(4, 3);
    double[] numeric = RefChecks.numericGradient(table, 1e-2, t -> {
      Embedding.gather(t, ids, 0, 4, out);
      return RefChecks.dot(dout, out);
    });
    RefChecks.assertGradient("dtable", dtable.toArray(), numeric, 1e-3);
  }

  @Test
  void scatterAddOfASliceOfIds() {
    int[] ids = {1, 1, 0};
    Tensor dout = Tensor.of(new float[] {1, 2, 3, 4}, 2, 2);
    Tensor dtable = Tensor.zeros(2, 2);
    Embedding.scatterAddBackward(dout, ids, 1, 2, dtable); // ids 1, 0
    assertThat(dtable.toArray()).containsExactly(3, 4, 1, 2);
  }

  @Test
  void outOfRangeIdIsNamed() {
    Tensor table = Tensor.zeros(10, 4);
    assertThatThrownBy(() -> Embedding.gather(table, new int[] {1, 10}, 0, 2, Tensor.zeros(2, 4)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("id 10")
        .hasMessageContaining("[0, 10)");
    assertThatThrownBy(() -> Embedding.gather(table, new int[] {-1}, 0, 1, Tensor.zeros(1, 4)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("id -1");
    assertThatThrownBy(() -> Embedding.scatterAddBackward(Tensor.zeros(1, 4), new int[] {12}, 0, 1, table))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("id 12");
    assertThatThrownBy(() -> Embedding.gather(table, new int[] {1, 2}, 0, 2, Tensor.zeros(2, 5)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Embedding.gather")
        .hasMessageContaining("[2, 5]")
        .hasMessageContaining("[10, 4]");
    assertThatThrownBy(() -> Embedding.gather(table, new int[] {1, 2}, 1, 2, Tensor.zeros(2, 4)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("[1, 3)");
  }
}
