package dev.llmkit.examples.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmkit.model.config.ModelConfig;
import dev.llmkit.model.cost.ArchitectureShape;
import dev.llmkit.model.cost.CostModel;
import dev.llmkit.model.cost.MachineProbe;
import dev.llmkit.model.weights.ModelWeights;
import dev.llmkit.training.TrainableModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.SplittableRandom;

/**
 * What this machine does per second, measured once and cached in a small JSON file (by default
 * {@code ~/.cache/llmkit/throughput.json}): peak FLOP/s of a matrix product, read bandwidth of a
 * matrix-vector product, and the FLOP/s a real training step reaches (a 4-layer, width-256 GPT-2
 * at batch 8 x block 128, forward + backward).
 *
 * @param peakFlops FLOP/s of the matmul probe
 * @param memoryBandwidth bytes/s of the matvec probe
 * @param trainFlopsPerSecond training FLOPs (3 x forward per token) per second of the training probe
 * @param measuredAt when it was measured
 */
record MachineThroughput(double peakFlops, double memoryBandwidth, double trainFlopsPerSecond,
    String measuredAt) {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** The default cache file. */
  static Path defaultFile() {
    return Path.of(System.getProperty("user.home"), ".cache", "llmkit", "throughput.json");
  }

  /** The cached figures in {@code file}, or new measurements (then cached there) when absent or {@code remeasure}. */
  static MachineThroughput cachedOrMeasured(Path file, boolean remeasure) throws IOException {
    if (!remeasure && Files.isRegularFile(file)) {
      JsonNode n = JSON.readTree(file.toFile());
      double peak = n.path("peak_flops").asDouble(0);
      double bw = n.path("memory_bandwidth").asDouble(0);
      double train = n.path("train_flops_per_s").asDouble(0);
      if (peak > 0 && bw > 0 && train > 0) {
        return new MachineThroughput(peak, bw, train, n.path("measured_at").asText(""));
      }
      System.err.println("llm: " + file + " lacks peak_flops, memory_bandwidth or train_flops_per_s;"
          + " measuring again");
    }
    MachineThroughput t = measure();
    Files.createDirectories(file.toAbsolutePath().getParent());
    ObjectNode o = JSON.createObjectNode();
    o.put("peak_flops", t.peakFlops());
    o.put("memory_bandwidth", t.memoryBandwidth());
    o.put("train_flops_per_s", t.trainFlopsPerSecond());
    o.put("measured_at", t.measuredAt());
    JSON.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), o);
    return t;
  }

  /** Measures all three figures now (a few seconds). */
  static MachineThroughput measure() {
    System.err.println("llm: measuring this machine (matmul, memory bandwidth, a training step)...");
    return new MachineThroughput(MachineProbe.peakFlops(), MachineProbe.memoryBandwidth(),
        measureTraining(), Instant.now().toString());
  }

  /** Training FLOP/s of a small GPT-2: best of 3 steps after a warm-up. */
  static double measureTraining() {
    int batch = 8;
    int block = 128;
    ModelConfig c = ModelConfig.gpt2(512, block, 4, 4, 256);
    TrainableModel m = new TrainableModel(ModelWeights.init(c, 1, 0.02f), batch, block);
    int[] in = new SplittableRandom(1).ints(batch * block, 0, c.vocabSize()).toArray();
    int[] target = new SplittableRandom(2).ints(batch * block, 0, c.vocabSize()).toArray();
    long best = Long.MAX_VALUE;
    for (int r = 0; r < 4; r++) {
      long t0 = System.nanoTime();
      m.zeroGrad();
      m.forward(in, target);
      m.backward();
      if (r > 0) {
        best = Math.min(best, System.nanoTime() - t0);
      }
    }
    double perToken = CostModel.of(ArchitectureShape.of(c)).trainFlopsPerToken(block);
    return perToken * batch * block / (best / 1e9);
  }
}
