package dev.llmkit.benchmarks;

import dev.llmkit.tensor.Matmul;
import dev.llmkit.tensor.Tensor;
import java.util.concurrent.TimeUnit;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
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
 * Square sgemm {@code C (n,n) = A (n,n)·B (n,n)} through {@link Matmul#matmul} against raw ND4J
 * {@code Nd4j.gemm} into a preallocated output, in the same run. GFLOP/s = 2n³ / time.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class MatmulBenchmark {

  /** Matrix size n (all three dimensions). */
  @Param({"1024", "2048"})
  public int n;

  private Tensor a;
  private Tensor b;
  private Tensor c;
  private INDArray ndA;
  private INDArray ndB;
  private INDArray ndC;

  /** Random inputs, the same values for both contenders. */
  @Setup
  public void setup() {
    a = Tensor.randn(1, 1f, n, n);
    b = Tensor.randn(2, 1f, n, n);
    c = Tensor.zeros(n, n);
    ndA = Nd4j.create(a.toArray(), new long[] {n, n}, 'c');
    ndB = Nd4j.create(b.toArray(), new long[] {n, n}, 'c');
    ndC = Nd4j.create(DataType.FLOAT, n, n);
  }

  /** llmkit: {@code Matmul.matmul(a, false, b, false, c, false)}. */
  @Benchmark
  public Tensor llmkitMatmul() {
    Matmul.matmul(a, false, b, false, c, false);
    return c;
  }

  /** Baseline: raw {@code Nd4j.gemm(a, b, c, false, false, 1, 0)}. */
  @Benchmark
  public INDArray nd4jGemm() {
    return Nd4jBaseline.withBlasThreads(() -> Nd4j.gemm(ndA, ndB, ndC, false, false, 1.0, 0.0));
  }
}
