package dev.llmkit.model.chat;

import java.util.Collection;
import java.util.Map;

/**
 * JSON text exactly as Python's {@code json.dumps(x, ensure_ascii=False, indent=indent)} writes it,
 * which is what Hugging Face's {@code tojson} filter gives templates: {@code ", "} and {@code ": "}
 * separators on one line, or {@code ","} and newlines with {@code indent}; non-ASCII kept.
 */
final class PyJson {

  private PyJson() {}

  static String dumps(Object value, Integer indent) {
    StringBuilder sb = new StringBuilder();
    write(value, indent, 0, sb);
    return sb.toString();
  }

  private static void write(Object v, Integer indent, int depth, StringBuilder sb) {
    if (v == null) {
      sb.append("null");
    } else if (v instanceof Boolean b) {
      sb.append(b ? "true" : "false");
    } else if (v instanceof Double || v instanceof Float) {
      sb.append(pyFloat(((Number) v).doubleValue()));
    } else if (v instanceof Number n) {
      sb.append(n.toString());
    } else if (v instanceof CharSequence s) {
      quote(s.toString(), sb);
    } else if (v instanceof Map<?, ?> m) {
      if (m.isEmpty()) {
        sb.append("{}");
        return;
      }
      sb.append('{');
      boolean first = true;
      for (Map.Entry<?, ?> e : m.entrySet()) {
        separator(first, indent, depth + 1, sb);
        first = false;
        quote(String.valueOf(e.getKey()), sb);
        sb.append(": ");
        write(e.getValue(), indent, depth + 1, sb);
      }
      close(indent, depth, sb);
      sb.append('}');
    } else if (v instanceof Collection<?> || v instanceof Object[]) {
      Collection<?> c = v instanceof Collection<?> col ? col : java.util.Arrays.asList((Object[]) v);
      if (c.isEmpty()) {
        sb.append("[]");
        return;
      }
      sb.append('[');
      boolean first = true;
      for (Object o : c) {
        separator(first, indent, depth + 1, sb);
        first = false;
        write(o, indent, depth + 1, sb);
      }
      close(indent, depth, sb);
      sb.append(']');
    } else {
      quote(v.toString(), sb);
    }
  }

  private static void separator(boolean first, Integer indent, int depth, StringBuilder sb) {
    if (indent == null) {
      if (!first) {
        sb.append(", ");
      }
    } else {
      if (!first) {
        sb.append(',');
      }
      sb.append('\n').append(" ".repeat(indent * depth));
    }
  }

  private static void close(Integer indent, int depth, StringBuilder sb) {
    if (indent != null) {
      sb.append('\n').append(" ".repeat(indent * depth));
    }
  }

  /** Python's repr of a float: shortest round-trip digits, always with a '.' or exponent. */
  static String pyFloat(double d) {
    if (Double.isNaN(d)) {
      return "NaN";
    }
    if (Double.isInfinite(d)) {
      return d > 0 ? "Infinity" : "-Infinity";
    }
    // shortest round-trip digits (Java and Python agree on them), laid out as Python's repr does:
    // positional for 1e-4 <= |d| < 1e16, else d.ddde[+-]XX
    java.math.BigDecimal b = new java.math.BigDecimal(Double.toString(d)).stripTrailingZeros();
    int exp10 = b.precision() - b.scale() - 1;
    if (d == 0 || (exp10 >= -4 && exp10 < 16)) {
      String plain = b.toPlainString();
      return plain.contains(".") ? plain : plain + ".0";
    }
    String digits = b.unscaledValue().abs().toString();
    String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
    return (d < 0 ? "-" : "") + mantissa + "e" + (exp10 < 0 ? "-" : "+")
        + String.format("%02d", Math.abs(exp10));
  }

  private static void quote(String s, StringBuilder sb) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        case '\b' -> sb.append("\\b");
        case '\f' -> sb.append("\\f");
        default -> {
          if (c < 0x20) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    sb.append('"');
  }
}
