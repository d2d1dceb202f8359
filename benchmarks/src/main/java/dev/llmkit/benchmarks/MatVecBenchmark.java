package dev.llmkit.benchmarks;

import dev.llmkit.tensor.HeapMatrix;
import dev.llmkit.tensor.Matmul;
import dev.llmkit.tensor.Tensor;
import java.util.concurrent.TimeUnit;
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
 * The batch-1 matrix-vector product of decoding, {@code out (N) = w (N,K) · x (K)}, through
 * {@link Matmul#matvec} (BLAS sgemv on the tensor) and {@link HeapMatrix#linear} (the Vector API
 * kernel on a heap copy, what decoding uses by default) against ND4J's {@code gemm} with one row (the same product as a
 * {@code (1,K)·(K,N)} matrix product), in the same run. Shapes: GPT-2 124M's MLP up-projection
 * (3072×768) and its tied LM head (50257×768). The weight bytes read per call are {@code 4·N·K}, so
 * GB/s = 4·N·K / time.
 *
 * <p>Forked with {@code --add-modules jdk.incubator.vector} (the SIMD path); run with
 * {@code -jvmArgsAppend -Dllmkit.simd=false} to measure the BLAS fallback.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class MatVecBenchmark {

  /** Weight matrix as {@code N,K} ([out, in]). */
  @Param({"3072,768", "50257,768"})
  public String shape;

  private Tensor w;
  private Tensor x;
  private Tensor out;
  private HeapMatrix heap;
  private INDArray ndX;
  private INDArray ndW;
  private INDArray ndOut;

  /** Random inputs, the same values for both contenders. */
  @Setup
  public void setup() {
    String[] p = shape.split(",");
    int n = Integer.parseInt(p[0].trim());
    int k = Integer.parseInt(p[1].trim());
    w = Tensor.randn(1, 0.02f, n, k);
    x = Tensor.randn(2, 1f, k);
    out = Tensor.zeros(n);
    heap = HeapMatrix.copyOf(w);
    ndW = Nd4j.create(w.toArray(), new long[] {n, k}, 'c');
    ndX = Nd4j.create(x.toArray(), new long[] {1, k}, 'c');
    ndOut = Nd4j.create(org.nd4j.linalg.api.buffer.DataType.FLOAT, 1, n);
  }

  /** llmkit: {@code Matmul.matvec}. */
  @Benchmark
  public Tensor llmkitMatvec() {
    Matmul.matvec(w, x, out);
    return out;
  }

  /** llmkit: the heap copy's Vector API product, {@code HeapMatrix.linear} (what decoding uses). */
  @Benchmark
  public Tensor llmkitHeapMatvec() {
    heap.linear(x, null, out);
    return out;
  }

  /** Baseline: ND4J {@code gemm} with one row, {@code (1,K)·(N,K)ᵀ} into a preallocated output. */
  @Benchmark
  public INDArray nd4jGemmOneRow() {
    return Nd4jBaseline.withBlasThreads(() -> Nd4j.gemm(ndX, ndW, ndOut, false, true, 1.0, 0.0));
  }
}
