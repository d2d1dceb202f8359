package dev.llmkit.examples.cli;

import dev.llmkit.model.Models;
import dev.llmkit.model.generate.GenerationOptions;
import dev.llmkit.model.generate.GenerationResult;
import dev.llmkit.model.generate.Generator;
import dev.llmkit.sampling.Sampler;
import dev.llmkit.sampling.SamplerConfig;
import dev.llmkit.tensor.DecodeMatrices;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code llm generate}: streams a model's continuation of a prompt to stdout. */
@Command(
    name = "generate",
    mixinStandardHelpOptions = true,
    header = "Stream a model's continuation of a prompt.",
    description = {
      "Generate the continuation of a prompt and stream it to stdout as it is produced (the prompt"
          + " is not repeated). A summary (finish reason, token counts, speed) goes to stderr.",
      "PATH is a Hugging Face folder, a llama2.c .bin (then --tokenizer names its tok*.bin), a GGUF"
          + " file, bundled:stories260K (the pretrained model in the jar) or random:gpt2-124m."
    })
public final class GenerateCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = "--model", required = true, paramLabel = "MODEL",
      description = "Hugging Face folder, llama2.c .bin, GGUF file, bundled:stories260K or random:gpt2-124m.")
  String model;

  @Option(names = "--tokenizer", paramLabel = "PATH",
      description = "Tokenizer file (llama2.c tok*.bin, tokenizer.json, ...) when the model has none.")
  Path tokenizer;

  @Option(names = "--prompt", required = true, description = "The prompt text (may be empty).")
  String prompt;

  @Option(names = "--max-tokens", defaultValue = "256", description = "New tokens at most (default: ${DEFAULT-VALUE}).")
  int maxTokens;

  @Option(names = "--temperature", defaultValue = "1.0",
      description = "Sampling temperature; 0 is greedy (default: ${DEFAULT-VALUE}).")
  float temperature;

  @Option(names = "--top-k", defaultValue = "0", description = "Keep the k most likely tokens; 0 disables (default: ${DEFAULT-VALUE}).")
  int topK;

  @Option(names = "--top-p", defaultValue = "1.0", description = "Nucleus mass; 1 disables (default: ${DEFAULT-VALUE}).")
  float topP;

  @Option(names = "--min-p", defaultValue = "0.0", description = "Min-p threshold; 0 disables (default: ${DEFAULT-VALUE}).")
  float minP;

  @Option(names = "--seed", description = "Seed of the random draws (default: from the clock, printed on stderr).")
  Long seed;

  @Option(names = "--stop", description = "Stop when the text contains this string (repeatable).")
  List<String> stop = List.of();

  @Option(names = "--json-schema", paramLabel = "FILE",
      description = "Constrain the output to JSON that follows this JSON Schema (common subset).")
  Path jsonSchema;

  @Option(names = "--grammar", paramLabel = "FILE",
      description = "Constrain the output to this GBNF grammar (llama.cpp's format; starts at root).")
  Path grammar;

  @Option(names = "--decode-matrices", defaultValue = "AUTO",
      description = "Where decoding reads the weight matrices: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}:"
          + " heap copies, faster, when the Vector API is on and the heap has room; SHARED saves that memory).")
  DecodeMatrices decodeMatrices;

  @Option(names = "--sliding-window",
      description = "Forget the oldest tokens when the context is full instead of stopping.")
  boolean slidingWindow;

  @picocli.CommandLine.Mixin QuantizeOnLoad quantize;

  @Override
  public Integer call() throws Exception {
    PrintWriter err = spec.commandLine().getErr();
    Models.Ready loaded = ModelSource.load(model, tokenizer, true, decodeMatrices, quantize.type());
    if (loaded.tokenizer() == null) {
      throw new IllegalArgumentException(
          "the model " + model + " has no tokenizer; name one with --tokenizer");
    }
    long s = seed != null ? seed : System.nanoTime();
    SamplerConfig sampling = SamplerConfig.builder()
        .temperature(temperature).topK(topK).topP(topP).minP(minP).seed(s).build();
    Sampler sampler = Constraints.withGrammar(sampling, loaded.tokenizer(), grammar, jsonSchema);
    Generator generator = new Generator(loaded.model(), loaded.tokenizer(), sampler);
    GenerationOptions options = GenerationOptions.maxTokens(maxTokens)
        .withStopStrings(stop.toArray(String[]::new)).withSlidingWindow(slidingWindow);
    PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);
    GenerationResult r = generator.generate(prompt, options, sampling.newContext(), (token, text) -> {
      if (!text.isEmpty()) {
        out.print(text);
        out.flush();
      }
    });
    out.println();
    out.flush();
    err.printf("finish %s, prompt %d tokens, generated %d tokens, seed %d, prefill %.1f tok/s,"
            + " decode %.1f tok/s%n",
        r.finishReason(), r.promptTokens(), r.generatedTokens(), s, r.prefillTokensPerSecond(),
        r.decodeTokensPerSecond());
    err.flush();
    return 0;
  }
}
