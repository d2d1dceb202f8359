package dev.llmkit.benchmarks;

import dev.llmkit.model.InferenceSession;
import dev.llmkit.model.config.ModelConfig;
import dev.llmkit.tensor.DecodeMatrices;
import dev.llmkit.model.nn.Transformer;
import dev.llmkit.model.weights.LayerWeights;
import dev.llmkit.model.weights.ModelWeights;
import dev.llmkit.tensor.HeapMatrix;
import dev.llmkit.tensor.Matmul;
import dev.llmkit.tensor.Tensor;
import java.nio.FloatBuffer;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Batch-1 inference of a GPT-2 124M-shaped model (12 layers, 12 heads, width 768, vocab 50257,
 * random weights), each against its floor measured in the same run:
 *
 * <ul>
 *   <li>{@code decodeToken}: one token through the whole model at position 256 (the KV cache then
 *       rewound, so every call does the same work), against {@code decodeMatvecsOnly}: the same
 *       weight matrices through {@code Matmul.matvec} and nothing else — the weight-streaming cost
 *       that a decode step cannot go below with this kernel;
 *   <li>{@code prefill512}: a 512-token prompt in one forward pass, against {@code prefillGemmsOnly}:
 *       the same matrix products through {@code Matmul.linear} (sgemm) and nothing else.
 * </ul>
 *
 * <p>The end-to-end figure (tokens per second, with PyTorch as the baseline) is {@code ./llm bench
 * --model random:gpt2-124m}; see benchmarks/README.md.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx4g"})
public class DecodeBenchmark {

  static final int POSITION = 256;
  static final int PROMPT = 512;

  private ModelWeights weights;
  private Transformer model;
  private InferenceSession decodeSession;
  private InferenceSession sharedDecodeSession;
  private InferenceSession prefillSession;
  private int[] prompt;
  private int next;
  private Tensor[] mvIn;
  private Tensor[] mvOut;
  private Tensor[] mvW;
  private HeapMatrix[] mvHeap;
  private Tensor[] gemmIn;
  private Tensor[] gemmOut;

  /** Random GPT-2 124M-shaped weights and a session holding POSITION tokens. */
  @Setup(Level.Trial)
  public void setup() {
    ModelConfig c = ModelConfig.gpt2(50257, 1024, 12, 12, 768);
    weights = random(c, 1);
    model = new Transformer(weights);
    prompt = new SplittableRandom(7).ints(PROMPT, 0, c.vocabSize()).toArray();
    decodeSession = model.newSession();
    decodeSession.forward(prompt, 0, POSITION);
    sharedDecodeSession = new Transformer(weights, DecodeMatrices.SHARED).newSession();
    sharedDecodeSession.forward(prompt, 0, POSITION);
    prefillSession = model.newSession();
    next = prompt[POSITION];
    // the decode step's matrices in order, with inputs and outputs of their shapes
    int n = 6 * c.nLayers() + 1;
    mvW = new Tensor[n];
    int i = 0;
    for (int l = 0; l < c.nLayers(); l++) {
      LayerWeights w = weights.layer(l);
      mvW[i++] = w.wq();
      mvW[i++] = w.wk();
      mvW[i++] = w.wv();
      mvW[i++] = w.wo();
      mvW[i++] = w.w1();
      mvW[i++] = w.w2();
    }
    mvW[i] = weights.lmHead();
    mvHeap = new HeapMatrix[n];
    for (int j = 0; j < n; j++) {
      mvHeap[j] = HeapMatrix.copyOf(mvW[j]);
    }
    mvIn = new Tensor[n];
    mvOut = new Tensor[n];
    gemmIn = new Tensor[n];
    gemmOut = new Tensor[n];
    for (int j = 0; j < n; j++) {
      mvIn[j] = Tensor.rand(j, -1, 1, 1, mvW[j].dim(1));
      mvOut[j] = Tensor.zeros(1, mvW[j].dim(0));
      gemmIn[j] = Tensor.rand(j, -1, 1, PROMPT, mvW[j].dim(1));
      gemmOut[j] = j == n - 1 ? null : Tensor.zeros(PROMPT, mvW[j].dim(0));
    }
  }

  /** Releases the sessions. */
  @TearDown(Level.Trial)
  public void tearDown() {
    decodeSession.close();
    sharedDecodeSession.close();
    prefillSession.close();
  }

  /** Uniform random weights (std 0.02), norm weights 1, biases 0: fast to make, same speed as real ones. */
  static ModelWeights random(ModelConfig c, long seed) {
    ModelWeights w = ModelWeights.zeros(c);
    long s = seed * 0x9E3779B97F4A7C15L + 1;
    float scale = 0.02f * (float) Math.sqrt(3.0) / (1L << 31);
    for (Map.Entry<String, Tensor> e : w.named().entrySet()) {
      FloatBuffer b = e.getValue().buffer();
      int n = e.getValue().length();
      boolean norm = e.getKey().endsWith("norm.weight");
      if (e.getKey().endsWith(".bias")) {
        continue;
      }
      for (int i = 0; i < n; i++) {
        s ^= s << 13;
        s ^= s >>> 7;
        s ^= s << 17;
        b.put(i, norm ? 1f : (int) (s >> 32) * scale);
      }
    }
    return w;
  }

  /** One decode step at position 256: every weight read once, the KV cache attended. */
  @Benchmark
  public float decodeToken() {
    float[] logits = decodeSession.forward(next);
    decodeSession.rewind(POSITION);
    return logits[0];
  }

  /**
   * The same step with {@link DecodeMatrices#SHARED}: the products read the weights in place
   * through BLAS sgemv instead of from the heap copies that {@code decodeToken}'s model (AUTO) made.
   */
  @Benchmark
  public float decodeTokenShared() {
    float[] logits = sharedDecodeSession.forward(next);
    sharedDecodeSession.rewind(POSITION);
    return logits[0];
  }

  /**
   * Floor of decodeToken: the matrix-vector products of one decode step and nothing else, i.e. all
   * 124M weights (497 MB) streamed once: per layer wq, wk, wv, wo (768×768), w1 (3072×768), w2
   * (768×3072), then the LM head (50257×768).
   */
  @Benchmark
  public float decodeMatvecsOnly() {
    for (int j = 0; j < mvW.length; j++) {
      Matmul.matvec(mvW[j], mvIn[j], mvOut[j]);
    }
    return mvOut[mvW.length - 1].getFlat(0);
  }

  /** Floor of decodeToken with heap copies: the same products through {@link HeapMatrix#linear}. */
  @Benchmark
  public float decodeHeapMatvecsOnly() {
    for (int j = 0; j < mvHeap.length; j++) {
      mvHeap[j].linear(mvIn[j], null, mvOut[j]);
    }
    return mvOut[mvHeap.length - 1].getFlat(0);
  }

  /** A 512-token prompt in one forward pass (logits of the last position only). */
  @Benchmark
  public float prefill512() {
    prefillSession.reset();
    return prefillSession.forward(prompt)[0];
  }

  /** Floor of prefill512: its matrix products through sgemm and nothing else. */
  @Benchmark
  public float prefillGemmsOnly() {
    for (int j = 0; j < mvW.length - 1; j++) {
      Matmul.linear(gemmIn[j], mvW[j], null, gemmOut[j]);
    }
    return gemmOut[0].getFlat(0);
  }
}
