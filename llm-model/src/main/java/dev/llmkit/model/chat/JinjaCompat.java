package dev.llmkit.model.chat;

/**
 * Source rewrites for the few spots where Jinjava parses Jinja2 differently, applied before
 * rendering. A keyword argument's value ends, for Jinjava, before a binary operator that
 * follows a filter ({@code namespace(i=messages|length - 1)} becomes {@code (i=messages|length) - 1}),
 * so each keyword value of a {@code namespace(...)} call is put in parentheses, which changes
 * nothing for Jinja2; and Jinjava slices have no step (see {@link #reverseSlices}).
 */
final class JinjaCompat {

  private JinjaCompat() {}

  static String rewrite(String source) {
    return reverseSlices(namespaceKeywords(source));
  }

  /**
   * {@code x[::-1]} (Jinjava slices take no step) as {@code x|reverse|list}, when nothing is
   * subscripted or called on the result (a filter binds as tightly as the slice there).
   */
  static String reverseSlices(String source) {
    return source.replaceAll("\\[\\s*:\\s*:\\s*-1\\s*\\](?![\\[.(])", "|reverse|list");
  }

  static String namespaceKeywords(String source) {
    StringBuilder out = new StringBuilder(source.length() + 16);
    int from = 0;
    int at;
    while ((at = source.indexOf("namespace(", from)) >= 0) {
      int open = at + "namespace(".length();
      int close = matchingParen(source, open - 1);
      if (close < 0) {
        break;
      }
      out.append(source, from, open);
      out.append(wrapKeywordValues(source.substring(open, close)));
      out.append(')');
      from = close + 1;
    }
    return out.append(source, from, source.length()).toString();
  }

  /** Index of the ')' closing the '(' at {@code openAt}, skipping strings; -1 if none. */
  private static int matchingParen(String s, int openAt) {
    int depth = 0;
    char quote = 0;
    for (int i = openAt; i < s.length(); i++) {
      char c = s.charAt(i);
      if (quote != 0) {
        if (c == '\\') {
          i++;
        } else if (c == quote) {
          quote = 0;
        }
      } else if (c == '\'' || c == '"') {
        quote = c;
      } else if (c == '(' || c == '[' || c == '{') {
        depth++;
      } else if (c == ')' || c == ']' || c == '}') {
        depth--;
        if (depth == 0) {
          return c == ')' ? i : -1;
        }
      }
    }
    return -1;
  }

  private static String wrapKeywordValues(String args) {
    StringBuilder out = new StringBuilder();
    int depth = 0;
    char quote = 0;
    int start = 0;
    for (int i = 0; i <= args.length(); i++) {
      char c = i < args.length() ? args.charAt(i) : ',';
      if (quote != 0) {
        if (c == '\\') {
          i++;
        } else if (c == quote) {
          quote = 0;
        }
        continue;
      }
      if (c == '\'' || c == '"') {
        quote = c;
      } else if (c == '(' || c == '[' || c == '{') {
        depth++;
      } else if (c == ')' || c == ']' || c == '}') {
        depth--;
      } else if (c == ',' && depth == 0) {
        String arg = args.substring(start, Math.min(i, args.length()));
        out.append(wrapOne(arg));
        if (i < args.length()) {
          out.append(',');
        }
        start = i + 1;
      }
    }
    return out.toString();
  }

  private static String wrapOne(String arg) {
    int eq = arg.indexOf('=');
    if (eq <= 0 || eq + 1 < arg.length() && arg.charAt(eq + 1) == '='
        || !arg.substring(0, eq).trim().matches("[A-Za-z_][A-Za-z0-9_]*")) {
      return arg;
    }
    return arg.substring(0, eq + 1) + "(" + arg.substring(eq + 1) + ")";
  }
}
