package dev.llmkit.benchmarks;

import dev.llmkit.model.config.ModelConfig;
import dev.llmkit.model.weights.ModelWeights;
import dev.llmkit.training.spark.AllGatherReducer;
import dev.llmkit.training.spark.GradientPrecision;
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
 * The CPU side of one data-parallel gradient exchange of {@code AllGatherReducer} for 2 replicas,
 * without the network: flatten, encode (float32 or bf16, Base64), decode both messages, sum, write
 * back. The all-gather is a stand-in that returns this replica's message twice. Shape {@code char}
 * is nanoGPT's char config (809,856 parameters): what `llm train --spark` exchanges every step.
 * Compare with {@code TrainStepBenchmark}'s char step time.
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

  private ModelWeights gradients;
  private AllGatherReducer reducer;

  /** Random gradients of the char model. */
  @Setup
  public void setup() {
    gradients = ModelWeights.init(ModelConfig.gpt2(65, 64, 4, 4, 128), 7, 0.01f);
    reducer = new AllGatherReducer(m -> new String[] {m, m}, 2,
        GradientPrecision.valueOf(precision), AllGatherReducer.DEFAULT_BUCKET_VALUES);
  }

  /** One exchange. */
  @Benchmark
  public float exchange() {
    return reducer.allReduceMean(gradients, 1f);
  }
}
