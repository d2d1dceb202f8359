package dev.llmkit.tokenizer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** llama.cpp's tokenizer conformance cases: {@code .gguf.inp} texts and {@code .gguf.out} ids. */
public final class LlamaCppCases {
  private static final String SEP = "\n__ggml_vocab_test__\n";

  /** One case. */
  public record Case(int index, String text, int[] ids) {
    @Override
    public String toString() {
      return "case " + index + " " + Arrays.toString(text.codePoints().limit(40).toArray());
    }
  }

  private LlamaCppCases() {}

  /**
   * Reads the cases next to a vocabulary file.
   *
   * @param inp the {@code .inp} file
   * @return the cases, in file order
   * @throws IOException if reading fails
   */
  public static List<Case> read(Path inp) throws IOException {
    String all = Files.readString(inp, StandardCharsets.UTF_8);
    List<String> texts = new ArrayList<>();
    int p = 0;
    while (p < all.length()) {
      int q = all.indexOf(SEP, p);
      if (q < 0) {
        throw new IllegalStateException(inp + ": text after the last separator");
      }
      texts.add(all.substring(p, q));
      p = q + SEP.length();
    }
    Path out = inp.resolveSibling(inp.getFileName().toString().replace(".inp", ".out"));
    List<String> lines = Files.readAllLines(out, StandardCharsets.UTF_8);
    if (lines.size() != texts.size()) {
      throw new IllegalStateException(
          inp + ": " + texts.size() + " cases but " + lines.size() + " lines in " + out);
    }
    List<Case> cases = new ArrayList<>();
    for (int i = 0; i < texts.size(); i++) {
      String line = lines.get(i).trim();
      int[] ids = line.isEmpty()
          ? new int[0]
          : Arrays.stream(line.split(" +")).mapToInt(Integer::parseInt).toArray();
      cases.add(new Case(i, texts.get(i), ids));
    }
    return cases;
  }
}
