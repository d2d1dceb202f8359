package dev.llmkit.examples.cli;

import dev.llmkit.model.config.ModelConfig;
import dev.llmkit.model.cost.ArchitectureShape;
import dev.llmkit.model.cost.CostModel;
import dev.llmkit.model.cost.MachineProbe;
import java.io.PrintWriter;
import java.util.Locale;

/**
 * The lines {@code llm train} and {@code llm finetune} print after training: {@code peak_flops} (a
 * short matmul probe run now), {@code mfu} (model FLOPs utilisation: the training FLOPs per token of
 * the cost model, 6·N plus the attention term, times tokens/s, over peak_flops) and
 * {@code peak_memory_bytes} (the trainer's own account of the tensors it held).
 */
final class TrainingUtilisation {

  private TrainingUtilisation() {}

  static void print(PrintWriter out, ModelConfig config, int block, double tokensPerSecond,
      long peakMemoryBytes) {
    double peak = MachineProbe.peakFlops();
    double achieved = CostModel.of(ArchitectureShape.of(config)).trainFlopsPerToken(block) * tokensPerSecond;
    out.printf(Locale.ROOT, "peak_flops %.4e%n", peak);
    out.printf(Locale.ROOT, "mfu %.4f%n", achieved / peak);
    out.printf(Locale.ROOT, "peak_memory_bytes %d%n", peakMemoryBytes);
  }
}
