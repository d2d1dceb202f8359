package dev.llmkit.examples.cli;

import dev.llmkit.examples.TokenText;
import dev.llmkit.examples.plot.Charts;
import dev.llmkit.model.Models;
import dev.llmkit.model.Probabilities;
import dev.llmkit.model.TokenProbability;
import dev.llmkit.model.generate.Bos;
import dev.llmkit.model.nn.Transformer;
import dev.llmkit.tensor.Tensor;
import dev.llmkit.tokenizer.Tokenizer;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code llm explain}: why a model would say what it says next. Prints the top next tokens of a
 * prompt with their probabilities, and draws them as a bar chart and the attention weights of every
 * layer and head as heatmaps.
 */
@Command(
    name = "explain",
    mixinStandardHelpOptions = true,
    header = "Draw a prompt's next-token probabilities and attention heatmaps.",
    description = {
      "Show the next-token probabilities of a prompt (table on stdout, bar chart PNG) and the",
      "attention weights of every layer and head (heatmap PNGs) in --out."
    })
public final class ExplainCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = "--model", defaultValue = "bundled:stories260K", paramLabel = "MODEL",
      description = "Hugging Face folder, llama2.c .bin, GGUF file or bundled:stories260K (default: ${DEFAULT-VALUE}).")
  String model;

  @Option(names = "--tokenizer", description = "Tokenizer file, when the model has none (llama2.c tok*.bin).")
  Path tokenizer;

  @Option(names = "--prompt", required = true, description = "The prompt.")
  String prompt;

  @Option(names = "--out", required = true, description = "Folder for the PNG files.")
  Path out;

  @Option(names = "--top", defaultValue = "10", description = "How many next tokens to show (default: ${DEFAULT-VALUE}).")
  int top;

  @Option(names = "--layer", description = "Draw the heads of this layer only (default: every layer).")
  Integer layer;

  @Override
  public Integer call() throws Exception {
    PrintWriter stdout = spec.commandLine().getOut();
    Models.Ready loaded = ModelSource.load(model, tokenizer, true);
    Transformer m = loaded.model();
    Tokenizer tok = loaded.tokenizer();
    if (tok == null) {
      throw new IllegalArgumentException("model " + model + " has no tokenizer; name one with --tokenizer");
    }
    int[] ids = Bos.prepend(m.config(), tok, tok.encode(prompt));
    Files.createDirectories(out);

    List<TokenProbability> next = Probabilities.nextToken(m, ids, top);
    stdout.printf(Locale.ROOT, "%-5s %-8s %-20s %s%n", "rank", "id", "token", "probability");
    List<String> labels = new ArrayList<>();
    double[] p = new double[next.size()];
    for (int i = 0; i < next.size(); i++) {
      TokenProbability tp = next.get(i);
      String text = TokenText.continuation(tok, ids, tp.token());
      labels.add(text);
      p[i] = tp.probability();
      stdout.printf(Locale.ROOT, "%-5d %-8d %-20s %.4f%n", i + 1, tp.token(), TokenText.quoted(text), tp.probability());
    }
    Path bars = out.resolve("next-token.png");
    Charts.probabilityBars("Next token after \"" + prompt + "\"", labels, p, bars);
    stdout.println("wrote " + bars);

    List<String> tokens = new ArrayList<>();
    for (int i = 0; i < ids.length; i++) {
      boolean bos = i == 0 && tok.bosId().isPresent() && ids[0] == tok.bosId().getAsInt();
      tokens.add(bos ? "<bos>" : i == 0 ? tok.decode(new int[] {ids[0]})
          : TokenText.continuation(tok, java.util.Arrays.copyOf(ids, i), ids[i]));
    }
    Tensor[] attention = Probabilities.attention(m, ids);
    for (int l = 0; l < attention.length; l++) {
      if (layer != null && layer != l) {
        continue;
      }
      Tensor a = attention[l]; // (nHeads, T, T)
      int heads = a.dim(0);
      int t = a.dim(1);
      for (int h = 0; h < heads; h++) {
        float[][] w = new float[t][t];
        for (int q = 0; q < t; q++) {
          for (int k = 0; k < t; k++) {
            w[q][k] = a.get(h, q, k);
          }
        }
        Path png = out.resolve(String.format(Locale.ROOT, "attention-layer%d-head%d.png", l, h));
        Charts.attentionHeatmap("layer " + l + ", head " + h, tokens, w, png);
      }
      stdout.printf(Locale.ROOT, "wrote %d heatmaps of layer %d%n", heads, l);
    }
    stdout.flush();
    return 0;
  }

}
