package dev.llmkit.sampling.grammar;

import java.util.Arrays;

/**
 * A terminal of a grammar: a set of code points given as inclusive ranges, possibly negated
 * ({@code [^...]}); {@code .} is the negation of the empty set.
 */
record CharClass(int[] ranges, boolean negated) {

  static CharClass single(int codePoint) {
    return new CharClass(new int[] {codePoint, codePoint}, false);
  }

  boolean matches(int codePoint) {
    boolean in = false;
    for (int i = 0; i < ranges.length; i += 2) {
      if (codePoint >= ranges[i] && codePoint <= ranges[i + 1]) {
        in = true;
        break;
      }
    }
    return in != negated;
  }

  /** Whether some code point in {@code [lo, hi]} matches (used for partial UTF-8 sequences). */
  boolean matchesSomeIn(int lo, int hi) {
    if (!negated) {
      for (int i = 0; i < ranges.length; i += 2) {
        if (ranges[i] <= hi && ranges[i + 1] >= lo) {
          return true;
        }
      }
      return false;
    }
    // negated: some point of [lo, hi] lies outside every range
    int[] sorted = ranges.clone();
    int n = sorted.length / 2;
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> Integer.compare(ranges[2 * a], ranges[2 * b]));
    int next = lo;
    for (Integer i : order) {
      int a = ranges[2 * i];
      int b = ranges[2 * i + 1];
      if (a > next) {
        return true;
      }
      next = Math.max(next, b + 1);
      if (next > hi) {
        return false;
      }
    }
    return next <= hi && sorted.length >= 0;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CharClass c && c.negated == negated && Arrays.equals(c.ranges, ranges);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(ranges) * 31 + (negated ? 1 : 0);
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder(negated ? "[^" : "[");
    for (int i = 0; i < ranges.length; i += 2) {
      sb.appendCodePoint(ranges[i]);
      if (ranges[i + 1] != ranges[i]) {
        sb.append('-').appendCodePoint(ranges[i + 1]);
      }
    }
    return sb.append(']').toString();
  }
}
