package dev.llmkit.tokenizer.pretokenize;

import static dev.llmkit.tokenizer.pretokenize.CharClass.L;
import static dev.llmkit.tokenizer.pretokenize.CharClass.LO;
import static dev.llmkit.tokenizer.pretokenize.CharClass.N;
import static dev.llmkit.tokenizer.pretokenize.CharClass.UP;
import static dev.llmkit.tokenizer.pretokenize.CharClass.WS;

import dev.llmkit.tokenizer.IntList;

/**
 * o200k_base's split pattern, hand-written: the same pieces as {@link #PATTERN}, found by
 * reasoning about where the regex's backtracking would stop instead of backtracking.
 */
public final class O200kPreTokenizer implements PreTokenizer {
  /** tiktoken's o200k_base pattern. */
  public static final String PATTERN =
      String.join(
          "|",
          "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+"
              + "(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
          "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*"
              + "(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
          "\\p{N}{1,3}",
          " ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*",
          "\\s*[\\r\\n]+",
          "\\s+(?!\\S)",
          "\\s+");

  /** The shared instance. */
  public static final O200kPreTokenizer INSTANCE = new O200kPreTokenizer();

  private O200kPreTokenizer() {}

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

  /** {@code (?i:'s|'t|'re|'ve|'m|'ll|'d)?} at {@code i}: the end of the suffix, or {@code i}. */
  private static int suffix(String s, int i, int end) {
    if (i < end && s.charAt(i) == '\'') {
      int r = Cl100kPreTokenizer.contraction(s, i, end);
      if (r >= 0) {
        return r;
      }
    }
    return i;
  }

  /**
   * {@code [UP]*[LO]+ suffix?} at {@code s0}: the regex takes the longest UP run that still leaves
   * at least one LO character after it, so the LO run starts at the last LO code point inside the
   * UP run, or right after it.
   */
  private static int upperThenLower(String s, int s0, int end) {
    int u = CharClass.runAny(s, s0, end, UP);
    int lowStart = -1;
    if (u < end && (CharClass.flagsAt(s, u, end) & LO) != 0) {
      lowStart = u;
    } else {
      int p = u;
      while (p > s0) {
        int cp = s.charAt(p - 1);
        if (Character.isLowSurrogate((char) cp) && p - 2 >= s0
            && Character.isHighSurrogate(s.charAt(p - 2))) {
          cp = Character.toCodePoint(s.charAt(p - 2), (char) cp);
        }
        p -= Character.charCount(cp);
        if ((CharClass.of(cp) & LO) != 0) {
          lowStart = p;
          break;
        }
      }
    }
    if (lowStart < 0) {
      return -1;
    }
    return suffix(s, CharClass.runAny(s, lowStart, end, LO), end);
  }

  /** {@code [UP]+[LO]* suffix?} at {@code s0}. */
  private static int upperPlusLower(String s, int s0, int end) {
    if ((CharClass.flagsAt(s, s0, end) & UP) == 0) {
      return -1;
    }
    int u = CharClass.runAny(s, s0, end, UP);
    return suffix(s, CharClass.runAny(s, u, end, LO), end);
  }

  /** The end of the piece that starts at {@code i}. */
  static int next(String s, int i, int end) {
    char c = s.charAt(i);
    int f = CharClass.flagsAt(s, i, end);
    int n1 = CharClass.after(s, i, end);
    boolean prefix = c != '\r' && c != '\n' && (f & (L | N)) == 0 && n1 < end;
    int r;
    if (prefix && (r = upperThenLower(s, n1, end)) >= 0) {
      return r;
    }
    if ((r = upperThenLower(s, i, end)) >= 0) {
      return r;
    }
    if (prefix && (r = upperPlusLower(s, n1, end)) >= 0) {
      return r;
    }
    if ((r = upperPlusLower(s, i, end)) >= 0) {
      return r;
    }
    if ((f & N) != 0) { // \p{N}{1,3}
      int j = n1;
      for (int k = 1; k < 3 && j < end && (CharClass.flagsAt(s, j, end) & N) != 0; k++) {
        j = CharClass.after(s, j, end);
      }
      return j;
    }
    // ' ?[^\s\p{L}\p{N}]+[\r\n/]*'
    int o = -1;
    if (c == ' ' && n1 < end && (CharClass.flagsAt(s, n1, end) & (L | N | WS)) == 0) {
      o = CharClass.runNone(s, n1, end, L | N | WS);
    } else if ((f & WS) == 0) {
      o = CharClass.runNone(s, i, end, L | N | WS);
    }
    if (o >= 0) {
      while (o < end) {
        char d = s.charAt(o);
        if (d != '\r' && d != '\n' && d != '/') {
          break;
        }
        o++;
      }
      return o;
    }
    // whitespace
    int k = CharClass.runAny(s, i, end, WS);
    for (int p = k - 1; p >= i; p--) { // \s*[\r\n]+
      char d = s.charAt(p);
      if (d == '\r' || d == '\n') {
        return p + 1;
      }
    }
    if (k == end || k - i == 1) { // \s+(?!\S) at the end, or \s+ of one char
      return k;
    }
    return k - 1; // \s+(?!\S)
  }
}
