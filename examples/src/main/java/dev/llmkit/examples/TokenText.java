package dev.llmkit.examples;

import dev.llmkit.tokenizer.Tokenizer;
import java.util.Arrays;

/** How the examples show tokens as text. */
public final class TokenText {

  private TokenText() {}

  /**
   * The text that token {@code next} adds after {@code context}. Decoding a token alone loses what
   * depends on its neighbours (SentencePiece's leading space, the bytes of a split character).
   */
  public static String continuation(Tokenizer tok, int[] context, int next) {
    int[] with = Arrays.copyOf(context, context.length + 1);
    with[context.length] = next;
    String before = tok.decode(context);
    String after = tok.decode(with);
    return after.startsWith(before) ? after.substring(before.length()) : tok.decode(new int[] {next});
  }

  /** Quotes a token for a table, showing newlines and tabs. */
  public static String quoted(String text) {
    return "'" + text.replace("\n", "\\n").replace("\t", "\\t") + "'";
  }
}
