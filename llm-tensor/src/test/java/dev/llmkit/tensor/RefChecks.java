package dev.llmkit.tensor;

import static org.assertj.core.api.Assertions.fail;

import java.util.function.ToDoubleFunction;

/** Test support for the row-wise kernels: closeness assertions and finite-difference gradients. */
final class RefChecks {

  /** Row/column sizes every kernel is tried on: 1, small odd, and a prime above a vector width. */
  static final int[] ODD_SIZES = {1, 3, 17, 127};

  private RefChecks() {}

  /** Asserts |actual − expected| <= atol + rtol·|expected| elementwise, naming the first bad index. */
  static void assertClose(String what, float[] actual, double[] expected, double atol, double rtol) {
    if (actual.length != expected.length) {
      fail(what + ": length " + actual.length + " != " + expected.length);
    }
    for (int i = 0; i < actual.length; i++) {
      double err = Math.abs(actual[i] - expected[i]);
      if (!(err <= atol + rtol * Math.abs(expected[i]))) {
        fail(what + ": index " + i + ": got " + actual[i] + ", expected " + expected[i] + " (err " + err + ")");
      }
    }
  }

  /** The same with float expectations. */
  static void assertClose(String what, float[] actual, float[] expected, double atol, double rtol) {
    double[] e = new double[expected.length];
    for (int i = 0; i < e.length; i++) {
      e[i] = expected[i];
    }
    assertClose(what, actual, e, atol, rtol);
  }

  /** Random values ~ N(0, std²) as a float array (seeded). */
  static float[] randn(long seed, float std, int n) {
    return Tensor.randn(seed, std, n).toArray();
  }

  /**
   * Central finite differences of a scalar loss of the float tensor {@code x} (evaluated by running the
   * float kernel, summed in double): for each index, {@code (L(x + h e_i) − L(x − h e_i)) / 2h}.
   * Restores x afterwards.
   */
  static double[] numericGradient(Tensor x, double h, ToDoubleFunction<Tensor> loss) {
    double[] g = new double[x.length()];
    for (int i = 0; i < g.length; i++) {
      float orig = x.getFlat(i);
      float up = (float) (orig + h);
      float down = (float) (orig - h);
      x.setFlat(i, up);
      double lUp = loss.applyAsDouble(x);
      x.setFlat(i, down);
      double lDown = loss.applyAsDouble(x);
      x.setFlat(i, orig);
      g[i] = (lUp - lDown) / ((double) up - (double) down);
    }
    return g;
  }

  /** Σ dout_i · y_i in double: the scalar loss whose gradient with respect to y is dout. */
  static double dot(Tensor dout, Tensor y) {
    double s = 0;
    for (int i = 0; i < y.length(); i++) {
      s += (double) dout.getFlat(i) * y.getFlat(i);
    }
    return s;
  }

  /** Largest |v_i|, at least 1e-12. */
  static double maxAbs(double[] v) {
    double m = 1e-12;
    for (double d : v) {
      m = Math.max(m, Math.abs(d));
    }
    return m;
  }

  /**
   * Asserts an analytic gradient against a numeric one with a tolerance relative to the gradient's
   * scale (float32 forward passes make finite differences noisy).
   */
  static void assertGradient(String what, float[] analytic, double[] numeric, double relTol) {
    // Gradients far below the O(1) inputs' scale are swamped by float32 rounding in the forward pass;
    // judge them against a floor of 0.01.
    double scale = Math.max(maxAbs(numeric), 0.01);
    for (int i = 0; i < analytic.length; i++) {
      double err = Math.abs(analytic[i] - numeric[i]);
      if (!(err <= relTol * scale + relTol * Math.abs(numeric[i]))) {
        fail(what + ": d/dx[" + i + "]: analytic " + analytic[i] + ", numeric " + numeric[i]
            + " (scale " + scale + ")");
      }
    }
  }
}
