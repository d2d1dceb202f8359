package dev.llmkit.benchmarks;

import dev.llmkit.model.InferenceSession;
import dev.llmkit.model.config.ModelConfig;
import dev.llmkit.model.nn.Transformer;
import dev.llmkit.model.weights.ModelWeights;
import dev.llmkit.tensor.DecodeMatrices;
import dev.llmkit.tensor.KvCache;
import dev.llmkit.tensor.RopeTable;
import java.util.SplittableRandom;
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
 * What freeing room in a full context costs, for a Llama-shaped model (width 512, 8 layers, 8
 * heads, 4 KV heads, context 1024, vocabulary 2048): SHIFT moves the cache rows of the kept half and
 * re-rotates their keys ({@link KvCache#shift}); SLIDE recomputes the kept half, a prefill of 512
 * tokens. One decode step of the same model is the unit.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class ContextOverflowBenchmark {

  static final ModelConfig CONFIG = ModelConfig.llama(2048, 1024, 8, 8, 4, 512, 1376);

  Transformer model;
  InferenceSession session;
  KvCache cache;
  RopeTable rope;
  int[] kept;

  @Setup
  public void setup() {
    model = new Transformer(ModelWeights.init(CONFIG, 1, 0.02f), DecodeMatrices.AUTO);
    session = model.newSession();
    SplittableRandom r = new SplittableRandom(1);
    kept = new int[512];
    for (int i = 0; i < kept.length; i++) {
      kept[i] = r.nextInt(CONFIG.vocabSize());
    }
    session.forward(kept);
    cache = new KvCache(CONFIG.nLayers(), CONFIG.kvDim(), CONFIG.contextLength());
    cache.ensureCapacity(CONFIG.contextLength(), 0, 0);
    rope = new RopeTable(CONFIG.headDim(), CONFIG.contextLength(), CONFIG.ropeTheta());
  }

  @TearDown
  public void tearDown() {
    session.close();
  }

  /** SHIFT: a full cache of 1024 positions keeps its newest 512, keys re-rotated by -512. */
  @Benchmark
  public KvCache shift() {
    cache.shift(0, 512, 1024, rope, CONFIG.ropeStyle());
    return cache;
  }

  /** SLIDE: the KV cache of the 512 kept tokens recomputed from position 0. */
  @Benchmark
  public float[] slide() {
    session.reset();
    return session.forward(kept);
  }

  /** The unit: one decode step at position 512. */
  @Benchmark
  public float[] decodeStep() {
    session.rewind(512);
    return session.forward(kept, 0, 1);
  }
}
