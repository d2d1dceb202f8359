package dev.llmkit.benchmarks;

import dev.llmkit.tensor.Attention;
import dev.llmkit.tensor.AttentionMask;
import dev.llmkit.tensor.Tensor;
import java.util.concurrent.TimeUnit;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
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
 * Causal self-attention, 12 heads × 64 (GPT-2 124M), sequence length T: the fused
 * {@link Attention#forward} (no probabilities requested) against a composition of separate ND4J
 * calls on head-major inputs (the layout that suits ND4J, given to it for free): batched matmul
 * {@code q·kᵀ}, scale, add the causal mask, softmax, batched matmul with {@code v}, all into
 * preallocated arrays.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class AttentionBenchmark {

  private static final int HEADS = 12;
  private static final int HEAD_DIM = 64;

  /** Sequence length (queries = keys). */
  @Param({"256", "1024"})
  public int t;

  private Tensor q;
  private Tensor k;
  private Tensor v;
  private Tensor out;

  private INDArray qh;
  private INDArray kh;
  private INDArray vh;
  private INDArray scores;
  private INDArray mask;
  private INDArray ndOut;

  /** Random inputs, the same values for both contenders. */
  @Setup
  public void setup() {
    int c = HEADS * HEAD_DIM;
    q = Tensor.randn(1, 1f, t, c);
    k = Tensor.randn(2, 1f, t, c);
    v = Tensor.randn(3, 1f, t, c);
    out = Tensor.zeros(t, c);
    // (T, H*hd) -> (H, T, hd)
    qh = headMajor(q);
    kh = headMajor(k);
    vh = headMajor(v);
    scores = Nd4j.create(DataType.FLOAT, HEADS, t, t);
    ndOut = Nd4j.create(DataType.FLOAT, HEADS, t, HEAD_DIM);
    float[] m = new float[HEADS * t * t];
    for (int h = 0; h < HEADS; h++) {
      for (int i = 0; i < t; i++) {
        for (int j = i + 1; j < t; j++) {
          m[(h * t + i) * t + j] = -1e9f;
        }
      }
    }
    mask = Nd4j.create(m, new long[] {HEADS, t, t}, 'c');
  }

  private INDArray headMajor(Tensor x) {
    return Nd4j.create(x.toArray(), new long[] {t, HEADS, HEAD_DIM}, 'c').permute(1, 0, 2).dup('c');
  }

  /** llmkit: fused causal attention, {@code probs == null}. */
  @Benchmark
  public Tensor llmkitFused() {
    Attention.forward(q, k, v, HEADS, HEADS, AttentionMask.CAUSAL, t, 0, out, null);
    return out;
  }

  /** Baseline: ND4J matmul, scale, mask add, softmax, matmul as separate calls. */
  @Benchmark
  public INDArray nd4jComposition() {
    Nd4j.matmul(qh, kh, scores, false, true, false); // (H,T,hd)·(H,T,hd)ᵀ -> (H,T,T)
    scores.muli(1.0 / Math.sqrt(HEAD_DIM));
    scores.addi(mask);
    Nd4j.exec(new SoftMax(scores, scores, -1));
    Nd4j.matmul(scores, vh, ndOut); // (H,T,T)·(H,T,hd) -> (H,T,hd)
    return ndOut;
  }
}
