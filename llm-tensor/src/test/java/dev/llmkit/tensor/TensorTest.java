package dev.llmkit.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TensorTest {

  @Test
  void viewsShareMemoryWithTheirBase() {
    Tensor t = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
    assertThat(t.get(1, 2)).isEqualTo(6f);
    Tensor row = t.row(1);
    assertThat(row.shape()).containsExactly(3);
    row.setFlat(0, 40f);
    assertThat(t.get(1, 0)).isEqualTo(40f);
    assertThat(t.reshape(3, -1).get(2, 1)).isEqualTo(6f);
    assertThat(t.slice(1, 2).nd().getFloat(0, 0)).isEqualTo(40f);
    assertThat(t.nd().getFloat(1, 2)).isEqualTo(6f);
  }

  @Test
  void badShapesNameTheShapes() {
    assertThatThrownBy(() -> Tensor.of(new float[5], 2, 3))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("[2, 3]");
    assertThatThrownBy(() -> Tensor.zeros(2, 3).reshape(4, 2))
        .hasMessageContaining("[2, 3]")
        .hasMessageContaining("[4, 2]");
  }

  @Test
  void randnIsReproducible() {
    assertThat(Tensor.randn(7, 1f, 10).toArray()).containsExactly(Tensor.randn(7, 1f, 10).toArray());
  }
}
