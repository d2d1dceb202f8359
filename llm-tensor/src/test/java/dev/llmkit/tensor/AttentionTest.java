package dev.llmkit.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Attention against a naive double-precision reference, and its backward by finite differences. */
class AttentionTest {

  /** Naive reference: returns out (T, nHeads*hd) followed by probs (nHeads, T, S), in double. */
  static double[][] reference(
      double[] q, double[] k, double[] v, int t, int s, int nHeads, int nKv, int hd,
      AttentionMask mask, int queryStart) {
    int c = nHeads * hd;
    int ckv = nKv * hd;
    double[] out = new double[t * c];
    double[] probs = new double[nHeads * t * s];
    double scale = 1 / Math.sqrt(hd);
    for (int h = 0; h < nHeads; h++) {
      int g = h / (nHeads / nKv);
      for (int i = 0; i < t; i++) {
        double[] sc = new double[s];
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < s; j++) {
          if (!mask.allows(queryStart + i, j)) {
            sc[j] = Double.NEGATIVE_INFINITY;
            continue;
          }
          double d = 0;
          for (int e = 0; e < hd; e++) {
            d += q[i * c + h * hd + e] * k[j * ckv + g * hd + e];
          }
          sc[j] = d * scale;
          max = Math.max(max, sc[j]);
        }
        if (max == Double.NEGATIVE_INFINITY) {
          continue;
        }
        double sum = 0;
        for (int j = 0; j < s; j++) {
          sc[j] = sc[j] == Double.NEGATIVE_INFINITY ? 0 : Math.exp(sc[j] - max);
          sum += sc[j];
        }
        for (int j = 0; j < s; j++) {
          double p = sc[j] / sum;
          probs[(h * t + i) * s + j] = p;
          for (int e = 0; e < hd; e++) {
            out[i * c + h * hd + e] += p * v[j * ckv + g * hd + e];
          }
        }
      }
    }
    return new double[][] {out, probs};
  }

  static double[] d(Tensor t) {
    float[] f = t.toArray();
    double[] r = new double[f.length];
    for (int i = 0; i < f.length; i++) {
      r[i] = f[i];
    }
    return r;
  }

  static void assertClose(float[] actual, double[] expected, double tol) {
    assertThat(actual).hasSize(expected.length);
    for (int i = 0; i < expected.length; i++) {
      if (!(Math.abs(actual[i] - expected[i]) <= tol)) { // also catches NaN
        assertThat((double) actual[i]).as("element %d", i).isCloseTo(expected[i], within(tol));
      }
    }
  }


  static AttentionMask mask(String name, int s, long seed) {
    boolean[] valid = new boolean[s];
    java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
    for (int j = 0; j < s; j++) {
      valid[j] = r.nextInt(4) != 0;
    }
    valid[0] = true;
    return switch (name) {
      case "causal" -> AttentionMask.CAUSAL;
      case "bidirectional" -> AttentionMask.BIDIRECTIONAL;
      case "padding" -> AttentionMask.padding(valid);
      case "paddingCausal" -> AttentionMask.padding(valid, true);
      default -> throw new IllegalArgumentException(name);
    };
  }

  @ParameterizedTest
  @CsvSource({
    "1,1,1,1,causal", "3,1,1,3,causal", "17,4,2,8,causal", "17,6,3,5,bidirectional",
    "9,4,1,16,padding", "127,2,2,3,paddingCausal", "5,8,2,64,causal", "33,3,3,7,bidirectional",
    "70,2,1,64,causal", "66,1,1,80,padding", "130,2,2,33,causal"
  })
  void forwardMatchesNaiveReference(int t, int nHeads, int nKv, int hd, String maskName) {
    int s = t;
    AttentionMask mask = mask(maskName, s, t);
    Tensor q = Tensor.randn(t, 1f, t, nHeads * hd);
    Tensor k = Tensor.randn(t + 1, 1f, s, nKv * hd);
    Tensor v = Tensor.randn(t + 2, 1f, s, nKv * hd);
    double[][] ref = reference(d(q), d(k), d(v), t, s, nHeads, nKv, hd, mask, 0);
    for (SimdKernels kern : kernels()) {
      Tensor out = Tensor.full(7f, t, nHeads * hd);
      Attention.forward(q, k, v, nHeads, nKv, mask, s, 0, out, null, kern);
      assertClose(out.toArray(), ref[0], 1e-5);
      Tensor probs = Tensor.full(7f, nHeads, t, s);
      out.fill(7f);
      Attention.forward(q, k, v, nHeads, nKv, mask, s, 0, out, probs, kern);
      assertClose(out.toArray(), ref[0], 1e-5);
      assertClose(probs.toArray(), ref[1], 1e-6);
    }
  }

  /** The plain Java kernels, and the Vector API ones when this JVM has them. */
  static java.util.List<SimdKernels> kernels() {
    return Simd.kernels() == null
        ? java.util.List.of(ScalarKernels.INSTANCE)
        : java.util.List.of(ScalarKernels.INSTANCE, Simd.kernels());
  }

  @Test
  void vectorKernelsAreInUseExactlyWhenTheModuleIsPresent() {
    // surefire's default run adds the module; its second run (pom.xml) does not, and says so
    boolean present = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    assertThat(present).isEqualTo(Boolean.parseBoolean(System.getProperty("llmkit.simd.expected", "true")));
    assertThat(Simd.enabled()).as(Simd.description()).isEqualTo(present && !"false".equals(System.getProperty("llmkit.simd")));
    if (!present) {
      assertThat(Simd.description()).contains("jdk.incubator.vector");
    }
  }

  @Test
  void crossAttentionWithDifferentQueryAndKeyLengths() {
    int t = 5;
    int s = 11;
    Tensor q = Tensor.randn(1, 1f, t, 12);
    Tensor k = Tensor.randn(2, 1f, s, 12);
    Tensor v = Tensor.randn(3, 1f, s, 12);
    Tensor out = Tensor.zeros(t, 12);
    Attention.forward(q, k, v, 3, 3, AttentionMask.BIDIRECTIONAL, s, 0, out, null);
    assertClose(out.toArray(), reference(d(q), d(k), d(v), t, s, 3, 3, 4, AttentionMask.BIDIRECTIONAL, 0)[0], 1e-5);
  }

  /** Decoding one token at a time against a growing KV cache equals the full causal pass. */
  @Test
  void incrementalDecodingOverAKvCacheEqualsTheFullPass() {
    int t = 13;
    int nHeads = 4;
    int nKv = 2;
    int hd = 8;
    int capacity = 32;
    Tensor q = Tensor.randn(1, 1f, t, nHeads * hd);
    Tensor kFull = Tensor.randn(2, 1f, t, nKv * hd);
    Tensor vFull = Tensor.randn(3, 1f, t, nKv * hd);
    Tensor full = Tensor.zeros(t, nHeads * hd);
    Attention.forward(q, kFull, vFull, nHeads, nKv, AttentionMask.CAUSAL, t, 0, full, null);

    Tensor kCache = Tensor.full(Float.NaN, capacity, nKv * hd); // unused rows must never be read
    Tensor vCache = Tensor.full(Float.NaN, capacity, nKv * hd);
    // a prompt of 4 tokens, then one at a time
    kCache.slice(0, 4).copyFrom(kFull.slice(0, 4));
    vCache.slice(0, 4).copyFrom(vFull.slice(0, 4));
    Tensor out = Tensor.zeros(4, nHeads * hd);
    Attention.forward(q.slice(0, 4), kCache, vCache, nHeads, nKv, AttentionMask.CAUSAL, 4, 0, out, null);
    assertClose(out.toArray(), d(full.slice(0, 4)), 1e-6);
    for (int pos = 4; pos < t; pos++) {
      kCache.slice(pos, pos + 1).copyFrom(kFull.slice(pos, pos + 1));
      vCache.slice(pos, pos + 1).copyFrom(vFull.slice(pos, pos + 1));
      Tensor o = Tensor.zeros(1, nHeads * hd);
      Attention.forward(q.slice(pos, pos + 1), kCache, vCache, nHeads, nKv, AttentionMask.CAUSAL, pos + 1, pos, o, null);
      assertClose(o.toArray(), d(full.slice(pos, pos + 1)), 1e-6);
    }
  }

  /** The few-query BLAS path (T < 4) and the blocked path agree, on a cache long enough to go parallel. */
  @Test
  void decodePathMatchesBlockedPathOnALongCache() {
    int s = 700;
    int nHeads = 8;
    int nKv = 2;
    int hd = 32;
    Tensor q = Tensor.randn(1, 1f, 5, nHeads * hd);
    Tensor k = Tensor.randn(2, 1f, 800, nKv * hd);
    Tensor v = Tensor.randn(3, 1f, 800, nKv * hd);
    Tensor blocked = Tensor.zeros(5, nHeads * hd);
    Tensor probs = Tensor.zeros(nHeads, 5, s);
    Attention.forward(q, k, v, nHeads, nKv, AttentionMask.CAUSAL, s, s - 5, blocked, probs);
    double[][] ref = reference(d(q), d(k.slice(0, s)), d(v.slice(0, s)), 5, s, nHeads, nKv, hd, AttentionMask.CAUSAL, s - 5);
    assertClose(blocked.toArray(), ref[0], 1e-5);
    assertClose(probs.toArray(), ref[1], 1e-6);
    for (int i = 0; i < 5; i++) {
      Tensor o = Tensor.zeros(1, nHeads * hd);
      int keys = s - 4 + i;
      Tensor p = Tensor.zeros(nHeads, 1, keys);
      Attention.forward(q.slice(i, i + 1), k, v, nHeads, nKv, AttentionMask.CAUSAL, keys, s - 5 + i, o, p);
      assertClose(o.toArray(), d(blocked.slice(i, i + 1)), 1e-5);
      for (int h = 0; h < nHeads; h++) {
        for (int j = 0; j < keys; j++) {
          assertThat((double) p.get(h, 0, j)).isCloseTo(probs.get(h, i, j), within(1e-6));
        }
      }
    }
  }

  @Test
  void aQueryThatSeesNoKeyGetsZeros() {
    boolean[] valid = {false, false, true};
    Tensor q = Tensor.randn(1, 1f, 3, 4);
    Tensor k = Tensor.randn(2, 1f, 3, 4);
    Tensor v = Tensor.randn(3, 1f, 3, 4);
    Tensor out = Tensor.full(5f, 3, 4);
    Tensor probs = Tensor.full(5f, 1, 3, 3);
    Attention.forward(q, k, v, 1, 1, AttentionMask.padding(valid, true), 3, 0, out, probs);
    for (int e = 0; e < 4; e++) {
      assertThat(out.get(0, e)).isZero();
      assertThat(out.get(1, e)).isZero();
      assertThat(out.get(2, e)).isEqualTo(v.get(2, e));
    }
    assertThat(probs.row(0).row(2).toArray()).containsExactly(0f, 0f, 1f);
  }

  @Test
  void badShapesNameOperationAndShapes() {
    Tensor q = Tensor.zeros(3, 8);
    Tensor k = Tensor.zeros(3, 6);
    assertThatThrownBy(() -> Attention.forward(q, k, k, 2, 1, AttentionMask.CAUSAL, 3, 0, Tensor.zeros(3, 8), null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Attention.forward")
        .hasMessageContaining("[3, 8]")
        .hasMessageContaining("[3, 6]");
    assertThatThrownBy(() -> Attention.forward(q, Tensor.zeros(3, 4), Tensor.zeros(3, 4), 2, 1,
            AttentionMask.CAUSAL, 3, 0, Tensor.zeros(3, 7), null))
        .hasMessageContaining("out [3, 7]");
    assertThatThrownBy(() -> Attention.forward(q, Tensor.zeros(3, 8), Tensor.zeros(3, 8), 4, 3,
            AttentionMask.CAUSAL, 3, 0, Tensor.zeros(3, 8), null))
        .hasMessageContaining("nKvHeads");
    assertThatThrownBy(() -> Attention.forward(q, Tensor.zeros(2, 8), Tensor.zeros(2, 8), 2, 2,
            AttentionMask.CAUSAL, 2, 0, Tensor.zeros(3, 8), null))
        .hasMessageContaining("keyLength is 2");
    assertThatThrownBy(() -> Attention.forward(q, Tensor.zeros(3, 8), Tensor.zeros(3, 8), 2, 2,
            AttentionMask.padding(new boolean[2]), 3, 0, Tensor.zeros(3, 8), null))
        .hasMessageContaining("padding");
  }

  @Test
  void forwardAndBackwardAreBitForBitRepeatable() {
    Tensor q = Tensor.randn(1, 1f, 64, 48);
    Tensor k = Tensor.randn(2, 1f, 64, 16);
    Tensor v = Tensor.randn(3, 1f, 64, 16);
    Tensor g = Tensor.randn(4, 1f, 64, 48);
    float[][] first = null;
    for (int rep = 0; rep < 2; rep++) {
      Tensor out = Tensor.zeros(64, 48);
      Tensor probs = Tensor.zeros(6, 64, 64);
      Attention.forward(q, k, v, 6, 2, AttentionMask.CAUSAL, 64, 0, out, probs);
      Tensor dq = Tensor.zeros(64, 48);
      Tensor dk = Tensor.zeros(64, 16);
      Tensor dv = Tensor.zeros(64, 16);
      Attention.backward(q, k, v, 6, 2, AttentionMask.CAUSAL, 64, 0, probs, g, dq, dk, dv);
      float[][] r = {out.toArray(), dq.toArray(), dk.toArray(), dv.toArray()};
      if (first == null) {
        first = r;
      } else {
        for (int i = 0; i < r.length; i++) {
          assertThat(r[i]).containsExactly(first[i]);
        }
      }
    }
  }

  /**
   * Finite differences, in double, of L = Σ out∘g through the double reference, against the float
   * backward, which must add into the gradients it is given.
   */
  @ParameterizedTest
  @CsvSource({
    "1,1,1,3,causal", "5,2,1,4,causal", "7,4,2,3,bidirectional", "6,2,2,5,paddingCausal",
    "17,3,1,2,padding", "9,2,1,17,causal"
  })
  void backwardMatchesFiniteDifferences(int t, int nHeads, int nKv, int hd, String maskName) {
    int c = nHeads * hd;
    int ckv = nKv * hd;
    AttentionMask mask = mask(maskName, t, 3 * t);
    Tensor q = Tensor.randn(t + 10, 1f, t, c);
    Tensor k = Tensor.randn(t + 11, 1f, t, ckv);
    Tensor v = Tensor.randn(t + 12, 1f, t, ckv);
    Tensor g = Tensor.randn(t + 13, 1f, t, c);
    for (boolean saved : new boolean[] {true, false}) {
      Tensor probs = null;
      if (saved) {
        probs = Tensor.zeros(nHeads, t, t);
        Attention.forward(q, k, v, nHeads, nKv, mask, t, 0, Tensor.zeros(t, c), probs);
      }
      for (SimdKernels kern : kernels()) {
      Tensor dq = Tensor.full(0.25f, t, c);
      Tensor dk = Tensor.full(0.25f, t, ckv);
      Tensor dv = Tensor.full(0.25f, t, ckv);
      Attention.backward(q, k, v, nHeads, nKv, mask, t, 0, probs, g, dq, dk, dv, kern);
      double[][] in = {d(q), d(k), d(v)};
      Tensor[] grads = {dq, dk, dv};
      double[] gs = d(g);
      double h = 1e-6;
      for (int which = 0; which < 3; which++) {
        for (int i = 0; i < in[which].length; i++) {
          double old = in[which][i];
          in[which][i] = old + h;
          double up = dotWith(reference(in[0], in[1], in[2], t, t, nHeads, nKv, hd, mask, 0)[0], gs);
          in[which][i] = old - h;
          double down = dotWith(reference(in[0], in[1], in[2], t, t, nHeads, nKv, hd, mask, 0)[0], gs);
          in[which][i] = old;
          double fd = (up - down) / (2 * h);
          assertThat(grads[which].getFlat(i) - 0.25)
              .as("d%s[%d] (probs saved: %s, %s)", "qkv".charAt(which), i, saved, kern)
              .isCloseTo(fd, within(2e-4 * (1 + Math.abs(fd))));
        }
      }
      }
    }
  }

  private static double dotWith(double[] a, double[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }
}
