package dev.llmkit.tokenizer.pretokenize;

import dev.llmkit.tokenizer.IntList;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A pre-tokenizer made of regular expressions applied one after another, as llama.cpp and Hugging
 * Face's {@code Split(behavior=Isolated)} do: each pattern splits every current piece into its
 * matches and the text between them (both kept, empty parts dropped). Uses {@code java.util.regex}
 * with {@link Pattern#UNICODE_CHARACTER_CLASS}.
 */
public final class RegexPreTokenizer implements PreTokenizer {
  private final List<Pattern> patterns;

  /**
   * Compiles the patterns.
   *
   * @param regexes one or more patterns, applied in order
   * @throws IllegalArgumentException if a pattern does not compile, naming it
   */
  public RegexPreTokenizer(List<String> regexes) {
    if (regexes.isEmpty()) {
      throw new IllegalArgumentException("regexes: expected at least one pattern");
    }
    List<Pattern> ps = new ArrayList<>();
    for (String r : regexes) {
      try {
        ps.add(Pattern.compile(r, Pattern.UNICODE_CHARACTER_CLASS));
      } catch (PatternSyntaxException e) {
        throw new IllegalArgumentException(
            "split pattern '" + r + "' is not a valid java.util.regex pattern: "
                + e.getDescription(), e);
      }
    }
    this.patterns = List.copyOf(ps);
  }

  /**
   * A single-pattern pre-tokenizer.
   *
   * @param regex the pattern
   */
  public RegexPreTokenizer(String regex) {
    this(List.of(regex));
  }

  @Override
  public String pattern() {
    if (patterns.size() == 1) {
      return patterns.get(0).pattern();
    }
    StringBuilder sb = new StringBuilder();
    for (Pattern p : patterns) {
      sb.append(sb.length() == 0 ? "" : " then ").append(p.pattern());
    }
    return sb.toString();
  }

  /**
   * The patterns, in order.
   *
   * @return the pattern strings
   */
  public List<String> patterns() {
    List<String> out = new ArrayList<>();
    for (Pattern p : patterns) {
      out.add(p.pattern());
    }
    return out;
  }

  @Override
  public void split(String text, int start, int end, IntList ends) {
    IntList cur = new IntList();
    cur.add(end);
    for (Pattern p : patterns) {
      IntList next = new IntList(cur.size() * 2);
      Matcher m = p.matcher(text);
      m.useAnchoringBounds(true);
      m.useTransparentBounds(false);
      int a = start;
      for (int k = 0; k < cur.size(); k++) {
        int b = cur.get(k);
        m.region(a, b);
        int prev = a;
        while (m.find()) {
          int ms = m.start();
          int me = m.end();
          if (me == ms) {
            continue;
          }
          if (ms > prev) {
            next.add(ms);
          }
          next.add(me);
          prev = me;
        }
        if (prev < b) {
          next.add(b);
        }
        a = b;
      }
      cur = next;
    }
    for (int k = 0; k < cur.size(); k++) {
      ends.add(cur.get(k));
    }
  }
}
