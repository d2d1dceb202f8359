package dev.llmkit.sampling.grammar;

/**
 * A GBNF grammar that does not parse, or that cannot be used (an undefined rule, no {@code root}
 * rule, left recursion). The message names the line and column (both from 1) and what was expected.
 */
public final class GrammarSyntaxException extends IllegalArgumentException {

  private static final long serialVersionUID = 1L;

  private final int line;
  private final int column;

  GrammarSyntaxException(String message, int line, int column) {
    super(line > 0 ? "grammar line " + line + ", column " + column + ": " + message : "grammar: " + message);
    this.line = line;
    this.column = column;
  }

  /** The line of the error (from 1), or 0 when the error is not at one place (e.g. no root rule). */
  public int line() {
    return line;
  }

  /** The column of the error (from 1, in code points), or 0 with {@link #line()} 0. */
  public int column() {
    return column;
  }
}
