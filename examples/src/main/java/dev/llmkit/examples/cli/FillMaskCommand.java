package dev.llmkit.examples.cli;

import dev.llmkit.model.bert.BertPipeline;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code llm fill-mask}: the most probable tokens for each [MASK] of a text (a BERT MLM head). */
@Command(
    name = "fill-mask",
    mixinStandardHelpOptions = true,
    header = "Predict the tokens behind [MASK] with an encoder (BERT) model.",
    description = {
      "Run a masked-language model on a text with one or more [MASK] tokens.",
      "Prints one 'TOKEN PROB' line per candidate, most probable first; with several masks,"
          + " each group follows a '[MASK] i' line."
    })
public final class FillMaskCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = "--model", required = true, paramLabel = "MODEL",
      description = "Hugging Face BERT folder with an MLM head (BertForMaskedLM).")
  String model;

  @Option(names = "--tokenizer", description = "tokenizer.json or vocab.txt; default: the folder's.")
  Path tokenizer;

  @Option(names = "--text", required = true, description = "Text with [MASK] tokens.")
  String text;

  @Option(names = "--top", defaultValue = "5", description = "Candidates per mask (default: ${DEFAULT-VALUE}).")
  int top;

  @Override
  public Integer call() throws Exception {
    if (top < 1) {
      throw new IllegalArgumentException("--top " + top + " must be at least 1");
    }
    BertPipeline p = EncoderModels.load(model, tokenizer);
    List<List<BertPipeline.Candidate>> masks = p.fillMask(text, top);
    PrintWriter o = spec.commandLine().getOut();
    for (int m = 0; m < masks.size(); m++) {
      if (masks.size() > 1) {
        o.printf("[MASK] %d%n", m);
      }
      for (BertPipeline.Candidate c : masks.get(m)) {
        o.printf(Locale.ROOT, "%s %.6f%n", c.token(), c.probability());
      }
    }
    o.flush();
    return 0;
  }
}
