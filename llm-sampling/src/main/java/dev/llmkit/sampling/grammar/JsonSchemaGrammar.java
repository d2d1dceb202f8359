package dev.llmkit.sampling.grammar;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Converts a JSON Schema to a GBNF grammar whose sentences are exactly the JSON texts that follow
 * it, as llama.cpp's {@code json-schema-to-grammar} does, for the common subset: {@code type}
 * (object, array, string, number, integer, boolean, null, or a list of these), {@code properties},
 * {@code required}, {@code items}, {@code minItems}/{@code maxItems}, {@code minLength}/{@code
 * maxLength}, {@code enum}, {@code const}, {@code anyOf}/{@code oneOf}. Objects are written with
 * their properties in the schema's order, required ones always and optional ones possibly left out,
 * and no other properties ({@code additionalProperties} is taken as false). Whitespace between
 * tokens is at most one space. Annotations ({@code title}, {@code description}, {@code $schema},
 * {@code $id}, {@code default}, {@code examples}) are ignored; any other keyword is refused with an
 * exception naming it, so a schema is never silently weakened.
 *
 * <p>The schema comes as already-parsed JSON (maps, lists, strings, numbers, booleans and null, as
 * Jackson's {@code readValue(text, Map.class)} gives), so this module needs no JSON library.
 */
public final class JsonSchemaGrammar {

  private static final Set<String> IGNORED =
      Set.of("title", "description", "$schema", "$id", "default", "examples", "$comment");

  private static final String PRIMITIVES = String.join("\n",
      "space ::= \" \"?",
      "boolean ::= (\"true\" | \"false\") space",
      "null ::= \"null\" space",
      "integral-part ::= [0] | [1-9] [0-9]{0,15}",
      "decimal-part ::= [0-9]{1,16}",
      "integer ::= \"-\"? integral-part space",
      "number ::= \"-\"? integral-part (\".\" decimal-part)? ([eE] [-+]? integral-part)? space",
      "char ::= [^\"\\\\\\x7F\\x00-\\x1F] | [\\\\] ([\"\\\\/bfnrt] | \"u\" [0-9a-fA-F]{4})",
      "string ::= \"\\\"\" char* \"\\\"\" space",
      "value ::= object-any | array-any | string | number | boolean | null",
      "object-any ::= \"{\" space (string \":\" space value (\",\" space string \":\" space value)*)? \"}\" space",
      "array-any ::= \"[\" space (value (\",\" space value)*)? \"]\" space",
      "");

  private final Map<String, String> rules = new LinkedHashMap<>();

  private JsonSchemaGrammar() {}

  /**
   * The GBNF grammar of a schema; its {@code root} rule is the schema.
   *
   * @param schema the parsed schema (a {@code Map}); {@code true} or an empty map allows any JSON
   * @return GBNF text, for {@link Grammar#parse}
   * @throws IllegalArgumentException naming the keyword and its path when the schema uses a feature
   *     this converter does not support, or is malformed
   */
  public static String toGbnf(Object schema) {
    JsonSchemaGrammar g = new JsonSchemaGrammar();
    String root = g.visit(schema, "root", "#");
    StringBuilder sb = new StringBuilder();
    sb.append("root ::= ").append(root).append('\n');
    for (Map.Entry<String, String> e : g.rules.entrySet()) {
      sb.append(e.getKey()).append(" ::= ").append(e.getValue()).append('\n');
    }
    sb.append(PRIMITIVES);
    return sb.toString();
  }

  /**
   * The compiled grammar of a schema ({@link #toGbnf} then {@link Grammar#parse}).
   *
   * @param schema the parsed schema
   * @return the grammar
   */
  public static Grammar toGrammar(Object schema) {
    return Grammar.parse(toGbnf(schema));
  }

  /** Returns a GBNF expression for the schema, defining helper rules under {@code name}. */
  private String visit(Object schema, String name, String path) {
    if (Boolean.TRUE.equals(schema)) {
      return "value";
    }
    if (!(schema instanceof Map<?, ?> map)) {
      throw new IllegalArgumentException("JSON schema at " + path + " is " + describe(schema)
          + "; expected an object (or true)");
    }
    for (Object k : map.keySet()) {
      String key = String.valueOf(k);
      if (!IGNORED.contains(key) && !Set.of("type", "properties", "required", "items", "minItems",
          "maxItems", "minLength", "maxLength", "enum", "const", "anyOf", "oneOf",
          "additionalProperties").contains(key)) {
        throw new IllegalArgumentException("JSON schema keyword '" + key + "' at " + path
            + " is not supported; supported: type, properties, required, items, minItems, maxItems,"
            + " minLength, maxLength, enum, const, anyOf, oneOf, additionalProperties: false");
      }
    }
    Object ap = map.get("additionalProperties");
    if (ap != null && !Boolean.FALSE.equals(ap)) {
      throw new IllegalArgumentException("JSON schema keyword 'additionalProperties' at " + path
          + " is " + describe(ap) + "; only false is supported (objects get exactly their properties)");
    }
    if (map.containsKey("const")) {
      return "(" + literal(map.get("const"), path + "/const") + " space)";
    }
    if (map.containsKey("enum")) {
      if (!(map.get("enum") instanceof List<?> values) || values.isEmpty()) {
        throw new IllegalArgumentException("JSON schema 'enum' at " + path + " is "
            + describe(map.get("enum")) + "; expected a non-empty array");
      }
      List<String> alts = new ArrayList<>();
      for (Object v : values) {
        alts.add(literal(v, path + "/enum"));
      }
      return "(" + String.join(" | ", alts) + ") space";
    }
    for (String combinator : List.of("anyOf", "oneOf")) {
      if (map.containsKey(combinator)) {
        if (!(map.get(combinator) instanceof List<?> subs) || subs.isEmpty()) {
          throw new IllegalArgumentException("JSON schema '" + combinator + "' at " + path
              + " is not a non-empty array of schemas");
        }
        List<String> alts = new ArrayList<>();
        for (int i = 0; i < subs.size(); i++) {
          alts.add(define(name + "-" + i, visit(subs.get(i), name + "-" + i, path + "/" + combinator + "/" + i)));
        }
        return "(" + String.join(" | ", alts) + ")";
      }
    }
    Object type = map.get("type");
    if (type == null) {
      if (map.containsKey("properties")) {
        type = "object";
      } else if (map.containsKey("items")) {
        type = "array";
      } else {
        return "value";
      }
    }
    if (type instanceof List<?> types) {
      List<String> alts = new ArrayList<>();
      for (Object t : types) {
        Map<String, Object> single = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : map.entrySet()) {
          single.put(String.valueOf(e.getKey()), e.getValue());
        }
        single.put("type", t);
        alts.add(define(name + "-" + t, visit(single, name + "-" + t, path)));
      }
      return "(" + String.join(" | ", alts) + ")";
    }
    switch (String.valueOf(type)) {
      case "string":
        int min = intKeyword(map, "minLength", 0, path);
        int max = intKeyword(map, "maxLength", -1, path);
        if (min == 0 && max < 0) {
          return "string";
        }
        return "\"\\\"\" char{" + min + "," + (max < 0 ? "" : max) + "} \"\\\"\" space";
      case "number":
        return "number";
      case "integer":
        return "integer";
      case "boolean":
        return "boolean";
      case "null":
        return "null";
      case "array":
        return array(map, name, path);
      case "object":
        return object(map, name, path);
      default:
        throw new IllegalArgumentException("JSON schema type '" + type + "' at " + path
            + " is not supported; expected object, array, string, number, integer, boolean or null");
    }
  }

  private String array(Map<?, ?> map, String name, String path) {
    Object items = map.containsKey("items") ? map.get("items") : Boolean.TRUE;
    if (items instanceof List) {
      throw new IllegalArgumentException("JSON schema 'items' at " + path
          + " is an array (tuple validation); only a single schema is supported");
    }
    String item = define(name + "-item", visit(items, name + "-item", path + "/items"));
    int min = intKeyword(map, "minItems", 0, path);
    int max = intKeyword(map, "maxItems", -1, path);
    String list;
    if (max == 0) {
      list = "";
    } else if (min == 0) {
      list = "(" + item + " (\",\" space " + item + ")" + rep(0, max < 0 ? -1 : max - 1) + ")?";
    } else {
      list = item + " (\",\" space " + item + ")" + rep(min - 1, max < 0 ? -1 : max - 1);
    }
    return "\"[\" space " + list + " \"]\" space";
  }

  private static String rep(int min, int max) {
    if (max < 0) {
      return min == 0 ? "*" : "{" + min + ",}";
    }
    return "{" + min + "," + max + "}";
  }

  private String object(Map<?, ?> map, String name, String path) {
    Object props = map.containsKey("properties") ? map.get("properties") : Map.of();
    if (!(props instanceof Map<?, ?> properties)) {
      throw new IllegalArgumentException("JSON schema 'properties' at " + path + " is "
          + describe(props) + "; expected an object");
    }
    Object req = map.containsKey("required") ? map.get("required") : List.of();
    if (!(req instanceof List<?> required)) {
      throw new IllegalArgumentException("JSON schema 'required' at " + path + " is "
          + describe(req) + "; expected an array of property names");
    }
    for (Object r : required) {
      if (!properties.containsKey(r)) {
        throw new IllegalArgumentException("JSON schema 'required' at " + path + " names '" + r
            + "', which is not among its properties");
      }
    }
    List<String> requiredKv = new ArrayList<>();
    List<String> optionalKv = new ArrayList<>();
    int i = 0;
    for (Map.Entry<?, ?> e : properties.entrySet()) {
      String key = String.valueOf(e.getKey());
      String propName = name + "-" + sanitize(key) + "-" + i++;
      String value = visit(e.getValue(), propName, path + "/properties/" + key);
      String kv = define(propName + "-kv", literal(key, path) + " space \":\" space " + value);
      (required.contains(key) ? requiredKv : optionalKv).add(kv);
    }
    StringBuilder body = new StringBuilder("\"{\" space ");
    for (int k = 0; k < requiredKv.size(); k++) {
      body.append(k == 0 ? "" : "\",\" space ").append(requiredKv.get(k)).append(' ');
    }
    if (!optionalKv.isEmpty()) {
      // rest_i: a non-empty, in-order selection of optional properties i..n, comma-separated
      String next = null;
      for (int k = optionalKv.size() - 1; k >= 0; k--) {
        String kv = optionalKv.get(k);
        String rest = next == null ? kv : kv + " (\",\" space " + next + ")? | " + next;
        next = define(name + "-rest-" + k, rest);
      }
      body.append(requiredKv.isEmpty() ? "" : "(\",\" space ").append(requiredKv.isEmpty() ? next + "? " : next + ")? ");
    }
    return body.append("\"}\" space").toString();
  }

  private String define(String name, String body) {
    String n = sanitize(name);
    String unique = n;
    int k = 1;
    while (rules.containsKey(unique)) {
      unique = n + "-" + k++;
    }
    rules.put(unique, body);
    return unique;
  }

  private static String sanitize(String s) {
    String t = s.replaceAll("[^a-zA-Z0-9-]", "-");
    return t.isEmpty() ? "x" : t;
  }

  private static int intKeyword(Map<?, ?> map, String key, int absent, String path) {
    Object v = map.get(key);
    if (v == null) {
      return absent;
    }
    if (v instanceof Number n && n.doubleValue() == Math.floor(n.doubleValue()) && n.doubleValue() >= 0
        && n.doubleValue() <= 100_000) {
      return n.intValue();
    }
    throw new IllegalArgumentException("JSON schema '" + key + "' at " + path + " is " + describe(v)
        + "; expected a whole number in [0, 100000]");
  }

  /** A GBNF string literal matching the JSON text of a value. */
  private static String literal(Object value, String path) {
    String json = json(value, path);
    StringBuilder sb = new StringBuilder("\"");
    for (int i = 0; i < json.length(); i++) {
      char c = json.charAt(i);
      if (c == '"' || c == '\\') {
        sb.append('\\');
      }
      sb.append(c);
    }
    return sb.append('"').toString();
  }

  /** Compact JSON text of a parsed value. */
  static String json(Object value, String path) {
    if (value == null) {
      return "null";
    }
    if (value instanceof Boolean b) {
      return b.toString();
    }
    if (value instanceof Number n) {
      double d = n.doubleValue();
      if (d == Math.rint(d) && Math.abs(d) < 1e15) {
        return Long.toString((long) d);
      }
      return n.toString();
    }
    if (value instanceof String s) {
      StringBuilder sb = new StringBuilder("\"");
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        switch (c) {
          case '"' -> sb.append("\\\"");
          case '\\' -> sb.append("\\\\");
          case '\n' -> sb.append("\\n");
          case '\r' -> sb.append("\\r");
          case '\t' -> sb.append("\\t");
          default -> {
            if (c < 0x20) {
              sb.append(String.format("\\u%04x", (int) c));
            } else {
              sb.append(c);
            }
          }
        }
      }
      return sb.append('"').toString();
    }
    if (value instanceof List<?> list) {
      List<String> parts = new ArrayList<>();
      for (Object o : list) {
        parts.add(json(o, path));
      }
      return "[" + String.join(",", parts) + "]";
    }
    if (value instanceof Map<?, ?> m) {
      List<String> parts = new ArrayList<>();
      for (Map.Entry<?, ?> e : m.entrySet()) {
        parts.add(json(String.valueOf(e.getKey()), path) + ":" + json(e.getValue(), path));
      }
      return "{" + String.join(",", parts) + "}";
    }
    throw new IllegalArgumentException("JSON schema value at " + path + " is a "
        + value.getClass().getName() + "; expected parsed JSON");
  }

  private static String describe(Object o) {
    return o == null ? "null" : o instanceof String s ? "'" + s + "'" : o.toString();
  }
}
