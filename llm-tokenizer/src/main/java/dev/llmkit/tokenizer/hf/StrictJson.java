package dev.llmkit.tokenizer.hf;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmkit.tokenizer.TokenizerFormatException;
import dev.llmkit.tokenizer.UntrustedText;

/**
 * Typed reads of a JSON tree with no coercion: a field that should hold an id must hold an
 * integral JSON number in int range (not {@code "5"}, not {@code 5.0}, not 2^40), a boolean must be
 * {@code true}/{@code false}, and so on. Every error names the file and the field's path, what was
 * found and what was expected.
 */
final class StrictJson {

  private final String file;

  StrictJson(String file) {
    this.file = file;
  }

  TokenizerFormatException error(String path, String what) {
    return new TokenizerFormatException(file, path + ": " + what);
  }

  private TokenizerFormatException wrong(String path, JsonNode found, String expected) {
    return error(path, "found " + describe(found) + ", expected " + expected);
  }

  /** A short, bounded description of a node for a message. */
  static String describe(JsonNode n) {
    if (n == null || n.isMissingNode()) {
      return "nothing (the field is missing)";
    }
    if (n.isContainerNode()) {
      return (n.isArray() ? "an array of " : "an object of ") + n.size()
          + (n.isArray() ? " elements" : " fields");
    }
    String t = n.toString();
    return n.getNodeType().toString().toLowerCase(java.util.Locale.ROOT) + " "
        + UntrustedText.name(t.length() > 40 ? t.substring(0, 40) + "..." : t);
  }

  /** Quotes a key taken from the file for a path. */
  static String key(String k) {
    return "['" + UntrustedText.name(k) + "']";
  }

  /** A required object field. */
  JsonNode object(JsonNode parent, String field, String path) {
    JsonNode v = parent.get(field);
    if (v == null || !v.isObject()) {
      throw wrong(path, v, "an object");
    }
    return v;
  }

  /** A required array field. */
  JsonNode array(JsonNode parent, String field, String path) {
    JsonNode v = parent.get(field);
    if (v == null || !v.isArray()) {
      throw wrong(path, v, "an array");
    }
    return v;
  }

  /** A field that is absent, null, or an object (null when absent or null). */
  JsonNode optObject(JsonNode parent, String field, String path) {
    JsonNode v = parent.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isObject()) {
      throw wrong(path, v, "an object or null");
    }
    return v;
  }

  /** A required string field. */
  String string(JsonNode parent, String field, String path) {
    JsonNode v = parent.get(field);
    if (v == null || !v.isTextual()) {
      throw wrong(path, v, "a string");
    }
    return v.textValue();
  }

  /** A string field that may be absent or null. */
  String optString(JsonNode parent, String field, String path, String dflt) {
    JsonNode v = parent.get(field);
    if (v == null || v.isNull()) {
      return dflt;
    }
    if (!v.isTextual()) {
      throw wrong(path, v, "a string or null");
    }
    return v.textValue();
  }

  /** A boolean field that may be absent (or null). */
  boolean optBool(JsonNode parent, String field, String path, boolean dflt) {
    JsonNode v = parent.get(field);
    if (v == null || v.isNull()) {
      return dflt;
    }
    if (!v.isBoolean()) {
      throw wrong(path, v, "true or false");
    }
    return v.booleanValue();
  }

  /** A non-negative int field that may be absent (or null). */
  int optCount(JsonNode parent, String field, String path, int dflt) {
    JsonNode v = parent.get(field);
    if (v == null || v.isNull()) {
      return dflt;
    }
    return id(v, path);
  }

  /** A node that must be a token id: an integral JSON number in [0, 2^31). */
  int id(JsonNode v, String path) {
    if (v == null || !v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() < 0) {
      throw wrong(path, v, "a non-negative integer below 2^31");
    }
    return v.intValue();
  }

  /** A node that must be a string. */
  String text(JsonNode v, String path) {
    if (v == null || !v.isTextual()) {
      throw wrong(path, v, "a string");
    }
    return v.textValue();
  }
}
