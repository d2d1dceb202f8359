package dev.llmkit.tokenizer;

/**
 * Text that came from a file (a tensor name, a metadata key, a token) made safe to put in an error
 * message: control characters (escape sequences that would recolour a terminal or set its title)
 * and other non-printing characters are written as {@code \}{@code uXXXX}, and the length is capped.
 */
public final class UntrustedText {

  /** Longest name quoted from a file, in characters, before it is cut with an ellipsis. */
  public static final int MAX_NAME = 120;

  /** Longest message, in characters, before it is cut with an ellipsis. */
  public static final int MAX_MESSAGE = 1000;

  private UntrustedText() {}

  /**
   * A name from a file, escaped and capped at {@link #MAX_NAME} characters.
   *
   * @param name the name (may be null)
   * @return the printable form
   */
  public static String name(String name) {
    return escape(name, MAX_NAME);
  }

  /**
   * A whole message, escaped and capped at {@link #MAX_MESSAGE} characters.
   *
   * @param message the message (may be null)
   * @return the printable form
   */
  public static String message(String message) {
    return escape(message, MAX_MESSAGE);
  }

  private static String escape(String s, int max) {
    if (s == null) {
      return "null";
    }
    StringBuilder b = new StringBuilder(Math.min(s.length(), max) + 16);
    for (int i = 0; i < s.length(); i++) {
      if (b.length() >= max) {
        b.append("...(").append(s.length() - i).append(" more characters)");
        break;
      }
      char c = s.charAt(i);
      if (Character.isISOControl(c) || isInvisible(c)) {
        b.append(String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }

  private static boolean isInvisible(char c) {
    int t = Character.getType(c);
    return t == Character.FORMAT || t == Character.UNASSIGNED || t == Character.LINE_SEPARATOR
        || t == Character.PARAGRAPH_SEPARATOR;
  }
}
