package dev.llmkit.examples.cli;

import dev.llmkit.tokenizer.Tokenizer;
import dev.llmkit.tokenizer.Tokenizers;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code llm tokenize}: text to token ids (or ids to text) with an OpenAI encoding or a tokenizer
 * file.
 */
@Command(
    name = "tokenize",
    mixinStandardHelpOptions = true,
    header = "Turn text into token ids, or ids back into text.",
    description = {
      "Encode the whole input (stdin when no --input) and print the ids on one line, separated"
          + " by single spaces. No BOS/EOS is added and special-token text is ordinary text.",
      "With --decode, read whitespace-separated ids and print their text exactly."
    })
public final class TokenizeCommand implements Callable<Integer> {

  static final class Source {
    @Option(names = "--encoding", paramLabel = "NAME",
        description = "r50k_base (alias gpt2), p50k_base, cl100k_base or o200k_base.")
    String encoding;

    @Option(names = "--tokenizer", paramLabel = "PATH",
        description = "A tokenizer.json, a folder with tokenizer.json or vocab.json + merges.txt,"
            + " a .gguf, a llama2.c tok*.bin, a SentencePiece .model (spiece.model, tokenizer.model)"
            + " or a BERT vocab.txt.")
    Path tokenizer;
  }

  @ArgGroup(exclusive = true, multiplicity = "1")
  Source source;

  @Option(names = "--input", paramLabel = "FILE",
      description = "Read this file (UTF-8) instead of stdin.")
  Path input;

  @Option(names = "--decode", description = "Read ids and print text.")
  boolean decode;

  @Option(names = "--count", description = "Print only the number of ids.")
  boolean count;

  @Override
  public Integer call() throws IOException {
    Tokenizer t = source.encoding != null
        ? Tokenizers.encoding(source.encoding)
        : Tokenizers.load(source.tokenizer);
    byte[] raw;
    if (input != null) {
      raw = Files.readAllBytes(input);
    } else {
      try (InputStream in = System.in) {
        raw = in.readAllBytes();
      }
    }
    String text = new String(raw, StandardCharsets.UTF_8);
    OutputStream out = System.out;
    if (decode) {
      int[] ids = parseIds(text);
      if (count) {
        out.write((ids.length + "\n").getBytes(StandardCharsets.UTF_8));
      } else {
        out.write(t.decode(ids).getBytes(StandardCharsets.UTF_8));
      }
    } else {
      int[] ids = t.encode(text);
      if (count) {
        out.write((ids.length + "\n").getBytes(StandardCharsets.UTF_8));
      } else {
        StringBuilder sb = new StringBuilder(ids.length * 6 + 1);
        for (int i = 0; i < ids.length; i++) {
          if (i > 0) {
            sb.append(' ');
          }
          sb.append(ids[i]);
        }
        sb.append('\n');
        out.write(sb.toString().getBytes(StandardCharsets.UTF_8));
      }
    }
    out.flush();
    return 0;
  }

  static int[] parseIds(String text) {
    String s = text.strip();
    if (s.isEmpty()) {
      return new int[0];
    }
    String[] parts = s.split("[\\s,]+");
    int[] ids = new int[parts.length];
    for (int i = 0; i < parts.length; i++) {
      try {
        ids[i] = Integer.parseInt(parts[i]);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "input: '" + parts[i] + "' (item " + (i + 1) + ") is not a token id");
      }
    }
    return ids;
  }
}
