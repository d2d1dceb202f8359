package dev.llmkit.tokenizer;

/**
 * Decodes ids one at a time as a model generates them, never splitting a UTF-8 character: bytes of
 * an incomplete character are held back until the token that completes it arrives (an emoji spread
 * over three tokens comes out whole, from the third push).
 *
 * <p>One instance per generation; not thread-safe.
 */
public interface StreamingDecoder {

  /**
   * Adds one token id.
   *
   * @param id the token id
   * @return the text that is now complete (possibly empty)
   * @throws IllegalArgumentException naming the id when it is outside the vocabulary
   */
  String push(int id);

  /**
   * Ends the stream: returns whatever is held back, with incomplete characters as U+FFFD, and
   * resets the decoder.
   *
   * @return the remaining text (possibly empty)
   */
  String flush();
}
