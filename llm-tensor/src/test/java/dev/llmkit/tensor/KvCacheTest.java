package dev.llmkit.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/**
 * {@link KvCache#shift}: the moved keys equal their unrotated projections rotated at their new
 * positions, with the rotation computed here in double from the RoPE definition.
 */
class KvCacheTest {

  private static final int NKV = 2;
  private static final int HD = 8;
  private static final double THETA = 100.0;

  /** Row x (NKV * HD) rotated to position pos, in double, by the definition of RoPE. */
  private static double[] rotated(float[] x, int pos, RopeStyle style) {
    double[] r = new double[x.length];
    int half = HD / 2;
    for (int hb = 0; hb < x.length; hb += HD) {
      for (int i = 0; i < half; i++) {
        double angle = pos * Math.pow(THETA, -2.0 * i / HD);
        int ia = style == RopeStyle.ADJACENT_PAIRS ? hb + 2 * i : hb + i;
        int ib = style == RopeStyle.ADJACENT_PAIRS ? ia + 1 : ia + half;
        r[ia] = x[ia] * Math.cos(angle) - x[ib] * Math.sin(angle);
        r[ib] = x[ia] * Math.sin(angle) + x[ib] * Math.cos(angle);
      }
    }
    return r;
  }

  @ParameterizedTest
  @EnumSource(RopeStyle.class)
  void aShiftMovesValuesAndReRotatesKeysToTheirNewPositions(RopeStyle style) {
    int held = 20;
    int keep = 3;
    int discard = 5;
    RopeTable table = new RopeTable(HD, 32, THETA);
    Tensor raw = Tensor.randn(1, 1f, held, NKV * HD); // keys before rotation
    Tensor k = raw.copy();
    Rope.apply(k, NKV, 0, table, style);
    Tensor v = Tensor.randn(2, 1f, held, NKV * HD);
    KvCache cache = new KvCache(2, NKV * HD, 32);
    cache.ensureCapacity(held, 0, 0);
    for (int l = 0; l < 2; l++) {
      cache.write(l, 0, k, v, held);
    }

    cache.shift(keep, discard, held, table, style);

    int left = held - discard;
    for (int l = 0; l < 2; l++) {
      Tensor kOut = Tensor.zeros(left, NKV * HD);
      Tensor vOut = Tensor.zeros(left, NKV * HD);
      cache.copyTo(l, left, kOut, vOut);
      for (int p = 0; p < left; p++) {
        int from = p < keep ? p : p + discard;
        double[] expected = rotated(raw.row(from).toArray(), p, style);
        float[] actual = kOut.row(p).toArray();
        for (int c = 0; c < expected.length; c++) {
          assertThat((double) actual[c]).as("layer %d key %d dim %d", l, p, c)
              .isCloseTo(expected[c], org.assertj.core.data.Offset.offset(1e-5));
        }
        assertThat(vOut.row(p).toArray()).containsExactly(v.row(from).toArray());
      }
    }
  }

  @Test
  void aShiftOutsideTheHeldPositionsIsRejected() {
    KvCache cache = new KvCache(1, NKV * HD, 32);
    cache.ensureCapacity(10, 0, 0);
    RopeTable table = new RopeTable(HD, 32, THETA);
    assertThatThrownBy(() -> cache.shift(4, 7, 10, table, RopeStyle.ROTATE_HALF))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("discard 7 of 10");
  }
}
