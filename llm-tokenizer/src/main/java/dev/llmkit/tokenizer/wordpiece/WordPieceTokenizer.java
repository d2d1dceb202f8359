package dev.llmkit.tokenizer.wordpiece;

import dev.llmkit.tokenizer.AbstractTokenizer;
import dev.llmkit.tokenizer.IntList;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalInt;

/**
 * BERT's WordPiece, as Hugging Face's {@code BertNormalizer} + {@code BertPreTokenizer} +
 * {@code WordPiece} do it: clean control characters, put spaces around CJK ideographs, strip
 * accents and lowercase (for uncased models), split on whitespace and punctuation, then cut each
 * word greedily into the longest pieces in the vocabulary, continuation pieces carrying the
 * {@code ##} prefix; a word that cannot be cut becomes the unknown token.
 *
 * <p>Immutable and thread-safe.
 */
public final class WordPieceTokenizer extends AbstractTokenizer {
  private final String[] vocab;
  private final Map<String, Integer> ids;
  private final String prefix;
  private final int unkId;
  private final boolean lowercase;
  private final boolean stripAccents;
  private final int maxCharsPerWord;

  /**
   * Creates a WordPiece tokenizer.
   *
   * @param name a name for messages
   * @param vocab the pieces by id, continuation pieces with {@code prefix}
   * @param prefix the continuation prefix ({@code ##})
   * @param unkId the unknown token's id
   * @param lowercase lowercase the text
   * @param stripAccents remove accents (combining marks after NFD)
   * @param maxCharsPerWord longer words become the unknown token
   * @param specials the special tokens ({@code [CLS]}, {@code [SEP]}, ...)
   * @param bos the id put in front of a sequence ({@code [CLS]}) or empty
   * @param eos the id that ends a sequence ({@code [SEP]}) or empty
   */
  public WordPieceTokenizer(
      String name,
      String[] vocab,
      String prefix,
      int unkId,
      boolean lowercase,
      boolean stripAccents,
      int maxCharsPerWord,
      Map<String, Integer> specials,
      OptionalInt bos,
      OptionalInt eos) {
    super(name, specials, bos, eos);
    if (unkId < 0 || unkId >= vocab.length) {
      throw new IllegalArgumentException(
          name + ": unknown token id " + unkId + " outside 0.." + (vocab.length - 1));
    }
    this.vocab = vocab.clone();
    this.ids = new HashMap<>(vocab.length * 2);
    for (int i = 0; i < vocab.length; i++) {
      ids.put(vocab[i], i); // a repeated piece keeps its last id, as in Hugging Face's WordPiece
    }
    this.prefix = prefix;
    this.unkId = unkId;
    this.lowercase = lowercase;
    this.stripAccents = stripAccents;
    this.maxCharsPerWord = maxCharsPerWord;
  }

  /**
   * The pieces by id.
   *
   * @return a copy
   */
  public String[] vocabulary() {
    return vocab.clone();
  }

  /**
   * The continuation prefix.
   *
   * @return usually {@code ##}
   */
  public String continuationPrefix() {
    return prefix;
  }

  /**
   * The unknown token id.
   *
   * @return the id
   */
  public int unkId() {
    return unkId;
  }

  /**
   * Whether text is lowercased.
   *
   * @return the flag
   */
  public boolean lowercase() {
    return lowercase;
  }

  /**
   * Whether accents are stripped.
   *
   * @return the flag
   */
  public boolean stripAccents() {
    return stripAccents;
  }

  /**
   * The longest word (in characters) that is cut into pieces.
   *
   * @return the limit
   */
  public int maxCharsPerWord() {
    return maxCharsPerWord;
  }

  @Override
  public int vocabSize() {
    return vocab.length;
  }

  static boolean isControl(int c) {
    if (c == '\t' || c == '\n' || c == '\r') {
      return false;
    }
    int t = Character.getType(c);
    return t == Character.CONTROL || t == Character.FORMAT || t == Character.SURROGATE
        || t == Character.PRIVATE_USE || t == Character.UNASSIGNED;
  }

  static boolean isWhitespace(int c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r'
        || Character.getType(c) == Character.SPACE_SEPARATOR;
  }

  static boolean isChinese(int c) {
    return (c >= 0x4E00 && c <= 0x9FFF)
        || (c >= 0x3400 && c <= 0x4DBF)
        || (c >= 0x20000 && c <= 0x2A6DF)
        || (c >= 0x2A700 && c <= 0x2B73F)
        || (c >= 0x2B740 && c <= 0x2B81F)
        || (c >= 0x2B920 && c <= 0x2CEAF)
        || (c >= 0xF900 && c <= 0xFAFF)
        || (c >= 0x2F800 && c <= 0x2FA1F);
  }

  static boolean isPunctuation(int c) {
    if ((c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96)
        || (c >= 123 && c <= 126)) {
      return true;
    }
    switch (Character.getType(c)) {
      case Character.CONNECTOR_PUNCTUATION:
      case Character.DASH_PUNCTUATION:
      case Character.START_PUNCTUATION:
      case Character.END_PUNCTUATION:
      case Character.INITIAL_QUOTE_PUNCTUATION:
      case Character.FINAL_QUOTE_PUNCTUATION:
      case Character.OTHER_PUNCTUATION:
        return true;
      default:
        return false;
    }
  }

  /** BertNormalizer. */
  String normalize(String text) {
    StringBuilder sb = new StringBuilder(text.length());
    text.codePoints().forEach(c -> {
      if (c == 0 || c == 0xFFFD || isControl(c)) {
        return;
      }
      if (isWhitespace(c)) {
        sb.append(' ');
      } else if (isChinese(c)) {
        sb.append(' ').appendCodePoint(c).append(' ');
      } else {
        sb.appendCodePoint(c);
      }
    });
    String s = sb.toString();
    if (stripAccents) {
      s = Normalizer.normalize(s, Normalizer.Form.NFD);
      StringBuilder t = new StringBuilder(s.length());
      s.codePoints()
          .filter(c -> Character.getType(c) != Character.NON_SPACING_MARK)
          .forEach(t::appendCodePoint);
      s = t.toString();
    }
    if (lowercase) {
      s = s.toLowerCase(java.util.Locale.ROOT);
    }
    return s;
  }

  @Override
  protected void encodeOrdinary(String text, int start, int end, boolean atStart, IntList out) {
    String s = normalize(text.substring(start, end));
    int n = s.length();
    int i = 0;
    while (i < n) {
      int c = s.codePointAt(i);
      if (isWhitespace(c)) {
        i += Character.charCount(c);
        continue;
      }
      if (isPunctuation(c)) {
        int e = i + Character.charCount(c);
        word(s.substring(i, e), out);
        i = e;
        continue;
      }
      int j = i;
      while (j < n) {
        int d = s.codePointAt(j);
        if (isWhitespace(d) || isPunctuation(d)) {
          break;
        }
        j += Character.charCount(d);
      }
      word(s.substring(i, j), out);
      i = j;
    }
  }

  private void word(String w, IntList out) {
    if (w.codePointCount(0, w.length()) > maxCharsPerWord) {
      out.add(unkId);
      return;
    }
    int mark = out.size();
    int start = 0;
    int n = w.length();
    while (start < n) {
      int end = n;
      Integer found = null;
      while (end > start) {
        String sub = start > 0 ? prefix + w.substring(start, end) : w.substring(start, end);
        found = ids.get(sub);
        if (found != null) {
          break;
        }
        end--;
        if (end > start && Character.isLowSurrogate(w.charAt(end))) {
          end--;
        }
      }
      if (found == null) {
        out.truncate(mark);
        out.add(unkId);
        return;
      }
      out.add(found);
      start = end;
    }
  }

  @Override
  protected byte[] decodeBytes(int id, boolean leading) {
    if (id < 0 || id >= vocab.length) {
      return null;
    }
    String t = vocab[id];
    if (t.startsWith(prefix) && !leading) {
      t = t.substring(prefix.length());
    } else if (!leading) {
      t = " " + t;
    }
    return t.getBytes(StandardCharsets.UTF_8);
  }
}
