package dev.llmkit.sampling;

/**
 * Thrown when every logit is {@code -Infinity} (for example after a ban list or a user's processor
 * removed every token), so no token can be chosen.
 */
public class NoPossibleTokenException extends IllegalArgumentException {

  /**
   * Creates the exception.
   *
   * @param message what happened and what was expected
   */
  public NoPossibleTokenException(String message) {
    super(message);
  }
}
