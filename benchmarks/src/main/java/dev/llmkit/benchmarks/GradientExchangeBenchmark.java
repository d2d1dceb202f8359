package dev.llmkit.benchmarks;

import dev.llmkit.model.config.ModelConfig;
import dev.llmkit.model.weights.ModelWeights;
import dev.llmkit.training.GradientReducer;
import dev.llmkit.training.spark.AllGatherReducer;
import dev.llmkit.training.spark.GradientPrecision;
import dev.llmkit.training.spark.RingAllReduce;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One data-parallel gradient exchange for 2 replicas of nanoGPT's char config (809,856 parameters):
 * what `llm train --spark` exchanges every step. {@code ALL_GATHER} is the CPU side of
 * {@code AllGatherReducer} without the network or Spark's driver (flatten, encode as Base64,
 * decode both messages, sum, write back; the all-gather is a stand-in that returns this replica's
 * message twice), so it is a floor for that path. {@code RING} is the whole {@code RingAllReduce}:
 * real TCP over loopback with a second replica on a partner thread of this JVM. Compare with
 * {@code TrainStepBenchmark}'s char step time.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgs = {"-Xmx2g"})
@State(Scope.Benchmark)
public class GradientExchangeBenchmark {

  /** Wire precision. */
  @Param({"FLOAT32", "BF16"})
  public String precision;

  /** {@code ALL_GATHER} (CPU side only) or {@code RING} (over loopback TCP). */
  @Param({"ALL_GATHER", "RING"})
  public String exchange;

  private ModelWeights gradients;
  private GradientReducer reducer;
  private RingAllReduce partner;
  private Thread partnerThread;

  /** Random gradients of the char model; for the ring, the partner replica and its loop. */
  @Setup
  public void setup() throws Exception {
    ModelConfig charModel = ModelConfig.gpt2(65, 64, 4, 4, 128);
    gradients = ModelWeights.init(charModel, 7, 0.01f);
    GradientPrecision p = GradientPrecision.valueOf(precision);
    if (exchange.equals("ALL_GATHER")) {
      reducer = new AllGatherReducer(m -> new String[] {m, m}, 2, p,
          AllGatherReducer.DEFAULT_BUCKET_VALUES);
      return;
    }
    // the address exchange of two threads: each publishes its address and takes both
    String[] slots = new String[2];
    CyclicBarrier met = new CyclicBarrier(2);
    AtomicReference<RingAllReduce> other = new AtomicReference<>();
    Thread joining = new Thread(() -> other.set(RingAllReduce.connect(
        m -> gather(slots, met, 1, m), 1, 2, "127.0.0.1", p, 60_000, () -> false)));
    joining.start();
    reducer = RingAllReduce.connect(m -> gather(slots, met, 0, m), 0, 2, "127.0.0.1", p, 60_000,
        () -> false);
    joining.join();
    partner = other.get();
    ModelWeights partnerGradients = ModelWeights.init(charModel, 8, 0.01f);
    partnerThread = new Thread(() -> {
      try {
        while (true) {
          partner.allReduceMean(partnerGradients, 1f);
        }
      } catch (RuntimeException closed) {
        // the benchmark closed the ring
      }
    }, "ring-partner");
    partnerThread.setDaemon(true);
    partnerThread.start();
  }

  private static String[] gather(String[] slots, CyclicBarrier met, int rank, String message) {
    try {
      slots[rank] = message;
      met.await();
      String[] all = slots.clone();
      met.await();
      return all;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Closes the ring (the partner's loop ends). */
  @TearDown
  public void tearDown() throws InterruptedException {
    if (reducer instanceof RingAllReduce ring) {
      ring.close();
      partner.close();
      partnerThread.join(10_000);
    }
  }

  /** One exchange. */
  @Benchmark
  public float exchange() {
    return reducer.allReduceMean(gradients, 1f);
  }
}
