package dev.llmkit.tensor;

import static dev.llmkit.tensor.RefChecks.assertClose;
import static dev.llmkit.tensor.RefChecks.assertGradient;
import static dev.llmkit.tensor.RefChecks.dot;
import static dev.llmkit.tensor.RefChecks.numericGradient;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class RopeTest {

  @Test
  void closedFormRotationInBothStyles() {
    // headDim 4, theta 10000: pair 0 turns by p radians, pair 1 by p/100
    int p = 7;
    RopeTable table = new RopeTable(4, 16, 10000);
    assertThat(table.cos(p, 1)).isCloseTo((float) Math.cos(p / 100.0), within(1e-7f));
    assertThat(table.sin(p, 0)).isCloseTo((float) Math.sin(p), within(1e-7f));

    Tensor adj = Tensor.of(new float[] {1, 0, 0, 1}, 1, 4); // pairs (x0,x1)=(1,0), (x2,x3)=(0,1)
    Rope.apply(adj, 1, p, table, RopeStyle.ADJACENT_PAIRS);
    assertClose("adjacent", adj.toArray(),
        new double[] {Math.cos(p), Math.sin(p), -Math.sin(p / 100.0), Math.cos(p / 100.0)}, 1e-6, 0);

    Tensor half = Tensor.of(new float[] {1, 0, 0, 1}, 1, 4); // pairs (x0,x2)=(1,0), (x1,x3)=(0,1)
    Rope.apply(half, 1, p, table, RopeStyle.ROTATE_HALF);
    assertClose("rotate half", half.toArray(),
        new double[] {Math.cos(p), -Math.sin(p / 100.0), Math.sin(p), Math.cos(p / 100.0)}, 1e-6, 0);

    // position 0 is the identity
    Tensor x = Tensor.randn(1, 1f, 1, 4);
    Tensor y = x.copy();
    Rope.apply(y, 1, 0, table, RopeStyle.ROTATE_HALF);
    assertThat(y.toArray()).containsExactly(x.toArray());
  }

  /** Naive double RoPE of rows at positions start + (row % t). */
  static double[] reference(float[] x, int rows, int t, int nHeads, int hd, int start, double theta, RopeStyle s) {
    double[] out = new double[x.length];
    int c = nHeads * hd;
    for (int r = 0; r < rows; r++) {
      int pos = start + r % t;
      for (int h = 0; h < nHeads; h++) {
        for (int i = 0; i < hd / 2; i++) {
          double ang = pos * Math.pow(theta, -2.0 * i / hd);
          int a = r * c + h * hd + (s == RopeStyle.ADJACENT_PAIRS ? 2 * i : i);
          int b = s == RopeStyle.ADJACENT_PAIRS ? a + 1 : a + hd / 2;
          out[a] = x[a] * Math.cos(ang) - x[b] * Math.sin(ang);
          out[b] = x[a] * Math.sin(ang) + x[b] * Math.cos(ang);
        }
      }
    }
    return out;
  }

  @Test
  void matchesDoubleReferenceOnOddShapes() {
    long seed = 60;
    for (RopeStyle style : RopeStyle.values()) {
      for (int hd : new int[] {2, 6, 64}) {
        for (int t : new int[] {1, 3, 17}) {
          int nHeads = 3;
          int start = 5;
          double theta = hd == 64 ? 500000 : 10000;
          RopeTable table = new RopeTable(hd, 64, theta);
          Tensor x = Tensor.randn(seed++, 1f, t, nHeads * hd);
          double[] expected = reference(x.toArray(), t, t, nHeads, hd, start, theta, style);
          Rope.apply(x, nHeads, start, table, style);
          assertClose(style + " hd=" + hd + " T=" + t, x.toArray(), expected, 2e-6, 2e-6);
        }
      }
    }
  }

  @Test
  void batchedRowsRestartPositionsPerSequence() {
    RopeTable table = new RopeTable(8, 32, 10000);
    Tensor x = Tensor.randn(61, 1f, 2, 5, 16); // (B, T, nHeads*hd)
    double[] expected = reference(x.toArray(), 10, 5, 2, 8, 3, 10000, RopeStyle.ROTATE_HALF);
    Rope.apply(x, 2, 3, table, RopeStyle.ROTATE_HALF);
    assertClose("batched", x.toArray(), expected, 2e-6, 2e-6);
  }

  /** HF's q/k permutation of one head's rows: new[p·hd/2 + i] = orig[2i + p]. */
  static Tensor permuteToHf(Tensor x, int nHeads, int hd) {
    int rows = x.length() / (nHeads * hd);
    Tensor out = Tensor.zeros(x.shape());
    for (int r = 0; r < rows; r++) {
      for (int h = 0; h < nHeads; h++) {
        int base = r * nHeads * hd + h * hd;
        for (int i = 0; i < hd / 2; i++) {
          for (int p = 0; p < 2; p++) {
            out.setFlat(base + p * hd / 2 + i, x.getFlat(base + 2 * i + p));
          }
        }
      }
    }
    return out;
  }

  @Test
  void rotateHalfOnPermutedRowsEqualsAdjacentPairsOnOriginalRows() {
    int nHeads = 4;
    int hd = 16;
    RopeTable table = new RopeTable(hd, 128, 10000);
    Tensor meta = Tensor.randn(62, 1f, 9, nHeads * hd);
    Tensor hf = permuteToHf(meta, nHeads, hd);
    Rope.apply(meta, nHeads, 100, table, RopeStyle.ADJACENT_PAIRS);
    Rope.apply(hf, nHeads, 100, table, RopeStyle.ROTATE_HALF);
    assertThat(hf.toArray()).containsExactly(permuteToHf(meta, nHeads, hd).toArray());
  }

  @Test
  void backwardIsTheTransposeAndTheInverse() {
    RopeTable table = new RopeTable(6, 20, 10000);
    for (RopeStyle style : RopeStyle.values()) {
      Tensor x = Tensor.randn(63, 1f, 3, 12);
      Tensor dout = Tensor.randn(64, 1f, 3, 12);
      Tensor dx = dout.copy();
      Rope.applyBackward(dx, 2, 4, table, style);
      double[] numeric = numericGradient(x, 1e-2, xx -> {
        Tensor y = xx.copy();
        Rope.apply(y, 2, 4, table, style);
        return dot(dout, y);
      });
      assertGradient(style + " backward", dx.toArray(), numeric, 1e-3);
      Tensor y = x.copy();
      Rope.apply(y, 2, 4, table, style);
      Rope.applyBackward(y, 2, 4, table, style);
      assertClose(style + " inverse", y.toArray(), x.toArray(), 1e-6, 1e-6);
    }
  }

  @Test
  void badArgumentsAreNamed() {
    RopeTable table = new RopeTable(8, 10, 10000);
    assertThatThrownBy(() -> Rope.apply(Tensor.zeros(3, 16), 2, 8, table, RopeStyle.ADJACENT_PAIRS))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Rope.apply")
        .hasMessageContaining("8..10")
        .hasMessageContaining("[3, 16]");
    assertThatThrownBy(() -> Rope.apply(Tensor.zeros(3, 16), 4, 0, table, RopeStyle.ADJACENT_PAIRS))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("headDim 4")
        .hasMessageContaining("headDim 8");
    assertThatThrownBy(() -> new RopeTable(7, 10, 10000))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("headDim");
  }
}
