package dev.llmkit.examples.cli;

import dev.llmkit.model.io.gguf.GgufQuantizer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code llm quantize}: an F32/F16/BF16 GGUF model quantized to Q8_0, Q4_0, Q4_K, Q6_K or llama.cpp's
 * Q4_K_M mixture, written as GGUF that llama.cpp loads; the same bytes as {@code llama-quantize}
 * writes for the same input.
 */
@Command(
    name = "quantize",
    mixinStandardHelpOptions = true,
    description = {
      "Quantize an F32/F16/BF16 GGUF model (as llama.cpp's llama-quantize does, same bytes).",
      "Prints 'type T', 'tensors quantized N copied M', 'bytes IN -> OUT' and 'wrote FILE' on stdout."
    })
public final class QuantizeCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = "--model", required = true, description = "Input GGUF file with F32, F16 or BF16 weights.")
  Path model;

  @Option(names = "--type", required = true, description = "q8_0, q4_0, q4_k, q6_k or q4_k_m.")
  String type;

  @Option(names = "--out", required = true, description = "Output GGUF file.")
  Path out;

  @Override
  public Integer call() throws Exception {
    GgufQuantizer.Recipe recipe = GgufQuantizer.Recipe.parse(type);
    GgufQuantizer.Result r = GgufQuantizer.quantize(model, out, recipe);
    PrintWriter o = spec.commandLine().getOut();
    o.printf("type %s%n", recipe);
    o.printf("tensors quantized %d copied %d%n", r.quantized(), r.copied());
    o.printf("bytes %d -> %d%n", r.bytesIn(), r.bytesOut());
    o.printf("wrote %s%n", out);
    o.flush();
    return 0;
  }
}
