package dev.llmkit.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalInt;

/**
 * A character-level tokenizer as nanoGPT's {@code shakespeare_char}: the vocabulary is the sorted
 * set of distinct characters (Unicode code points) of a corpus, id = position in that order. No
 * special tokens, no BOS/EOS. Encoding a character outside the vocabulary throws.
 *
 * <p>{@link Tokenizers#save} writes it as a Hugging Face {@code tokenizer.json} (a BPE model with
 * the characters as vocabulary and no merges), which {@link Tokenizers#load} reads back as a
 * {@code CharTokenizer}. Immutable and thread-safe.
 */
public final class CharTokenizer extends AbstractTokenizer {
  private final int[] chars;
  private final Map<Integer, Integer> ids;
  private final byte[][] bytes;

  private CharTokenizer(int[] chars) {
    super("char(" + chars.length + ")", Map.of(), OptionalInt.empty(), OptionalInt.empty());
    this.chars = chars;
    this.ids = new HashMap<>(chars.length * 2);
    this.bytes = new byte[chars.length][];
    for (int i = 0; i < chars.length; i++) {
      if (ids.put(chars[i], i) != null) {
        throw new IllegalArgumentException(
            "characters: U+" + Integer.toHexString(chars[i]) + " appears twice");
      }
      bytes[i] = new String(Character.toChars(chars[i])).getBytes(StandardCharsets.UTF_8);
    }
  }

  /**
   * The tokenizer of a corpus: its distinct code points, sorted.
   *
   * @param corpus the text
   * @return the tokenizer
   * @throws IllegalArgumentException if the corpus is empty
   */
  public static CharTokenizer fromCorpus(String corpus) {
    if (corpus.isEmpty()) {
      throw new IllegalArgumentException("corpus: expected at least one character, got ''");
    }
    return new CharTokenizer(corpus.codePoints().distinct().sorted().toArray());
  }

  /**
   * A tokenizer with the given vocabulary, in the given order (id = index).
   *
   * @param codePoints the characters
   * @return the tokenizer
   * @throws IllegalArgumentException if a character repeats or is not a valid code point
   */
  public static CharTokenizer of(int[] codePoints) {
    for (int c : codePoints) {
      if (!Character.isValidCodePoint(c)) {
        throw new IllegalArgumentException("characters: " + c + " is not a Unicode code point");
      }
    }
    return new CharTokenizer(codePoints.clone());
  }

  /**
   * The characters, by id.
   *
   * @return a copy of the code points
   */
  public int[] characters() {
    return chars.clone();
  }

  @Override
  public int vocabSize() {
    return chars.length;
  }

  @Override
  protected void encodeOrdinary(String text, int start, int end, boolean atStart, IntList out) {
    for (int i = start; i < end; ) {
      int cp = text.codePointAt(i);
      Integer id = ids.get(cp);
      if (id == null) {
        throw new IllegalArgumentException(
            "text: character '" + new String(Character.toChars(cp)) + "' (U+"
                + Integer.toHexString(cp).toUpperCase(java.util.Locale.ROOT) + ") at index " + i
                + " is not in the vocabulary of " + chars.length + " characters");
      }
      out.add(id);
      i += Character.charCount(cp);
    }
  }

  @Override
  protected byte[] decodeBytes(int id, boolean leading) {
    return id < 0 || id >= chars.length ? null : bytes[id];
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CharTokenizer && Arrays.equals(chars, ((CharTokenizer) o).chars);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(chars);
  }
}
