package dev.llmkit.benchmarks;

import dev.llmkit.model.config.ModelConfig;
import dev.llmkit.model.weights.ModelWeights;
import dev.llmkit.training.GradientNorms;
import dev.llmkit.training.TrainableModel;
import dev.llmkit.training.optim.AdamW;
import dev.llmkit.training.optim.AdamWConfig;
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
 * One whole training step as {@code Trainer} runs it: zero the gradients, forward with the
 * cross-entropy loss, backward, clip by global norm, AdamW update. Two shapes:
 *
 * <ul>
 *   <li>{@code char}: nanoGPT's small CPU char-level config (4 layers, 4 heads, dim 128, block 64,
 *       batch 12, vocabulary 65) — the configuration of the PyTorch comparison;
 *   <li>{@code gpt2}: GPT-2 124M (12 layers, 12 heads, dim 768, vocabulary 50257), batch 4 × 64;
 *   <li>{@code deep} and {@code deep-recompute}: 8 layers, 4 heads, width 64, vocabulary 65, batch
 *       8 × 256, without and with activation recomputation (issue 21: at most 1.4× the plain step).
 * </ul>
 *
 * <p>The baseline is PyTorch eager on the same machine ({@code scripts/bench_torch_train.py}); the
 * figures and ratios are in benchmarks/README.md, section "Training".
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(value = 1, jvmArgs = {"-Xmx4g"})
@State(Scope.Benchmark)
public class TrainStepBenchmark {

  /** Which model shape. */
  @Param({"char", "gpt2", "deep", "deep-recompute"})
  public String shape;

  private TrainableModel model;
  private AdamW optimizer;
  private int[] inputs;
  private int[] targets;

  /** Allocates the model, its optimiser and one batch of random ids. */
  @Setup
  public void setup() {
    ModelConfig cfg;
    int batch;
    int block = 64;
    if (shape.equals("char")) {
      cfg = ModelConfig.gpt2(65, block, 4, 4, 128);
      batch = 12;
    } else if (shape.startsWith("deep")) {
      block = 256;
      cfg = ModelConfig.gpt2(65, block, 8, 4, 64);
      batch = 8;
    } else {
      cfg = ModelConfig.gpt2(50257, 1024, 12, 12, 768);
      batch = 4;
    }
    ModelWeights w = ModelWeights.init(cfg, 1337, 0.02f);
    model = new TrainableModel(w, batch, block, shape.endsWith("recompute"));
    optimizer = new AdamW(w, model.gradients(), new AdamWConfig(0.9f, 0.99f, 1e-8f, 0.1f));
    inputs = new int[batch * block];
    targets = new int[batch * block];
    SplittableRandom r = new SplittableRandom(1);
    for (int i = 0; i < inputs.length; i++) {
      inputs[i] = r.nextInt(cfg.vocabSize());
      targets[i] = r.nextInt(cfg.vocabSize());
    }
  }

  /** zeroGrad + forward + backward + clip + AdamW; returns the loss. */
  @Benchmark
  public float trainStep() {
    model.zeroGrad();
    float loss = model.forward(inputs, targets);
    model.backward();
    GradientNorms.scaleAndClip(model.gradients(), 1f, 1f);
    optimizer.step(1e-4f);
    return loss;
  }
}
