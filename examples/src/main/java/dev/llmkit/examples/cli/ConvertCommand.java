package dev.llmkit.examples.cli;

import dev.llmkit.model.io.Checkpoints;
import dev.llmkit.model.io.LoadedModel;
import dev.llmkit.model.io.hf.HfConfig;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code llm convert}: loads any checkpoint this library reads (Hugging Face folder, llama2.c
 * {@code .bin}, GGUF) and saves it as a Hugging Face folder (config.json + model.safetensors +
 * tokenizer.json), which Hugging Face transformers and this library load.
 */
@Command(
    name = "convert",
    mixinStandardHelpOptions = true,
    header = "Convert a checkpoint to a Hugging Face folder.",
    description = {
      "Convert a checkpoint (Hugging Face folder, llama2.c .bin, GGUF, BERT-family .onnx) to a"
          + " Hugging Face folder.",
      "Prints 'format F', 'parameters N' and one 'wrote FILE' line per file on stdout."
    })
public final class ConvertCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = "--model", required = true,
      description = "Hugging Face folder, llama2.c .bin, GGUF file or bundled:stories260K.")
  String model;

  @Option(names = "--tokenizer",
      description = "Tokenizer file to save with the model (e.g. llama2.c tok512.bin); default: the"
          + " checkpoint's own, if any.")
  Path tokenizer;

  @Option(names = "--out", required = true, description = "Output folder (created if missing).")
  Path out;

  @Override
  public Integer call() throws Exception {
    PrintWriter o = spec.commandLine().getOut();
    if (model.toLowerCase(java.util.Locale.ROOT).endsWith(".onnx")) {
      return OnnxConvert.run(Path.of(model), tokenizer, out, o);
    }
    ModelSource.ModelFiles in = ModelSource.files(model, tokenizer);
    Checkpoints.Format format = Checkpoints.detect(in.model());
    LoadedModel m = Checkpoints.load(in.model(), in.tokenizer());
    if (HfConfig.savedConfig(m.config()).ropeStyle() != m.config().ropeStyle()) {
      spec.commandLine().getErr().println(
          "note: q/k are permuted from adjacent-pair to rotate-half RoPE, as Hugging Face's converter does");
    }
    if (m.tokenizer() == null) {
      spec.commandLine().getErr().println("note: no tokenizer to save (pass --tokenizer)");
    }
    Checkpoints.saveHuggingFace(out, m.weights(), m.tokenizer());
    o.printf("format %s%n", format.name().toLowerCase(java.util.Locale.ROOT));
    o.printf("parameters %d%n", m.weights().parameterCount());
    printWritten(out, o);
    return 0;
  }

  /** One {@code wrote FILE} line per file under {@code out} (sub-folders included), sorted. */
  static void printWritten(Path out, PrintWriter o) throws java.io.IOException {
    List<Path> files;
    try (Stream<Path> s = Files.walk(out)) {
      files = s.filter(Files::isRegularFile).sorted().toList();
    }
    for (Path f : files) {
      o.printf("wrote %s%n", f);
    }
    o.flush();
  }
}
