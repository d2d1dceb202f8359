package dev.llmkit.tokenizer.pretokenize;

import static dev.llmkit.tokenizer.pretokenize.CharClass.L;
import static dev.llmkit.tokenizer.pretokenize.CharClass.N;
import static dev.llmkit.tokenizer.pretokenize.CharClass.WS;

import dev.llmkit.tokenizer.IntList;

/**
 * GPT-2's split pattern (r50k_base, p50k_base, Hugging Face {@code ByteLevel} with
 * {@code use_regex}), hand-written: the same pieces as {@link #PATTERN} without backtracking.
 */
public final class Gpt2PreTokenizer implements PreTokenizer {
  /** tiktoken's form of GPT-2's pattern. */
  public static final String PATTERN =
      "'(?:[sdmt]|ll|ve|re)| ?\\p{L}++| ?\\p{N}++| ?[^\\s\\p{L}\\p{N}]++|\\s++$|\\s+(?!\\S)|\\s";

  /** The shared instance. */
  public static final Gpt2PreTokenizer INSTANCE = new Gpt2PreTokenizer();

  private Gpt2PreTokenizer() {}

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

  /** The end of the piece that starts at {@code i}. */
  static int next(String s, int i, int end) {
    char c = s.charAt(i);
    if (c == '\'' && i + 1 < end) {
      char d = s.charAt(i + 1);
      if (d == 's' || d == 'd' || d == 'm' || d == 't') {
        return i + 2;
      }
      if (i + 2 < end) {
        char e = s.charAt(i + 2);
        if ((d == 'l' && e == 'l') || (d == 'v' && e == 'e') || (d == 'r' && e == 'e')) {
          return i + 3;
        }
      }
    }
    if (c == ' ' && i + 1 < end) {
      int f2 = CharClass.flagsAt(s, i + 1, end);
      if ((f2 & L) != 0) {
        return CharClass.runAny(s, i + 1, end, L);
      }
      if ((f2 & N) != 0) {
        return CharClass.runAny(s, i + 1, end, N);
      }
      if ((f2 & WS) == 0) {
        return CharClass.runNone(s, i + 1, end, L | N | WS);
      }
    }
    int f = CharClass.flagsAt(s, i, end);
    if ((f & L) != 0) {
      return CharClass.runAny(s, i, end, L);
    }
    if ((f & N) != 0) {
      return CharClass.runAny(s, i, end, N);
    }
    if ((f & WS) == 0) {
      return CharClass.runNone(s, i, end, L | N | WS);
    }
    // whitespace: \s++$ | \s+(?!\S) | \s  (every White_Space char is one UTF-16 unit)
    int k = CharClass.runAny(s, i, end, WS);
    if (k == end || k - i == 1) {
      return k;
    }
    return k - 1;
  }
}
