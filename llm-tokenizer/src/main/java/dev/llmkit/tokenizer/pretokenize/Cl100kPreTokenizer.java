package dev.llmkit.tokenizer.pretokenize;

import static dev.llmkit.tokenizer.pretokenize.CharClass.L;
import static dev.llmkit.tokenizer.pretokenize.CharClass.N;
import static dev.llmkit.tokenizer.pretokenize.CharClass.WS;

import dev.llmkit.tokenizer.IntList;

/**
 * cl100k_base's split pattern, hand-written: the same pieces as {@link #PATTERN} without
 * backtracking.
 */
public final class Cl100kPreTokenizer implements PreTokenizer {
  /** tiktoken's cl100k_base pattern. */
  public static final String PATTERN =
      "'(?i:[sdmt]|ll|ve|re)|[^\\r\\n\\p{L}\\p{N}]?+\\p{L}++|\\p{N}{1,3}+"
          + "| ?[^\\s\\p{L}\\p{N}]++[\\r\\n]*+|\\s++$|\\s*[\\r\\n]|\\s+(?!\\S)|\\s";

  /** The shared instance. */
  public static final Cl100kPreTokenizer INSTANCE = new Cl100kPreTokenizer();

  private Cl100kPreTokenizer() {}

  @Override
  public String pattern() {
    return PATTERN;
  }

  @Override
  public void split(String s, int start, int end, IntList ends) {
    int i = start;
    while (i < end) {
      i = next(s, i, end);
      ends.add(i);
    }
  }

  static int contraction(String s, int i, int end) {
    // s[i] == '\''
    if (i + 1 < end) {
      char d = s.charAt(i + 1);
      if (CharClass.foldEq(d, 's') || CharClass.foldEq(d, 'd') || CharClass.foldEq(d, 'm')
          || CharClass.foldEq(d, 't')) {
        return i + 2;
      }
      if (i + 2 < end) {
        char e = s.charAt(i + 2);
        if ((CharClass.foldEq(d, 'l') && CharClass.foldEq(e, 'l'))
            || (CharClass.foldEq(d, 'v') && CharClass.foldEq(e, 'e'))
            || (CharClass.foldEq(d, 'r') && CharClass.foldEq(e, 'e'))) {
          return i + 3;
        }
      }
    }
    return -1;
  }

  static int crlfRun(String s, int i, int end) {
    while (i < end) {
      char c = s.charAt(i);
      if (c != '\r' && c != '\n') {
        break;
      }
      i++;
    }
    return i;
  }

  /** The end of the piece that starts at {@code i}. */
  static int next(String s, int i, int end) {
    char c = s.charAt(i);
    if (c == '\'') {
      int r = contraction(s, i, end);
      if (r >= 0) {
        return r;
      }
    }
    int f = CharClass.flagsAt(s, i, end);
    // [^\r\n\p{L}\p{N}]?+\p{L}++
    if ((f & L) != 0) {
      return CharClass.runAny(s, i, end, L);
    }
    int n1 = CharClass.after(s, i, end);
    if ((f & N) == 0 && c != '\r' && c != '\n' && n1 < end
        && (CharClass.flagsAt(s, n1, end) & L) != 0) {
      return CharClass.runAny(s, n1, end, L);
    }
    // \p{N}{1,3}+
    if ((f & N) != 0) {
      int j = n1;
      for (int k = 1; k < 3 && j < end && (CharClass.flagsAt(s, j, end) & N) != 0; k++) {
        j = CharClass.after(s, j, end);
      }
      return j;
    }
    // ' ?[^\s\p{L}\p{N}]++[\r\n]*+'
    if (c == ' ' && n1 < end && (CharClass.flagsAt(s, n1, end) & (L | N | WS)) == 0) {
      return crlfRun(s, CharClass.runNone(s, n1, end, L | N | WS), end);
    }
    if ((f & WS) == 0) {
      return crlfRun(s, CharClass.runNone(s, i, end, L | N | WS), end);
    }
    // whitespace
    int k = CharClass.runAny(s, i, end, WS);
    if (k == end) {
      return k; // \s++$
    }
    for (int p = k - 1; p >= i; p--) { // \s*[\r\n]
      char d = s.charAt(p);
      if (d == '\r' || d == '\n') {
        return p + 1;
      }
    }
    return k - i >= 2 ? k - 1 : k; // \s+(?!\S) | \s
  }
}
