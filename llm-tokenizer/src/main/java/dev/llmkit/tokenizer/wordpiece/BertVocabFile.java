package dev.llmkit.tokenizer.wordpiece;

import dev.llmkit.tokenizer.TokenizerFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
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
 *
 * <p>Lines are read as Hugging Face's {@code WordPiece::read_file} reads them: the line number is
 * the id, trailing whitespace is trimmed, an empty line is a token (no text encodes to it, but the
 * ids after it keep their numbers), and a token on several lines gets the id of its last line (the
 * earlier ids still decode).
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
   * @throws TokenizerFormatException if the file is empty, not UTF-8 or has no {@code [UNK]},
   *     naming the file
   */
  public static WordPieceTokenizer load(Path file, boolean lowercase) throws IOException {
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(Files.readAllBytes(file))).toString();
    } catch (CharacterCodingException e) {
      throw new TokenizerFormatException(file, "vocab.txt is not valid UTF-8 (" + e + ")", e);
    }
    // lines as Rust's BufRead::lines splits them (Hugging Face's WordPiece::read_file): "\n" or
    // "\r\n" ends a line, a final line ending adds no empty line
    List<String> lines = new ArrayList<>(List.of(text.split("\r?\n", -1)));
    if (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
      lines.remove(lines.size() - 1);
    }
    if (lines.isEmpty()) {
      throw new TokenizerFormatException(file, "vocab.txt is empty; expected one token per line");
    }
    String[] vocab = new String[lines.size()];
    Map<String, Integer> ids = new HashMap<>();
    for (int i = 0; i < vocab.length; i++) {
      vocab[i] = lines.get(i).stripTrailing();
      ids.put(vocab[i], i); // a repeated token keeps its last line, as in Hugging Face
    }
    Map<String, Integer> specials = new LinkedHashMap<>();
    for (String t : SPECIALS) {
      if (ids.containsKey(t)) {
        specials.put(t, ids.get(t));
      }
    }
    Integer unk = specials.get("[UNK]");
    if (unk == null) {
      throw new TokenizerFormatException(file, "vocab.txt has no [UNK] token");
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
