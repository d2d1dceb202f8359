package dev.llmkit.benchmarks;

import dev.llmkit.sampling.Sampler;
import dev.llmkit.sampling.SamplerConfig;
import dev.llmkit.sampling.SamplingContext;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
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
 * One sampling step (logits of one decoding step -> next token) with top-k 40, top-p 0.9, or both,
 * on the vocabularies of GPT-2 (50,257), Llama 3 (128,256) and o200k (200,019): llm-sampling's chain
 * (heap selection for top-k, weighted quickselect for top-p, no sort, no allocation) against a
 * full-sort implementation of the same sampler, in the same run.
 *
 * <p>The full-sort baseline is the textbook method written without waste: softmax with
 * {@link Math#exp}, then one {@link Arrays#sort(long[])} of (probability, id) packed into longs
 * (primitive dual-pivot quicksort, no boxing, no comparator), then the cut and the draw. Both sides
 * copy the logits into a work array first, since a sampler may change them in place.
 *
 * <p>Logits: N(0, 3²), drawn once per vocabulary with a fixed seed. That spreads probability over
 * thousands of tokens (the nucleus of 0.9 is large), the hard case for top-p.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class SamplerBenchmark {

  @Param({"50257", "128256", "200019"})
  int vocab;

  /** Which filters: top-k 40, top-p 0.9, or top-k 40 then top-p 0.9. */
  @Param({"topK40", "topP0.9", "topK40+topP0.9"})
  String filter;

  float[] logits;
  float[] work;
  Sampler sampler;
  SamplingContext context;
  FullSortSampler fullSort;

  @Setup
  public void setup() {
    logits = gaussianLogits(vocab, vocab);
    work = new float[vocab];
    int topK = filter.contains("topK40") ? 40 : 0;
    float topP = filter.contains("topP0.9") ? 0.9f : 1f;
    sampler = SamplerConfig.builder().topK(topK).topP(topP).buildSampler();
    context = new SamplingContext(42);
    fullSort = new FullSortSampler(vocab, topK, topP, 42);
  }

  /** N(0, 3²) logits by Box–Muller from a seeded SplittableRandom (the same on every JDK). */
  static float[] gaussianLogits(int vocab, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    float[] logits = new float[vocab];
    for (int i = 0; i < vocab; i++) {
      double u = 1 - random.nextDouble();
      double v = random.nextDouble();
      logits[i] = (float) (3 * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v));
    }
    return logits;
  }

  /** llm-sampling's chain: top-k and/or top-p, then the random draw. */
  @Benchmark
  public int llmkit() {
    System.arraycopy(logits, 0, work, 0, vocab);
    return sampler.sample(work, context);
  }

  /** The same sampler with a full sort of the vocabulary. */
  @Benchmark
  public int fullSort() {
    System.arraycopy(logits, 0, work, 0, vocab);
    return fullSort.sample(work);
  }

  /** Softmax, sort everything, cut at k and/or p, renormalise, draw. Preallocated buffers. */
  static final class FullSortSampler {
    private final int topK;
    private final float topP;
    private final float[] probs;
    private final long[] keys;
    private final SplittableRandom random;

    FullSortSampler(int vocab, int topK, float topP, long seed) {
      this.topK = topK;
      this.topP = topP;
      this.probs = new float[vocab];
      this.keys = new long[vocab];
      this.random = new SplittableRandom(seed);
    }

    int sample(float[] logits) {
      int n = logits.length;
      float max = Float.NEGATIVE_INFINITY;
      for (float l : logits) {
        max = Math.max(max, l);
      }
      double sum = 0;
      for (int i = 0; i < n; i++) {
        float p = (float) Math.exp(logits[i] - max);
        probs[i] = p;
        sum += p;
      }
      // ascending sort of (-probability bits, id): probabilities are >= 0, so their bits order them
      for (int i = 0; i < n; i++) {
        keys[i] = ((long) ~Float.floatToRawIntBits(probs[i]) << 32) | i;
      }
      Arrays.sort(keys, 0, n);
      int keep = topK > 0 ? Math.min(topK, n) : n;
      double kept = 0;
      for (int j = 0; j < keep; j++) {
        kept += probs[(int) keys[j]];
      }
      if (topP < 1f) {
        double target = topP * kept;
        double cumulative = 0;
        for (int j = 0; j < keep; j++) {
          cumulative += probs[(int) keys[j]];
          if (cumulative >= target) {
            keep = j + 1;
            kept = cumulative;
            break;
          }
        }
      }
      double u = random.nextDouble() * kept;
      double cumulative = 0;
      for (int j = 0; j < keep; j++) {
        int id = (int) keys[j];
        cumulative += probs[id];
        if (cumulative > u) {
          return id;
        }
      }
      return (int) keys[keep - 1];
    }
  }
}
