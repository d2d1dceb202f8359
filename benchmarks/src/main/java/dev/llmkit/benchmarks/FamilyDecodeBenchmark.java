package dev.llmkit.benchmarks;

import dev.llmkit.model.InferenceSession;
import dev.llmkit.model.config.ModelConfig;
import dev.llmkit.model.nn.Transformer;
import dev.llmkit.tensor.DecodeMatrices;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The decode step of the families whose attention leaves the fast kernels (issue #17): a
 * Llama-shaped model (8 layers, width 512, 8 heads, 2 KV heads, ffn 1408, vocab 32000, random
 * weights) decoding one token at position 1024, side by side in one run with:
 *
 * <ul>
 *   <li>{@code plain}: standard attention ({@code DecodeAttention}, the baseline);
 *   <li>{@code window4096}: a Mistral-style sliding window longer than the context so far — the same
 *       keys through {@code VariantAttention.decode} (the cost of the scalar kernel itself);
 *   <li>{@code window256}: a window of 256 keys (what Mistral/Gemma 2/Phi-3 do past the window);
 *   <li>{@code gemma2Caps}: Gemma 2's attention soft cap and score scale, window 4096 on even layers.
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx4g"})
public class FamilyDecodeBenchmark {

  static final int POSITION = 1024;

  @Param({"plain", "window4096", "window256", "gemma2Caps"})
  public String attention;

  private InferenceSession session;
  private int next;

  /** The model of the parameter and a session holding POSITION tokens. */
  @Setup(Level.Trial)
  public void setup() {
    ModelConfig.Builder b = ModelConfig.llama(32000, 2048, 8, 8, 2, 512, 1408).toBuilder();
    switch (attention) {
      case "plain" -> { }
      case "window4096" -> b.slidingWindow(4096);
      case "window256" -> b.slidingWindow(256);
      case "gemma2Caps" -> b.slidingWindow(4096).slidingWindowPeriod(2).attentionSoftcap(50f)
          .attentionScale((float) (1 / Math.sqrt(64)));
      default -> throw new IllegalArgumentException(attention);
    }
    ModelConfig c = b.build();
    Transformer model = new Transformer(DecodeBenchmark.random(c, 1), DecodeMatrices.AUTO);
    int[] prompt = new SplittableRandom(7).ints(POSITION + 1, 0, c.vocabSize()).toArray();
    session = model.newSession();
    session.forward(prompt, 0, POSITION);
    next = prompt[POSITION];
  }

  /** Releases the session. */
  @TearDown(Level.Trial)
  public void tearDown() {
    session.close();
  }

  /** One token at POSITION, then the cache rewound so that every call does the same work. */
  @Benchmark
  public float decodeToken() {
    float[] logits = session.forward(new int[] {next}, 0, 1);
    session.rewind(POSITION);
    return logits[0];
  }
}
