package dev.llmkit.model.chat;

import java.beans.FeatureDescriptor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;

/**
 * The Python {@code str} and {@code dict} methods that chat templates call ({@code
 * content.strip()}, {@code content.split('</think>')[-1].lstrip('\n')}, {@code tool.items()}),
 * which Jinja inherits from Python and Jinjava, being Java, lacks. Everything else goes to
 * Jinjava's own resolver.
 */
final class PythonMethods extends ELResolver {

  private final ELResolver delegate;

  PythonMethods(ELResolver delegate) {
    this.delegate = delegate;
  }

  @Override
  public Object invoke(ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
    Object[] args = params == null ? new Object[0] : params;
    if (base instanceof String s && method instanceof String name) {
      Object r = string(s, name, args);
      if (r != NOT_HANDLED) {
        context.setPropertyResolved(true);
        return r;
      }
    } else if (base instanceof Map<?, ?> m && method instanceof String name) {
      Object r = dict(m, name, args);
      if (r != NOT_HANDLED) {
        context.setPropertyResolved(true);
        return r;
      }
    }
    return delegate.invoke(context, base, method, paramTypes, params);
  }

  private static final Object NOT_HANDLED = new Object();

  private static Object string(String s, String name, Object[] args) {
    switch (name) {
      case "strip":
        return rstrip(lstrip(s, chars(args)), chars(args));
      case "lstrip":
        return lstrip(s, chars(args));
      case "rstrip":
        return rstrip(s, chars(args));
      case "split":
        return split(s, args.length > 0 && args[0] != null ? args[0].toString() : null);
      case "startswith":
        return args.length == 1 && s.startsWith(String.valueOf(args[0]));
      case "endswith":
        return args.length == 1 && s.endsWith(String.valueOf(args[0]));
      case "upper":
        return s.toUpperCase(Locale.ROOT);
      case "lower":
        return s.toLowerCase(Locale.ROOT);
      case "title":
        return title(s);
      case "capitalize":
        return s.isEmpty() ? s : s.substring(0, 1).toUpperCase(Locale.ROOT) + s.substring(1).toLowerCase(Locale.ROOT);
      case "replace":
        return args.length >= 2 ? s.replace(String.valueOf(args[0]), String.valueOf(args[1])) : NOT_HANDLED;
      case "count":
        return args.length == 1 ? (long) count(s, String.valueOf(args[0])) : NOT_HANDLED;
      case "find":
        return args.length == 1 ? (long) s.indexOf(String.valueOf(args[0])) : NOT_HANDLED;
      default:
        return NOT_HANDLED;
    }
  }

  private static Object dict(Map<?, ?> m, String name, Object[] args) {
    switch (name) {
      case "items": {
        List<List<Object>> out = new ArrayList<>();
        for (Map.Entry<?, ?> e : m.entrySet()) {
          out.add(Arrays.asList(e.getKey(), e.getValue()));
        }
        return out;
      }
      case "keys":
        return new ArrayList<>(m.keySet());
      case "values":
        return new ArrayList<>(m.values());
      case "get":
        if (args.length == 0) {
          return NOT_HANDLED;
        }
        Object v = m.get(args[0]);
        return v != null || m.containsKey(args[0]) ? v : args.length > 1 ? args[1] : null;
      default:
        return NOT_HANDLED;
    }
  }

  private static String chars(Object[] args) {
    return args.length > 0 && args[0] != null ? args[0].toString() : null;
  }

  private static boolean strippable(int c, String chars) {
    return chars == null ? isPythonSpace(c) : chars.indexOf(c) >= 0;
  }

  /** Python's str.isspace() for one character. */
  static boolean isPythonSpace(int c) {
    return Character.isWhitespace(c) || Character.isSpaceChar(c) || c == 0x1C || c == 0x1D
        || c == 0x1E || c == 0x1F || c == 0x85;
  }

  static String lstrip(String s, String chars) {
    int i = 0;
    while (i < s.length() && strippable(s.charAt(i), chars)) {
      i++;
    }
    return s.substring(i);
  }

  static String rstrip(String s, String chars) {
    int j = s.length();
    while (j > 0 && strippable(s.charAt(j - 1), chars)) {
      j--;
    }
    return s.substring(0, j);
  }

  private static List<String> split(String s, String sep) {
    List<String> out = new ArrayList<>();
    if (sep == null) {
      for (String part : s.strip().split("\\s+")) {
        if (!part.isEmpty()) {
          out.add(part);
        }
      }
      return out;
    }
    if (sep.isEmpty()) {
      throw new IllegalArgumentException("split() was given an empty separator");
    }
    int from = 0;
    int at;
    while ((at = s.indexOf(sep, from)) >= 0) {
      out.add(s.substring(from, at));
      from = at + sep.length();
    }
    out.add(s.substring(from));
    return out;
  }

  private static int count(String s, String sub) {
    if (sub.isEmpty()) {
      return s.length() + 1;
    }
    int n = 0;
    int from = 0;
    int at;
    while ((at = s.indexOf(sub, from)) >= 0) {
      n++;
      from = at + sub.length();
    }
    return n;
  }

  private static String title(String s) {
    StringBuilder sb = new StringBuilder(s.length());
    boolean prevCased = false;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      sb.append(prevCased ? Character.toLowerCase(c) : Character.toUpperCase(c));
      prevCased = Character.isLetter(c);
    }
    return sb.toString();
  }

  // ---- everything else: Jinjava's resolver ------------------------------------------------------

  @Override
  public Class<?> getCommonPropertyType(ELContext context, Object base) {
    return delegate.getCommonPropertyType(context, base);
  }

  @Override
  public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
    return delegate.getFeatureDescriptors(context, base);
  }

  @Override
  public Class<?> getType(ELContext context, Object base, Object property) {
    return delegate.getType(context, base, property);
  }

  @Override
  public Object getValue(ELContext context, Object base, Object property) {
    return delegate.getValue(context, base, property);
  }

  @Override
  public boolean isReadOnly(ELContext context, Object base, Object property) {
    return delegate.isReadOnly(context, base, property);
  }

  @Override
  public void setValue(ELContext context, Object base, Object property, Object value) {
    delegate.setValue(context, base, property, value);
  }
}
