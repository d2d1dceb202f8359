package dev.llmkit.benchmarks;

import dev.llmkit.tensor.Activations;
import dev.llmkit.tensor.Attention;
import dev.llmkit.tensor.AttentionMask;
import dev.llmkit.tensor.DecodeAttention;
import dev.llmkit.tensor.kernel.Parallel;
import dev.llmkit.tensor.Tensor;
import java.nio.FloatBuffer;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.RecursiveAction;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The small, frequent kernels of a decode step and a training step, each beside the way it was
 * done before (kept here as the baseline):
 *
 * <ul>
 *   <li>{@code teamLoop} vs {@code forkJoinLoop}: one parallel loop of two tiny chunks (the fixed
 *       cost a kernel pays to use both cores) on {@link Parallel}'s spinning team vs a 2-thread
 *       {@link ForkJoinPool} invoked from outside, as {@code Parallel} did before;
 *   <li>{@code decodeAttention} vs {@code generalAttentionOneRow}: one new query row over 576
 *       cached positions of a GPT-2 layer (12 heads × 64), by {@link DecodeAttention} on the cache
 *       layout vs the general {@link Attention#forward} kernel with T = 1;
 *   <li>{@code geluSimd} vs {@code geluScalar}: GELU (tanh) of a (768, 512) activation (a char-level
 *       training step's size) by {@link Activations#gelu} vs the scalar per-element function on the
 *       same team.
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class KernelDispatchBenchmark {

  private static final int HEADS = 12;
  private static final int HEAD_DIM = 64;
  private static final int KEYS = 576;

  private final long[] sink = new long[64];
  private ForkJoinPool pool;

  private DecodeAttention decode;
  private Tensor qRow;
  private Tensor attOut;
  private float[] keysT;
  private float[] values;
  private int stride;
  private Tensor k;
  private Tensor v;

  private Tensor geluIn;
  private Tensor geluOut;

  /** Inputs, the same values for both contenders. */
  @Setup
  public void setup() {
    pool = new ForkJoinPool(Parallel.threads());
    int c = HEADS * HEAD_DIM;
    decode = new DecodeAttention(HEADS, HEADS, HEAD_DIM, 1024);
    qRow = Tensor.randn(1, 1f, 1, c);
    attOut = Tensor.zeros(1, c);
    k = Tensor.randn(2, 1f, KEYS, c);
    v = Tensor.randn(3, 1f, KEYS, c);
    stride = DecodeAttention.paddedStride(1024);
    keysT = new float[c * stride];
    float[] kv = k.toArray();
    for (int j = 0; j < KEYS; j++) {
      for (int i = 0; i < c; i++) {
        keysT[i * stride + j] = kv[j * c + i];
      }
    }
    values = v.toArray();
    geluIn = Tensor.randn(4, 1f, 768, 512);
    geluOut = Tensor.zeros(768, 512);
  }

  /** Stops the baseline's pool. */
  @TearDown
  public void tearDown() {
    pool.shutdown();
  }

  /** A two-chunk loop on Parallel's team. */
  @Benchmark
  public long teamLoop() {
    Parallel.forRange(2, Parallel.MIN_WORK_PER_TASK, (from, to) -> sink[from * 16]++);
    return sink[0];
  }

  /** Baseline: the same two chunks through a fork/join pool invoked from outside it. */
  @Benchmark
  public long forkJoinLoop() {
    pool.invoke(
        new RecursiveAction() {
          @Override
          protected void compute() {
            ForkJoinTask<?> other = ForkJoinTask.adapt(() -> sink[16]++).fork();
            sink[0]++;
            other.join();
          }
        });
    return sink[0];
  }

  /** One query row over the cache in place. */
  @Benchmark
  public Tensor decodeAttention() {
    decode.forward(qRow, keysT, values, stride, KEYS, attOut);
    return attOut;
  }

  /** Baseline: the general kernel on row-major k, v with one query row at position KEYS-1. */
  @Benchmark
  public Tensor generalAttentionOneRow() {
    Attention.forward(qRow, k, v, HEADS, HEADS, AttentionMask.CAUSAL, KEYS, KEYS - 1, attOut, null);
    return attOut;
  }

  /** GELU (tanh) through the kernel (Vector API path). */
  @Benchmark
  public Tensor geluSimd() {
    Activations.gelu(geluIn, geluOut);
    return geluOut;
  }

  /** Baseline: the scalar GELU function per element, on the same team. */
  @Benchmark
  public Tensor geluScalar() {
    FloatBuffer x = geluIn.buffer();
    FloatBuffer o = geluOut.buffer();
    Parallel.forRange(geluIn.length(), 16, (from, to) -> {
      for (int i = from; i < to; i++) {
        o.put(i, Activations.geluTanh(x.get(i)));
      }
    });
    return geluOut;
  }
}
