package dev.llmkit.benchmarks;

import dev.llmkit.tensor.LayerNorm;
import dev.llmkit.tensor.RmsNorm;
import dev.llmkit.tensor.Softmax;
import dev.llmkit.tensor.Tensor;
import java.util.concurrent.TimeUnit;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The row-wise kernels that run per token and per training step, each against the same computation
 * written as a composition of ND4J ops (one native call per op), in the same run:
 *
 * <ul>
 *   <li>LayerNorm and RMSNorm over GPT-2 124M's activations of one 256-token sequence, (256, 768);
 *   <li>row softmax over attention scores, 12 heads × 256 queries × 256 keys, (3072, 256), and over one
 *       decoding step's logits, (1, 50257). For softmax ND4J's own fused native {@code softmax} op is
 *       measured too, as a second, stronger baseline.
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class NormSoftmaxBenchmark {

  private static final float EPS = 1e-5f;

  /** Inputs of the norm benchmarks: x (256, 768), weight and bias (768). */
  @State(Scope.Benchmark)
  public static class Norms {
    Tensor x;
    Tensor w;
    Tensor b;
    Tensor out;
    Tensor mean;
    Tensor rstd;
    INDArray ndX;
    INDArray ndW;
    INDArray ndB;
    /** Preallocated (256, 768) work arrays, so that the baseline's elementwise ops run in place. */
    INDArray ndA;
    INDArray ndSq;

    /** Random inputs, the same values for both contenders. */
    @Setup
    public void setup() {
      x = Tensor.randn(1, 1f, 256, 768);
      w = Tensor.randn(2, 1f, 768);
      b = Tensor.randn(3, 1f, 768);
      out = Tensor.zeros(256, 768);
      mean = Tensor.zeros(256);
      rstd = Tensor.zeros(256);
      ndX = Nd4j.create(x.toArray(), new long[] {256, 768}, 'c');
      ndW = Nd4j.create(w.toArray(), new long[] {1, 768}, 'c');
      ndB = Nd4j.create(b.toArray(), new long[] {1, 768}, 'c');
      ndA = Nd4j.create(ndX.dataType(), 256, 768);
      ndSq = Nd4j.create(ndX.dataType(), 256, 768);
      // both contenders must compute the same thing
      NormSoftmaxBenchmark b = new NormSoftmaxBenchmark();
      check("layerNorm", b.layerNorm(this), b.layerNormNd4jOps(this));
      check("rmsNorm", b.rmsNorm(this), b.rmsNormNd4jOps(this));
    }
  }

  /** Inputs of the softmax benchmarks. */
  @State(Scope.Benchmark)
  public static class Rows {
    /** rows,cols: attention scores of 12 heads × T = 256, and one logits row of GPT-2's vocabulary. */
    @Param({"3072,256", "1,50257"})
    public String shape;

    Tensor x;
    Tensor out;
    INDArray ndX;
    INDArray ndOut;

    /** Random scores, the same values for all contenders. */
    @Setup
    public void setup() {
      String[] p = shape.split(",");
      int rows = Integer.parseInt(p[0].trim());
      int cols = Integer.parseInt(p[1].trim());
      x = Tensor.randn(4, 3f, rows, cols);
      out = Tensor.zeros(rows, cols);
      ndX = Nd4j.create(x.toArray(), new long[] {rows, cols}, 'c');
      ndOut = Nd4j.createUninitialized(ndX.dataType(), rows, cols);
      NormSoftmaxBenchmark b = new NormSoftmaxBenchmark();
      check("softmax", b.softmax(this), b.softmaxNd4jOps(this));
      check("softmax", b.softmax(this), b.softmaxNd4jNative(this));
    }
  }

  /** Throws unless the two results agree to float precision. */
  static void check(String what, Tensor ours, INDArray theirs) {
    float[] a = ours.toArray();
    float[] b = theirs.reshape(theirs.length()).toFloatVector();
    for (int i = 0; i < a.length; i++) {
      if (Math.abs(a[i] - b[i]) > 1e-4f * Math.max(1f, Math.abs(b[i]))) {
        throw new IllegalStateException(what + ": llmkit and ND4J differ at " + i + ": " + a[i] + " vs " + b[i]);
      }
    }
  }

  /** llmkit: fused LayerNorm forward, saving mean and rstd as training does. */
  @Benchmark
  public Tensor layerNorm(Norms s) {
    LayerNorm.forward(s.x, s.w, s.b, EPS, s.out, s.mean, s.rstd);
    return s.out;
  }

  /**
   * Baseline: LayerNorm as ND4J ops (mean, subtract, square, mean, rsqrt, scale, shift), elementwise
   * ops in place on preallocated arrays (only the per-row vectors are allocated).
   */
  @Benchmark
  public INDArray layerNormNd4jOps(Norms s) {
    INDArray mean = s.ndX.mean(true, 1);
    INDArray xc = s.ndA.assign(s.ndX).subiColumnVector(mean);
    INDArray var = s.ndSq.assign(xc).muli(xc).mean(true, 1);
    INDArray rstd = Transforms.pow(var.addi(EPS), -0.5, false);
    return xc.muliColumnVector(rstd).muliRowVector(s.ndW).addiRowVector(s.ndB);
  }

  /** llmkit: fused RMSNorm forward, saving rstd. */
  @Benchmark
  public Tensor rmsNorm(Norms s) {
    RmsNorm.forward(s.x, s.w, EPS, s.out, s.rstd);
    return s.out;
  }

  /** Baseline: RMSNorm as ND4J ops (square, mean, rsqrt, scale, gain), in place where possible. */
  @Benchmark
  public INDArray rmsNormNd4jOps(Norms s) {
    INDArray ms = s.ndSq.assign(s.ndX).muli(s.ndX).mean(true, 1);
    INDArray rstd = Transforms.pow(ms.addi(EPS), -0.5, false);
    return s.ndA.assign(s.ndX).muliColumnVector(rstd).muliRowVector(s.ndW);
  }

  /** llmkit: fused row softmax. */
  @Benchmark
  public Tensor softmax(Rows s) {
    Softmax.softmax(s.x, s.out);
    return s.out;
  }

  /** Baseline: row softmax as ND4J ops (max, subtract, exp, sum, divide), in place in a preallocated output. */
  @Benchmark
  public INDArray softmaxNd4jOps(Rows s) {
    INDArray max = s.ndX.max(true, 1);
    INDArray e = Transforms.exp(s.ndOut.assign(s.ndX).subiColumnVector(max), false);
    INDArray sum = e.sum(true, 1);
    return e.diviColumnVector(sum);
  }

  /** Second baseline: ND4J's fused native softmax op into a preallocated output. */
  @Benchmark
  public INDArray softmaxNd4jNative(Rows s) {
    Nd4j.exec(new SoftMax(s.ndX, s.ndOut, 1));
    return s.ndOut;
  }
}
