package dev.llmkit.tokenizer.wordpiece;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * Reads BERT's {@code vocab.txt} (one WordPiece token per line, the line number is the id) into a
 * {@link WordPieceTokenizer} configured as Hugging Face's {@code BertTokenizer}: basic
 * tokenisation (control characters removed, whitespace and punctuation split, CJK characters
 * split), optional lower-casing with accent stripping, {@code ##} continuations, {@code [UNK]} for
 * words of more than 100 characters. {@code [PAD]}, {@code [UNK]}, {@code [CLS]}, {@code [SEP]}
 * and {@code [MASK]} are the special tokens when present.
 */
public final class BertVocabFile {
  private static final List<String> SPECIALS = List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]");

  private BertVocabFile() {}

  /**
   * Loads a {@code vocab.txt}.
   *
   * @param file the file
   * @param lowercase lower-case and strip accents (uncased models) or not (cased models)
   * @return the tokenizer
   * @throws IOException if the file cannot be read
   * @throws IllegalArgumentException if the file is empty, has an empty line or no {@code [UNK]},
   *     naming the file and line
   */
  public static WordPieceTokenizer load(Path file, boolean lowercase) throws IOException {
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    while (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
      lines = lines.subList(0, lines.size() - 1); // a trailing newline
    }
    if (lines.isEmpty()) {
      throw new IllegalArgumentException(file + ": vocab.txt is empty; expected one token per line");
    }
    String[] vocab = new String[lines.size()];
    Map<String, Integer> specials = new LinkedHashMap<>();
    for (int i = 0; i < vocab.length; i++) {
      String t = lines.get(i).strip();
      if (t.isEmpty()) {
        throw new IllegalArgumentException(
            file + ": line " + (i + 1) + " is empty; expected one token per line");
      }
      vocab[i] = t;
      if (SPECIALS.contains(t)) {
        specials.putIfAbsent(t, i);
      }
    }
    Integer unk = specials.get("[UNK]");
    if (unk == null) {
      throw new IllegalArgumentException(file + ": has no [UNK] token");
    }
    return new WordPieceTokenizer(
        file.toString(), vocab, "##", unk, lowercase, lowercase, 100, specials,
        id(specials, "[CLS]"), id(specials, "[SEP]"));
  }

  private static OptionalInt id(Map<String, Integer> specials, String name) {
    Integer id = specials.get(name);
    return id == null ? OptionalInt.empty() : OptionalInt.of(id);
  }
}
