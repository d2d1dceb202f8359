package dev.llmkit.benchmarks;

import dev.llmkit.model.BatchSession;
import dev.llmkit.model.InferenceSession;
import dev.llmkit.model.SessionOptions;
import dev.llmkit.model.config.ModelConfig;
import dev.llmkit.model.generate.BeamSearch;
import dev.llmkit.model.generate.BeamSearchOptions;
import dev.llmkit.model.nn.Transformer;
import java.util.Set;
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
 * Batched decoding of a GPT-2 124M-shaped model (random weights, heap-copy matrices), each against
 * its baseline in the same run:
 *
 * <ul>
 *   <li>{@code batched8Step}: one token for each of 8 sequences in one batched step, against
 *       {@code sequential8Step}: the same 8 tokens through 8 single-sequence sessions. Both start
 *       each iteration from prompts of {@value #PROMPT} tokens, so positions grow alike. Tokens/s
 *       ratio = sequential time / batched time.
 *   <li>{@code beam4}: beam search with 4 beams generating {@value #NEW} tokens (no EOS), against
 *       {@code greedy}: prefill plus {@value #NEW} greedy tokens of one session. Per generated
 *       token the ratio is beam4 / greedy (both generate NEW tokens from the same prompt).
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 4, time = 3)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx4g"})
public class BatchDecodeBenchmark {

  static final int B = 8;
  static final int PROMPT = 64;
  static final int NEW = 16;

  private Transformer model;
  private int[][] prompts;
  private BatchSession batch;
  private InferenceSession[] singles;
  private int[] rows;
  private int[] next;

  /** Random GPT-2 124M-shaped weights. */
  @Setup(Level.Trial)
  public void setup() {
    ModelConfig c = ModelConfig.gpt2(50257, 1024, 12, 12, 768);
    model = new Transformer(DecodeBenchmark.random(c, 1));
    prompts = new int[B][];
    for (int b = 0; b < B; b++) {
      prompts[b] = new SplittableRandom(7 + b).ints(PROMPT, 0, c.vocabSize()).toArray();
    }
    rows = new int[B];
    next = new int[B];
    for (int b = 0; b < B; b++) {
      rows[b] = b;
      next[b] = (b * 977) % c.vocabSize();
    }
  }

  /** Sessions holding the prompts, made again for each iteration. */
  @Setup(Level.Iteration)
  public void sessions() {
    SessionOptions o = new SessionOptions(false, 0, 1024);
    batch = model.newBatchSession(B, o);
    singles = new InferenceSession[B];
    for (int b = 0; b < B; b++) {
      batch.prefill(b, prompts[b], 0, PROMPT);
      singles[b] = model.newSession(o);
      singles[b].forward(prompts[b]);
    }
  }

  @TearDown(Level.Iteration)
  public void close() {
    batch.close();
    for (InferenceSession s : singles) {
      s.close();
    }
  }

  @Benchmark
  public float batched8Step() {
    float[][] logits = batch.step(rows, next, B);
    return logits[B - 1][0];
  }

  @Benchmark
  public float sequential8Step() {
    float s = 0;
    for (int b = 0; b < B; b++) {
      s += singles[b].forward(next, b, 1)[0];
    }
    return s;
  }

  @Benchmark
  public double beam4() {
    BeamSearchOptions o = BeamSearchOptions.of(4, NEW).withEosTokens(Set.of());
    return new BeamSearch(model).search(prompts[0], o).get(0).score();
  }

  @Benchmark
  public int greedy() {
    try (InferenceSession s = model.newSession(new SessionOptions(false, 0, PROMPT + NEW))) {
      float[] logits = s.forward(prompts[0]);
      int[] t = new int[1];
      for (int i = 0; i < NEW; i++) {
        int best = 0;
        for (int j = 1; j < logits.length; j++) {
          if (logits[j] > logits[best]) {
            best = j;
          }
        }
        t[0] = best;
        if (i < NEW - 1) {
          logits = s.forward(t, 0, 1); // as beam search, the last token is not fed back
        }
      }
      return t[0];
    }
  }
}
