package dev.llmkit.tokenizer.pretokenize;

import dev.llmkit.tokenizer.IntList;

/**
 * Splits text into pieces before BPE (the "pre-tokenizer" of Hugging Face, the split regex of
 * tiktoken). Implementations are stateless and thread-safe.
 */
public interface PreTokenizer {

  /**
   * Splits {@code text[start, end)} into consecutive pieces that cover it, appending the end index
   * of each piece (exclusive, in chars) to {@code ends}; text outside the range is not looked at.
   *
   * @param text the text
   * @param start the first char
   * @param end the end (exclusive)
   * @param ends receives one end index per piece, increasing, the last one equal to {@code end}
   */
  void split(String text, int start, int end, IntList ends);

  /**
   * The regular expression this pre-tokenizer is equivalent to (for documentation and checks).
   *
   * @return the pattern in {@code java.util.regex} syntax (to compile with
   *     {@link java.util.regex.Pattern#UNICODE_CHARACTER_CLASS})
   */
  String pattern();
}
