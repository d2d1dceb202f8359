package dev.llmkit.tensor;

import dev.llmkit.tensor.kernel.Parallel;

import java.nio.FloatBuffer;

/**
 * Pointwise activation functions and their backward passes: ReLU, GELU in its tanh form (GPT-2's
 * {@code gelu_new}) and its exact erf form (BERT, nanoGPT), SiLU, and the SwiGLU gate of Llama's
 * feed-forward network.
 *
 * <p>Inputs and outputs have the same layout; an output may be its input. Backward passes ADD into
 * their gradient tensors. Transcendentals are evaluated in double and rounded once to float.
 */
public final class Activations {

  /** √(2/π), the constant of the tanh approximation of GELU. */
  private static final double SQRT_2_OVER_PI = Math.sqrt(2.0 / Math.PI);
  /** The cubic coefficient of the tanh approximation of GELU. */
  private static final double GELU_CUBIC = 0.044715;
  private static final double INV_SQRT_2 = 1.0 / Math.sqrt(2.0);
  private static final double INV_SQRT_2PI = 1.0 / Math.sqrt(2.0 * Math.PI);

  /** Work per element for the pool's serial threshold (transcendentals are ~10-20 operations). */
  private static final long WORK = 16;

  private Activations() {}

  /**
   * The smooth activations. Each kernel loop calls its function directly (a shared loop over a
   * functional interface would make that call megamorphic, hence not inlined, per element).
   */
  private enum Fn {
    GELU_TANH,
    GELU_ERF,
    SILU
  }

  // ------------------------------------------------------------------------------------ ReLU

  /** {@code out = max(x, 0)}. x: (..., C) -> out: same layout. */
  public static void relu(Tensor x, Tensor out) {
    ShapeChecks.sameLayout("Activations.relu", "x", x, "out", out);
    FloatBuffer px = x.buffer();
    FloatBuffer po = out.buffer();
    Parallel.forRange(x.length(), 1, (from, to) -> {
      for (int i = from; i < to; i++) {
        float v = px.get(i);
        po.put(i, v > 0f ? v : 0f);
      }
    });
  }

  /** Backward of {@link #relu}: {@code dx += x > 0 ? dout : 0}. x, dout, dx: same layout. */
  public static void reluBackward(Tensor x, Tensor dout, Tensor dx) {
    checkBackward("Activations.reluBackward", x, dout, dx);
    FloatBuffer px = x.buffer();
    FloatBuffer pg = dout.buffer();
    FloatBuffer pd = dx.buffer();
    Parallel.forRange(x.length(), 1, (from, to) -> {
      for (int i = from; i < to; i++) {
        if (px.get(i) > 0f) {
          pd.put(i, pd.get(i) + pg.get(i));
        }
      }
    });
  }

  // ------------------------------------------------------------------------------------ GELU

  /**
   * GELU, tanh approximation (GPT-2's {@code gelu_new}, PyTorch's {@code approximate='tanh'}):
   * {@code 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))}. x: (..., C) -> out: same layout.
   */
  public static void gelu(Tensor x, Tensor out) {
    map("Activations.gelu", x, out, Fn.GELU_TANH);
  }

  /** Backward of {@link #gelu}: {@code dx += dout · gelu'(x)}. x, dout, dx: same layout. */
  public static void geluBackward(Tensor x, Tensor dout, Tensor dx) {
    mapGrad("Activations.geluBackward", x, dout, dx, Fn.GELU_TANH);
  }

  /**
   * GELU, exact form (BERT, nanoGPT, PyTorch's default): {@code x·Φ(x) = 0.5·x·(1 + erf(x/√2))}.
   * x: (..., C) -> out: same layout.
   */
  public static void geluErf(Tensor x, Tensor out) {
    map("Activations.geluErf", x, out, Fn.GELU_ERF);
  }

  /** Backward of {@link #geluErf}: {@code dx += dout · (Φ(x) + x·φ(x))}. x, dout, dx: same layout. */
  public static void geluErfBackward(Tensor x, Tensor dout, Tensor dx) {
    mapGrad("Activations.geluErfBackward", x, dout, dx, Fn.GELU_ERF);
  }

  // ------------------------------------------------------------------------------------ SiLU

  /** SiLU (swish): {@code x·σ(x)}. x: (..., C) -> out: same layout. */
  public static void silu(Tensor x, Tensor out) {
    map("Activations.silu", x, out, Fn.SILU);
  }

  /** Backward of {@link #silu}: {@code dx += dout · σ(x)·(1 + x·(1 − σ(x)))}. */
  public static void siluBackward(Tensor x, Tensor dout, Tensor dx) {
    mapGrad("Activations.siluBackward", x, dout, dx, Fn.SILU);
  }

  // ---------------------------------------------------------------------------------- SwiGLU

  /**
   * SwiGLU gate of Llama's feed-forward network: {@code out = silu(gate) ⊙ up}.
   *
   * <p>gate, up: (rows, hidden) -> out: (rows, hidden); out may be gate or up.
   */
  public static void swiglu(Tensor gate, Tensor up, Tensor out) {
    final String op = "Activations.swiglu";
    ShapeChecks.sameLayout(op, "gate", gate, "up", up);
    ShapeChecks.sameLayout(op, "gate", gate, "out", out);
    FloatBuffer pg = gate.buffer();
    FloatBuffer pu = up.buffer();
    FloatBuffer po = out.buffer();
    Parallel.forRange(gate.length(), WORK, (from, to) -> {
      for (int i = from; i < to; i++) {
        po.put(i, silu(pg.get(i)) * pu.get(i));
      }
    });
  }

  /**
   * Backward of {@link #swiglu}; ADDS: {@code dgate += dout · up · silu'(gate)},
   * {@code dup += dout · silu(gate)}. Either gradient may be null.
   *
   * <p>gate, up, dout, dgate, dup: (rows, hidden).
   */
  public static void swigluBackward(Tensor gate, Tensor up, Tensor dout, Tensor dgate, Tensor dup) {
    final String op = "Activations.swigluBackward";
    ShapeChecks.sameLayout(op, "gate", gate, "up", up);
    ShapeChecks.sameLayout(op, "gate", gate, "dout", dout);
    if (dgate != null) {
      ShapeChecks.sameLayout(op, "gate", gate, "dgate", dgate);
    }
    if (dup != null) {
      ShapeChecks.sameLayout(op, "gate", gate, "dup", dup);
    }
    FloatBuffer pg = gate.buffer();
    FloatBuffer pu = up.buffer();
    FloatBuffer pdo = dout.buffer();
    FloatBuffer pdg = dgate == null ? null : dgate.buffer();
    FloatBuffer pdu = dup == null ? null : dup.buffer();
    Parallel.forRange(gate.length(), WORK, (from, to) -> {
      for (int i = from; i < to; i++) {
        double g = pg.get(i);
        double s = 1.0 / (1.0 + FastExp.exp(-g));
        float d = pdo.get(i);
        if (pdg != null) {
          pdg.put(i, pdg.get(i) + (float) (d * pu.get(i) * s * (1.0 + g * (1.0 - s))));
        }
        if (pdu != null) {
          pdu.put(i, pdu.get(i) + (float) (d * g * s));
        }
      }
    });
  }

  // -------------------------------------------------------------------------- scalar functions

  /**
   * GELU, tanh form, of one value, evaluated as {@code x · σ(2u)} with
   * {@code u = √(2/π)·(x + 0.044715·x³)} (since {@code 0.5·(1 + tanh u) = σ(2u)}), which keeps full
   * relative precision for large negative x.
   */
  public static float geluTanh(float x) {
    double u = SQRT_2_OVER_PI * (x + GELU_CUBIC * x * x * x);
    return (float) (x / (1.0 + FastExp.exp(-2.0 * u)));
  }

  /** Derivative of {@link #geluTanh(float)} times dout: {@code s + x·2s(1−s)·du/dx}, s = σ(2u). */
  public static float geluTanhGrad(float x, float dout) {
    double u = SQRT_2_OVER_PI * (x + GELU_CUBIC * x * x * x);
    double s = 1.0 / (1.0 + FastExp.exp(-2.0 * u));
    double du = SQRT_2_OVER_PI * (1.0 + 3.0 * GELU_CUBIC * x * x);
    return (float) (dout * (s + x * 2.0 * s * (1.0 - s) * du));
  }

  /** GELU, erf form, of one value: {@code x·Φ(x) = 0.5·x·erfc(−x/√2)}. */
  public static float geluErf(float x) {
    return (float) (0.5 * x * erfc(-x * INV_SQRT_2));
  }

  /** Derivative of {@link #geluErf(float)} times dout: {@code Φ(x) + x·φ(x)}. */
  static float geluErfGrad(float x, float dout) {
    double cdf = 0.5 * erfc(-x * INV_SQRT_2);
    double pdf = INV_SQRT_2PI * FastExp.exp(-0.5 * x * x);
    return (float) (dout * (cdf + x * pdf));
  }

  /** SiLU of one value. */
  public static float silu(float x) {
    return (float) (x / (1.0 + FastExp.exp(-x)));
  }

  /** Derivative of {@link #silu(float)} times dout. */
  static float siluGrad(float x, float dout) {
    double s = 1.0 / (1.0 + FastExp.exp(-x));
    return (float) (dout * s * (1.0 + x * (1.0 - s)));
  }

  /**
   * The complementary error function with relative error below 1.2e-7 everywhere (the Chebyshev fit
   * of Press et al., Numerical Recipes, §6.2), evaluated in double. Relative accuracy in the tail is
   * what GELU needs for negative inputs, where {@code 1 + erf} cancels.
   */
  static double erfc(double z) {
    double a = Math.abs(z);
    double t = 1.0 / (1.0 + 0.5 * a);
    double r = t * FastExp.exp(-a * a - 1.26551223 + t * (1.00002368 + t * (0.37409196
        + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398
        + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
    return z >= 0 ? r : 2.0 - r;
  }

  /** The error function, {@code 1 − erfc(z)} (absolute error below 2.4e-7). */
  static double erf(double z) {
    return 1.0 - erfc(z);
  }

  // ------------------------------------------------------------------------------ loop helpers

  /** Elements per block of GELU (tanh), which runs on heap copies of the off-heap data. */
  private static final int BLOCK = 1024;

  /**
   * GELU (tanh) forward, or when {@code dout != null} its backward (dx += …), over elements
   * from..to-1, through the SIMD kernels when in use (else the scalar ones), in blocks copied to the
   * heap. A partial block is zero-padded to whole vectors, so every element gets the same lane-wise
   * arithmetic wherever it sits.
   */
  private static void geluTanhBlocks(
      SimdKernels k, FloatBuffer px, FloatBuffer pg, FloatBuffer po, int from, int to) {
    // RowScratch slots 0, 1, 2: x, dout, out/dx blocks
    float[] xs = RowScratch.get(0, BLOCK);
    float[] gs = RowScratch.get(1, BLOCK);
    float[] os = RowScratch.get(2, BLOCK);
    for (int b = from; b < to; b += BLOCK) {
      int n = Math.min(BLOCK, to - b);
      int padded = Math.min(BLOCK, (n + SimdKernels.PAD - 1) / SimdKernels.PAD * SimdKernels.PAD);
      px.get(b, xs, 0, n);
      java.util.Arrays.fill(xs, n, padded, 0f);
      if (pg == null) {
        k.geluTanh(xs, os, padded);
      } else {
        pg.get(b, gs, 0, n);
        po.get(b, os, 0, n);
        java.util.Arrays.fill(gs, n, padded, 0f);
        k.geluTanhGrad(xs, gs, os, padded);
      }
      po.put(b, os, 0, n);
    }
  }

  private static void map(String op, Tensor x, Tensor out, Fn f) {
    ShapeChecks.sameLayout(op, "x", x, "out", out);
    FloatBuffer px = x.buffer();
    FloatBuffer po = out.buffer();
    if (f == Fn.GELU_TANH) {
      SimdKernels k = Simd.kernelsOrScalar();
      Parallel.forRange(x.length(), WORK, (from, to) -> geluTanhBlocks(k, px, null, po, from, to));
      return;
    }
    Parallel.forRange(x.length(), WORK, (from, to) -> {
      switch (f) {
        case GELU_ERF -> {
          for (int i = from; i < to; i++) {
            po.put(i, geluErf(px.get(i)));
          }
        }
        case SILU -> {
          for (int i = from; i < to; i++) {
            po.put(i, silu(px.get(i)));
          }
        }
        default -> throw new AssertionError(f);
      }
    });
  }

  private static void mapGrad(String op, Tensor x, Tensor dout, Tensor dx, Fn f) {
    checkBackward(op, x, dout, dx);
    FloatBuffer px = x.buffer();
    FloatBuffer pg = dout.buffer();
    FloatBuffer pd = dx.buffer();
    if (f == Fn.GELU_TANH) {
      SimdKernels k = Simd.kernelsOrScalar();
      Parallel.forRange(x.length(), WORK, (from, to) -> geluTanhBlocks(k, px, pg, pd, from, to));
      return;
    }
    Parallel.forRange(x.length(), WORK, (from, to) -> {
      switch (f) {
        case GELU_ERF -> {
          for (int i = from; i < to; i++) {
            pd.put(i, pd.get(i) + geluErfGrad(px.get(i), pg.get(i)));
          }
        }
        case SILU -> {
          for (int i = from; i < to; i++) {
            pd.put(i, pd.get(i) + siluGrad(px.get(i), pg.get(i)));
          }
        }
        default -> throw new AssertionError(f);
      }
    });
  }

  private static void checkBackward(String op, Tensor x, Tensor dout, Tensor dx) {
    ShapeChecks.sameLayout(op, "x", x, "dout", dout);
    ShapeChecks.sameLayout(op, "x", x, "dx", dx);
  }
}
