package dev.llmkit.model.nn;

import dev.llmkit.model.config.ModelConfig;
import dev.llmkit.model.weights.ModelWeights;
import dev.llmkit.tensor.Tensor;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Finite-difference gradient checks in float32: for a tensor p with analytic gradient g, compares
 * the directional derivative along a random ±1 direction d, {@code Σ g·d}, with the central difference
 * {@code (f(p + εd) - f(p - εd)) / 2ε}. A directional derivative sums many elements, so float32
 * rounding in f is small beside it, and a wrong element (sign, factor, missing term) still shows.
 */
public final class GradCheck {

  /** A scalar function of the current tensor contents, evaluated in float32 (loss summed in double). */
  public interface Scalar {
    double eval();
  }

  private GradCheck() {}

  /** Result of one check. */
  public record Result(String name, double analytic, double numeric) {
    double error() {
      return Math.abs(analytic - numeric);
    }

    boolean ok(double rtol, double atol) {
      return error() <= atol + rtol * Math.max(Math.abs(analytic), Math.abs(numeric));
    }

    @Override
    public String toString() {
      return String.format("%s: analytic %.6g numeric %.6g (error %.2g)", name, analytic, numeric,
          error());
    }
  }

  /**
   * Directional check of one tensor (the analytic gradient must already be in {@code grad}).
   * The tensor is restored afterwards.
   */
  public static Result check(String name, Tensor param, Tensor grad, Scalar f, double eps, long seed) {
    int n = param.length();
    float[] saved = param.toArray();
    float[] dir = new float[n];
    SplittableRandom rng = new SplittableRandom(seed);
    double analytic = 0;
    FloatBuffer g = grad.buffer();
    for (int i = 0; i < n; i++) {
      dir[i] = rng.nextBoolean() ? 1f : -1f;
      analytic += (double) g.get(i) * dir[i];
    }
    FloatBuffer p = param.buffer();
    for (int i = 0; i < n; i++) {
      p.put(i, (float) (saved[i] + eps * dir[i]));
    }
    double plus = f.eval();
    for (int i = 0; i < n; i++) {
      p.put(i, (float) (saved[i] - eps * dir[i]));
    }
    double minus = f.eval();
    param.copyFrom(saved);
    return new Result(name, analytic, (plus - minus) / (2 * eps));
  }

  /** Checks every named tensor; returns the failures (empty when all pass). */
  public static List<Result> checkAll(
      Map<String, Tensor> params, Map<String, Tensor> grads, Scalar f, double eps, double rtol,
      double atol) {
    List<Result> bad = new ArrayList<>();
    long seed = 1;
    for (Map.Entry<String, Tensor> e : params.entrySet()) {
      Result r = check(e.getKey(), e.getValue(), grads.get(e.getKey()), f, eps, seed++);
      if (!r.ok(rtol, atol)) {
        bad.add(r);
      }
    }
    return bad;
  }

  /**
   * Mean cross-entropy (log-sum-exp in double) over the rows whose label is not negative; fills
   * {@code dlogits} with its gradient when not null.
   *
   * @param logits (rows, V)
   * @param labels one per row, -1 to ignore the row
   */
  public static double crossEntropy(Tensor logits, int[] labels, Tensor dlogits) {
    int v = logits.dim(1);
    FloatBuffer l = logits.buffer();
    int count = 0;
    for (int label : labels) {
      count += label >= 0 ? 1 : 0;
    }
    double sum = 0;
    if (dlogits != null) {
      dlogits.fill(0f);
    }
    for (int r = 0; r < labels.length; r++) {
      if (labels[r] < 0) {
        continue;
      }
      double max = Double.NEGATIVE_INFINITY;
      for (int j = 0; j < v; j++) {
        max = Math.max(max, l.get(r * v + j));
      }
      double z = 0;
      for (int j = 0; j < v; j++) {
        z += Math.exp(l.get(r * v + j) - max);
      }
      sum -= l.get(r * v + labels[r]) - max - Math.log(z);
      if (dlogits != null) {
        for (int j = 0; j < v; j++) {
          double p = Math.exp(l.get(r * v + j) - max) / z;
          dlogits.buffer().put(r * v + j, (float) ((p - (j == labels[r] ? 1 : 0)) / count));
        }
      }
    }
    return sum / count;
  }

  /** Σ r·out in double: the scalar whose gradient with respect to out is r. */
  public static double dot(Tensor out, Tensor r) {
    FloatBuffer a = out.buffer();
    FloatBuffer b = r.buffer();
    double s = 0;
    for (int i = 0; i < out.length(); i++) {
      s += (double) a.get(i) * b.get(i);
    }
    return s;
  }

  /**
   * Weights of a config with every tensor random (norm weights around 1, biases non-zero), so that
   * no parameter sits at a value that could hide a wrong gradient.
   */
  public static ModelWeights randomWeights(ModelConfig c, long seed, float std) {
    ModelWeights w = ModelWeights.init(c, seed, std);
    SplittableRandom rng = new SplittableRandom(seed * 31 + 7);
    for (Map.Entry<String, Tensor> e : w.named().entrySet()) {
      Tensor t = e.getValue();
      boolean normWeight = e.getKey().contains("norm") && e.getKey().endsWith("weight");
      boolean bias = e.getKey().endsWith("bias");
      if (normWeight || bias) {
        for (int i = 0; i < t.length(); i++) {
          float r = (float) (rng.nextDouble() * 2 - 1);
          t.setFlat(i, normWeight ? 1f + 0.3f * r : 0.1f * r);
        }
      }
    }
    return w;
  }

  /** A tensor of uniform values in [-1, 1). */
  public static Tensor uniform(long seed, int... shape) {
    return Tensor.rand(seed, -1f, 1f, shape);
  }
}
