package dev.llmkit.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/**
 * {@link VariantAttention} against a direct double-precision evaluation of its definition (scale,
 * soft cap, sliding window), against the plain kernel for the standard variant, and its in-place
 * decoding step against its forward pass.
 */
class VariantAttentionTest {

  private static final int NH = 4;
  private static final int NKV = 2;
  private static final int HD = 6;

  /** out[i, h] by the definition, in double. */
  private static double[][] reference(Tensor q, Tensor k, Tensor v, AttentionVariant var, int keys,
      int queryStart) {
    int t = q.dim(0);
    double[][] out = new double[t][NH * HD];
    double scale = var.scaleFor(HD);
    for (int i = 0; i < t; i++) {
      int qp = queryStart + i;
      for (int h = 0; h < NH; h++) {
        int g = h / (NH / NKV);
        double[] s = new double[keys];
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < keys; j++) {
          boolean ok = j <= qp && (var.window() == 0 || qp - j < var.window());
          if (!ok) {
            s[j] = Double.NEGATIVE_INFINITY;
            continue;
          }
          double r = 0;
          for (int e = 0; e < HD; e++) {
            r += (double) q.get(i, h * HD + e) * k.get(j, g * HD + e);
          }
          r *= scale;
          if (var.softcap() != 0) {
            r = var.softcap() * Math.tanh(r / var.softcap());
          }
          s[j] = r;
          max = Math.max(max, r);
        }
        double sum = 0;
        for (int j = 0; j < keys; j++) {
          s[j] = s[j] == Double.NEGATIVE_INFINITY ? 0 : Math.exp(s[j] - max);
          sum += s[j];
        }
        for (int j = 0; j < keys; j++) {
          for (int e = 0; e < HD; e++) {
            out[i][h * HD + e] += s[j] / sum * v.get(j, g * HD + e);
          }
        }
      }
    }
    return out;
  }

  private static void assertClose(Tensor actual, double[][] expected) {
    for (int i = 0; i < expected.length; i++) {
      for (int c = 0; c < expected[i].length; c++) {
        assertThat((double) actual.get(i, c)).as("(%d, %d)", i, c)
            .isCloseTo(expected[i][c], org.assertj.core.data.Offset.offset(1e-5));
      }
    }
  }

  @Test
  void forwardFollowsTheDefinition() {
    Tensor q = Tensor.randn(1, 1f, 7, NH * HD);
    Tensor k = Tensor.randn(2, 1f, 9, NKV * HD);
    Tensor v = Tensor.randn(3, 1f, 9, NKV * HD);
    for (AttentionVariant var : new AttentionVariant[] {new AttentionVariant(0.3f, 0f, 0),
        new AttentionVariant(0f, 0.8f, 0), new AttentionVariant(0f, 0f, 3),
        new AttentionVariant(0.5f, 1.5f, 2)}) {
      Tensor out = Tensor.zeros(7, NH * HD);
      VariantAttention.forward(q, k, v, NH, NKV, AttentionMask.CAUSAL, var, 9, 2, out, null);
      assertClose(out, reference(q, k, v, var, 9, 2));
    }
  }

  @Test
  void theStandardVariantIsThePlainKernel() {
    Tensor q = Tensor.randn(4, 1f, 5, NH * HD);
    Tensor k = Tensor.randn(5, 1f, 8, NKV * HD);
    Tensor v = Tensor.randn(6, 1f, 8, NKV * HD);
    Tensor plain = Tensor.zeros(5, NH * HD);
    Tensor variant = Tensor.zeros(5, NH * HD);
    Attention.forward(q, k, v, NH, NKV, AttentionMask.CAUSAL, 8, 3, plain, null);
    VariantAttention.forward(q, k, v, NH, NKV, AttentionMask.CAUSAL, AttentionVariant.STANDARD, 8, 3,
        variant, null);
    for (int i = 0; i < plain.length(); i++) {
      assertThat(variant.getFlat(i)).isCloseTo(plain.getFlat(i), org.assertj.core.data.Offset.offset(1e-5f));
    }
  }

  @Test
  void decodingInPlaceSeesOnlyTheWindow() {
    int n = 11;
    Tensor k = Tensor.randn(7, 1f, n, NKV * HD);
    Tensor v = Tensor.randn(8, 1f, n, NKV * HD);
    Tensor q = Tensor.randn(9, 1f, 1, NH * HD);
    KvCache cache = new KvCache(1, NKV * HD, 64);
    cache.ensureCapacity(n, 0, n);
    cache.write(0, 0, k, v, n);
    AttentionVariant var = new AttentionVariant(0.4f, 2f, 4);
    Tensor out = Tensor.zeros(1, NH * HD);
    VariantAttention.decode(q, cache.keysT(0), cache.values(0), cache.capacity(), n, NH, NKV, var, out);
    assertClose(out, reference(q, k, v, var, n, n - 1));
    // changing a key outside the window changes nothing
    Tensor k2 = k.copy();
    for (int c = 0; c < NKV * HD; c++) {
      k2.set(50f, 2, c);
    }
    cache.write(0, 0, k2, v, n);
    Tensor out2 = Tensor.zeros(1, NH * HD);
    VariantAttention.decode(q, cache.keysT(0), cache.values(0), cache.capacity(), n, NH, NKV, var, out2);
    assertThat(out2.toArray()).isEqualTo(out.toArray());
  }

  @Test
  void badVariantsAreNamed() {
    assertThatThrownBy(() -> new AttentionVariant(0f, -1f, 0)).hasMessageContaining("softcap");
    assertThatThrownBy(() -> new AttentionVariant(0f, 0f, -2)).hasMessageContaining("window");
  }
}
