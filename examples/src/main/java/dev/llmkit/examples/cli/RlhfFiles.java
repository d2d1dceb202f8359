package dev.llmkit.examples.cli;

import dev.llmkit.model.Models;
import dev.llmkit.tensor.DecodeMatrices;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Inputs shared by the RLHF commands (rank, reward-train, rlhf, best-of-n). */
final class RlhfFiles {

  private RlhfFiles() {}

  /**
   * The prompts of a file: one per line, blank lines skipped; the two-character escapes \n and \\
   * stand for a line break and a backslash.
   *
   * @throws IllegalArgumentException when the file holds no prompt
   */
  static List<String> prompts(Path file) throws IOException {
    List<String> out = new ArrayList<>();
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      if (!line.isBlank()) {
        out.add(unescape(line));
      }
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException("--prompts " + file + ": holds no prompt (one per line expected)");
    }
    return out;
  }

  private static String unescape(String s) {
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 1 < s.length() && (s.charAt(i + 1) == 'n' || s.charAt(i + 1) == '\\')) {
        b.append(s.charAt(++i) == 'n' ? '\n' : '\\');
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }

  /** A model to train or sample in place: its products read the parameters as they change. */
  static Models.Ready trainable(String model) throws IOException {
    return ModelSource.load(model, null, true, DecodeMatrices.SHARED);
  }

  /** The block of rows holding the longest prompt and {@code maxNew} more tokens, within the context. */
  static int block(Models.Ready m, List<String> prompts, int maxNew) {
    int longest = 0;
    for (String p : prompts) {
      longest = Math.max(longest, dev.llmkit.model.generate.Bos.prepend(m.model().config(), m.tokenizer(),
          m.tokenizer().encode(p)).length);
    }
    int ctx = m.model().config().contextLength();
    if (longest + 1 > ctx) {
      throw new IllegalArgumentException("a prompt has " + longest + " tokens, no room for a response in the"
          + " model's context length " + ctx);
    }
    return Math.min(ctx, longest + maxNew);
  }
}
