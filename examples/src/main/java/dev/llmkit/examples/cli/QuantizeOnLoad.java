package dev.llmkit.examples.cli;

import dev.llmkit.tensor.quant.QuantType;
import java.util.Locale;
import picocli.CommandLine.Option;

/**
 * The {@code --quantize TYPE} option of the commands that run a model: every weight matrix of the
 * loaded checkpoint (an F32, F16 or BF16 Hugging Face folder, a llama2.c file, an F32 GGUF) is
 * quantized once, as {@code llm quantize} would, and kept only quantized: no F32 copy stays in
 * memory. Matrices a GGUF file already stores quantized are kept as they are.
 */
final class QuantizeOnLoad {

  @Option(names = "--quantize", paramLabel = "TYPE",
      description = "Quantize the weight matrices on load and keep only the blocks: q8_0, q4_0, q4_k or q6_k"
          + " (default: as stored).")
  String type;

  /** The chosen type, or null when the option is absent. */
  QuantType type() {
    if (type == null) {
      return null;
    }
    try {
      return QuantType.valueOf(type.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "--quantize " + type + ": expected q8_0, q4_0, q4_k or q6_k");
    }
  }
}
