package dev.llmkit.examples.cli;

import dev.llmkit.model.bert.BertPipeline;
import dev.llmkit.model.bert.Pooling;
import dev.llmkit.tensor.Tensor;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code llm embed}: sentence embeddings from an encoder (BERT, sentence-transformers, ONNX). */
@Command(
    name = "embed",
    mixinStandardHelpOptions = true,
    header = "Embed sentences with an encoder (BERT) model.",
    description = {
      "Embed one text, or every line of a file, with an encoder model (its sentence-transformers"
          + " pooling, else the [CLS] state; --pooling and --normalize override it).",
      "Prints one vector per line (space-separated floats), or with --out writes a float32 .npy of"
          + " shape [N, C] and prints 'shape N C'."
    })
public final class EmbedCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = "--model", required = true, paramLabel = "MODEL",
      description = "Hugging Face BERT folder (sentence-transformers layout read) or a BERT .onnx.")
  String model;

  @Option(names = "--tokenizer", description = "tokenizer.json or vocab.txt; default: the model's.")
  Path tokenizer;

  static final class Input {
    @Option(names = "--text", required = true, description = "One text to embed.")
    String text;

    @Option(names = "--input", required = true, description = "A file with one text per line.")
    Path file;
  }

  @ArgGroup(exclusive = true, multiplicity = "1")
  Input input;

  @Option(names = "--out", description = "Write a float32 .npy [N, C] instead of printing.")
  Path out;

  @Option(names = "--pooling", description = "mean or cls (default: the model's).")
  String pooling;

  @Option(names = "--normalize", description = "L2-normalise each vector (default: the model's).")
  boolean normalize;

  @Override
  public Integer call() throws Exception {
    Pooling how = null;
    if (pooling != null) {
      how = switch (pooling.toLowerCase(Locale.ROOT)) {
        case "mean" -> Pooling.MEAN;
        case "cls" -> Pooling.CLS;
        default -> throw new IllegalArgumentException(
            "--pooling '" + pooling + "' is not one of mean, cls");
      };
    }
    List<String> texts = input.text != null ? List.of(input.text)
        : Files.readAllLines(input.file).stream().filter(l -> !l.isBlank()).toList();
    if (texts.isEmpty()) {
      throw new IllegalArgumentException("--input " + input.file + " has no non-empty line");
    }
    BertPipeline p = EncoderModels.load(model, tokenizer);
    float[][] v = p.embed(texts, how != null ? how : p.pooling(), normalize || p.normalizes());
    PrintWriter o = spec.commandLine().getOut();
    if (out != null) {
      int c = v[0].length;
      float[] flat = new float[v.length * c];
      for (int i = 0; i < v.length; i++) {
        System.arraycopy(v[i], 0, flat, i * c, c);
      }
      LogitsCommand.writeNpy(out, Tensor.of(flat, v.length, c));
      o.printf("shape %d %d%n", v.length, c);
    } else {
      for (float[] row : v) {
        StringBuilder sb = new StringBuilder();
        for (int j = 0; j < row.length; j++) {
          sb.append(j == 0 ? "" : " ").append(String.format(Locale.ROOT, "%.6f", row[j]));
        }
        o.println(sb);
      }
    }
    o.flush();
    return 0;
  }
}
