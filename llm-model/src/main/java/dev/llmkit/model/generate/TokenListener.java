package dev.llmkit.model.generate;

/**
 * Receives a generation's text as it is produced, one call per generated token.
 *
 * <p>{@code text} is the new text that is certain now: it may be empty (a token that is part of a
 * multi-byte character, or text held back because it could be the start of a stop string) and may
 * hold the text of earlier tokens that was held back. Concatenating every {@code text} gives the
 * result's {@link GenerationResult#text()}.
 */
@FunctionalInterface
public interface TokenListener {

  /** A listener that ignores everything. */
  TokenListener NONE = (token, text) -> {};

  /**
   * Called once per generated token (the stop token included, with empty text), then once more
   * with token -1 for any text released when the generation ends.
   *
   * @param token the token id just generated, or -1 for the final flush
   * @param text the newly certain text, possibly empty
   */
  void onToken(int token, String text);
}
