package dev.llmkit.tokenizer.pretokenize;

/**
 * Unicode classes the split patterns use, as bit flags per code point: a 64 KiB table for the BMP,
 * {@link Character#getType(int)} above it.
 */
final class CharClass {
  /** \p{L}. */
  static final int L = 1;
  /** \p{N}. */
  static final int N = 2;
  /** \s in Unicode mode: the White_Space property. */
  static final int WS = 4;
  /** [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}] (o200k's "upper" class). */
  static final int UP = 8;
  /** [\p{Ll}\p{Lm}\p{Lo}\p{M}] (o200k's "lower" class). */
  static final int LO = 16;
  /** \p{M}. */
  static final int M = 32;
  /** \p{P}. */
  static final int P = 64;

  private static final byte[] BMP = new byte[0x10000];

  static {
    for (int c = 0; c < 0x10000; c++) {
      BMP[c] = (byte) compute(c);
    }
  }

  private CharClass() {}

  static boolean isWhiteSpace(int c) {
    return (c >= 0x09 && c <= 0x0D)
        || c == 0x20
        || c == 0x85
        || c == 0xA0
        || c == 0x1680
        || (c >= 0x2000 && c <= 0x200A)
        || c == 0x2028
        || c == 0x2029
        || c == 0x202F
        || c == 0x205F
        || c == 0x3000;
  }

  static int compute(int cp) {
    int f = isWhiteSpace(cp) ? WS : 0;
    switch (Character.getType(cp)) {
      case Character.UPPERCASE_LETTER:
      case Character.TITLECASE_LETTER:
        return f | L | UP;
      case Character.LOWERCASE_LETTER:
        return f | L | LO;
      case Character.MODIFIER_LETTER:
      case Character.OTHER_LETTER:
        return f | L | UP | LO;
      case Character.NON_SPACING_MARK:
      case Character.ENCLOSING_MARK:
      case Character.COMBINING_SPACING_MARK:
        return f | M | UP | LO;
      case Character.DECIMAL_DIGIT_NUMBER:
      case Character.LETTER_NUMBER:
      case Character.OTHER_NUMBER:
        return f | N;
      case Character.CONNECTOR_PUNCTUATION:
      case Character.DASH_PUNCTUATION:
      case Character.START_PUNCTUATION:
      case Character.END_PUNCTUATION:
      case Character.INITIAL_QUOTE_PUNCTUATION:
      case Character.FINAL_QUOTE_PUNCTUATION:
      case Character.OTHER_PUNCTUATION:
        return f | P;
      default:
        return f;
    }
  }

  /** Flags of a code point. */
  static int of(int cp) {
    return cp < 0x10000 ? BMP[cp] : compute(cp);
  }

  /** The code point at {@code i} (a lone surrogate is returned as itself). */
  static int cpAt(String s, int i, int end) {
    char c = s.charAt(i);
    if (Character.isHighSurrogate(c) && i + 1 < end) {
      char d = s.charAt(i + 1);
      if (Character.isLowSurrogate(d)) {
        return Character.toCodePoint(c, d);
      }
    }
    return c;
  }

  /** Flags of the code point at {@code i}. */
  static int flagsAt(String s, int i, int end) {
    char c = s.charAt(i);
    if (!Character.isSurrogate(c)) {
      return BMP[c];
    }
    return of(cpAt(s, i, end));
  }

  /** The index after the code point at {@code i}. */
  static int after(String s, int i, int end) {
    if (Character.isHighSurrogate(s.charAt(i)) && i + 1 < end
        && Character.isLowSurrogate(s.charAt(i + 1))) {
      return i + 2;
    }
    return i + 1;
  }

  /** The end of the run of code points starting at {@code i} whose flags intersect {@code mask}. */
  static int runAny(String s, int i, int end, int mask) {
    while (i < end) {
      char c = s.charAt(i);
      if (!Character.isSurrogate(c)) {
        if ((BMP[c] & mask) == 0) {
          return i;
        }
        i++;
      } else {
        int cp = cpAt(s, i, end);
        if ((of(cp) & mask) == 0) {
          return i;
        }
        i += Character.charCount(cp);
      }
    }
    return i;
  }

  /** The end of the run of code points starting at {@code i} whose flags avoid {@code mask}. */
  static int runNone(String s, int i, int end, int mask) {
    while (i < end) {
      char c = s.charAt(i);
      if (!Character.isSurrogate(c)) {
        if ((BMP[c] & mask) != 0) {
          return i;
        }
        i++;
      } else {
        int cp = cpAt(s, i, end);
        if ((of(cp) & mask) != 0) {
          return i;
        }
        i += Character.charCount(cp);
      }
    }
    return i;
  }

  /** Whether {@code c} is {@code ch} or, case-insensitively in Unicode's simple folding, equal. */
  static boolean foldEq(char c, char lower) {
    if (c == lower || c == Character.toUpperCase(lower)) {
      return true;
    }
    return lower == 's' && c == '\u017F'; // LATIN SMALL LETTER LONG S folds to 's'
  }
}
