package dev.llmkit.benchmarks;

import dev.llmkit.model.generate.BeamSearch;
import dev.llmkit.model.generate.BeamSearchOptions;
import dev.llmkit.model.t5.T5Config;
import dev.llmkit.model.t5.T5Decoder;
import dev.llmkit.model.t5.T5Model;
import dev.llmkit.model.t5.T5Session;
import dev.llmkit.model.t5.T5Weights;
import dev.llmkit.sampling.Logits;
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
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Batch-1 T5 decoding (random weights of t5-small's or t5-efficient-tiny's shape, F32):
 * {@code decode32} encodes nothing (the 64-token input was encoded and its cross-attention keys and
 * values projected once in setup) and decodes 32 tokens greedily from decoder_start_token_id, one
 * forward pass per token through the self-attention KV cache — the loop that
 * {@code scripts/bench_t5_torch.py --shape S} times for PyTorch eager. Tokens/s = 32000 / (ms per op).
 * {@code encode64} is the encoder's forward of the input. {@code beam4}: beam search with 4 beams
 * generating 32 tokens (no EOS) from the same start, the beams advanced together by the decoder's
 * batched step; per generated token it costs beam4 / decode32 of greedy decoding (issue #14's
 * goal: at most 2.5x).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx4g"})
public class T5DecodeBenchmark {

  /** Tokens decoded per op. */
  static final int NEW = 32;

  @Param({"small", "tiny"})
  public String shape;

  private T5Model model;
  private int[] input;
  private T5Session session;
  private T5Decoder decoder;

  /** Random weights, the input encoded once. */
  @Setup(Level.Trial)
  public void setup() {
    T5Config.Builder b = T5Config.builder().vocabSize(32128).dKv(64).numBuckets(32).maxDistance(128);
    T5Config c = shape.equals("small")
        ? b.dModel(512).numHeads(8).dFf(2048).numLayers(6).build()
        : b.dModel(256).numHeads(4).dFf(1024).numLayers(4).build();
    model = new T5Model(T5Weights.random(c, 1));
    input = new SplittableRandom(7).ints(64, 2, c.vocabSize()).toArray();
    decoder = model.conditionedOn(input);
    session = decoder.newSession();
  }

  /** Releases the session. */
  @TearDown(Level.Trial)
  public void tearDown() {
    session.close();
  }

  /** 32 greedy decoder steps from the start token. */
  @Benchmark
  public int decode32() {
    session.reset();
    int[] out = new int[NEW];
    float[] logits = session.forward(session.model().startIds());
    for (int i = 0; i < NEW; i++) {
      out[i] = Logits.argmax(logits);
      if (i + 1 < NEW) {
        logits = session.forward(out, i, 1);
      }
    }
    return out[NEW - 1];
  }

  /** Beam search, 4 beams, 32 new tokens (the last not fed back, as greedy's in decode32). */
  @Benchmark
  public double beam4() {
    BeamSearchOptions o = BeamSearchOptions.of(4, NEW).withEosTokens(Set.of());
    return new BeamSearch(decoder).search(decoder.startIds(), o).get(0).score();
  }

  /** The encoder's forward of the 64-token input. */
  @Benchmark
  public Object encode64() {
    return model.encode(input);
  }
}
