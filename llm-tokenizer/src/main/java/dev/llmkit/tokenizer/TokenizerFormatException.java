package dev.llmkit.tokenizer;

/**
 * A tokenizer file is malformed, truncated, or does not match what it claims to hold. The message
 * names the file, the field or token at fault, what was found and what was expected; text quoted
 * from the file is escaped and the message is bounded ({@link UntrustedText}).
 *
 * <p>It is an {@link IllegalArgumentException} so that callers which caught that before keep
 * working.
 */
public class TokenizerFormatException extends IllegalArgumentException {

  private static final long serialVersionUID = 1L;

  /**
   * @param message a message that starts with the file's name, then says what is wrong
   */
  public TokenizerFormatException(String message) {
    super(UntrustedText.message(message));
  }

  /**
   * @param message a message that starts with the file's name, then says what is wrong
   * @param cause the underlying error
   */
  public TokenizerFormatException(String message, Throwable cause) {
    super(UntrustedText.message(message), cause);
  }

  /**
   * @param file the file at fault, as it should be named in the message
   * @param message what is wrong, naming the field or token
   */
  public TokenizerFormatException(Object file, String message) {
    super(UntrustedText.message(file + ": " + message));
  }

  /**
   * @param file the file at fault, as it should be named in the message
   * @param message what is wrong, naming the field or token
   * @param cause the underlying error
   */
  public TokenizerFormatException(Object file, String message, Throwable cause) {
    super(UntrustedText.message(file + ": " + message), cause);
  }
}
