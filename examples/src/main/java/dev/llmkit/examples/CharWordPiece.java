package dev.llmkit.examples;

import dev.llmkit.tokenizer.Tokenizer;
import dev.llmkit.tokenizer.Tokenizers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

/**
 * A character-level, uncased WordPiece vocabulary for training a small BERT from scratch: BERT's
 * special tokens ({@code [PAD] [UNK] [CLS] [SEP] [MASK]}, ids 0–4), every character BERT's
 * normaliser leaves of a corpus (lower-cased, accents stripped, whitespace dropped), then each of
 * them with the {@code ##} continuation prefix. Written as {@code vocab.txt}, it is an ordinary
 * BERT tokenizer: {@code llm fill-mask} and Hugging Face's {@code BertTokenizer} read it.
 */
public final class CharWordPiece {

  /** The special tokens, in id order. */
  public static final List<String> SPECIALS = List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]");

  private CharWordPiece() {}

  /**
   * The lines of the vocab.txt of a corpus.
   *
   * @throws IllegalArgumentException if the text holds no character to keep
   */
  public static List<String> vocabulary(String text) {
    String norm = Normalizer.normalize(text.toLowerCase(Locale.ROOT), Normalizer.Form.NFD);
    TreeSet<Integer> chars = new TreeSet<>();
    norm.codePoints()
        .filter(cp -> !Character.isWhitespace(cp) && !Character.isISOControl(cp)
            && Character.getType(cp) != Character.NON_SPACING_MARK)
        .forEach(chars::add);
    if (chars.isEmpty()) {
      throw new IllegalArgumentException("the corpus holds no characters to train on");
    }
    List<String> lines = new ArrayList<>(SPECIALS);
    chars.forEach(cp -> lines.add(new String(Character.toChars(cp))));
    chars.forEach(cp -> lines.add("##" + new String(Character.toChars(cp))));
    return lines;
  }

  /** Writes {@code dir/vocab.txt} of the corpus and returns its tokenizer (uncased WordPiece). */
  public static Tokenizer write(String text, Path dir) throws IOException {
    Files.createDirectories(dir);
    Path vocab = dir.resolve("vocab.txt");
    Files.write(vocab, vocabulary(text), StandardCharsets.UTF_8);
    return Tokenizers.load(vocab);
  }
}
