package dev.llmkit.examples.cli;

import dev.llmkit.model.Models;
import dev.llmkit.model.Perplexity;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code llm perplexity}: a model's perplexity on a text file over non-overlapping windows, scoring
 * the second half of each, as llama.cpp's {@code llama-perplexity} does; used to judge quantization
 * and fine-tuning.
 */
@Command(
    name = "perplexity",
    mixinStandardHelpOptions = true,
    description = {
      "Perplexity of a model on a text file, over non-overlapping windows of --context tokens"
          + " (the second half of each scored, as llama-perplexity).",
      "Prints 'perplexity X', 'tokens N' (tokens scored) and 'windows W' on stdout."
    })
public final class PerplexityCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = "--model", required = true,
      description = "Hugging Face folder, llama2.c .bin, GGUF file, or random:gpt2-124m.")
  String model;

  @Option(names = "--tokenizer", description = "Tokenizer file; default: the checkpoint's own.")
  Path tokenizer;

  @Option(names = "--data", required = true, description = "UTF-8 text file to score.")
  Path data;

  @Option(names = "--context", description = "Window length in tokens (default: 512, or the model's"
      + " context length if shorter).")
  Integer context;

  @picocli.CommandLine.Mixin QuantizeOnLoad quantize;

  @Override
  public Integer call() throws Exception {
    Models.Ready loaded = ModelSource.load(model, tokenizer, true, dev.llmkit.tensor.DecodeMatrices.AUTO, quantize.type());
    String text = Files.readString(data, StandardCharsets.UTF_8);
    int[] tokens = loaded.tokenizer().encode(text);
    int n = context != null ? context : Math.min(512, loaded.model().contextLength());
    Perplexity.Result r = Perplexity.evaluate(loaded.model(), tokens, n);
    PrintWriter o = spec.commandLine().getOut();
    o.printf(java.util.Locale.ROOT, "perplexity %.4f%n", r.perplexity());
    o.printf("tokens %d%n", r.tokens());
    o.printf("windows %d%n", r.windows());
    o.flush();
    return 0;
  }
}
