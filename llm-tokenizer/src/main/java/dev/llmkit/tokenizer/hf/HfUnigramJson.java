package dev.llmkit.tokenizer.hf;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmkit.tokenizer.Tokenizer;
import dev.llmkit.tokenizer.TokenizerFormatException;
import dev.llmkit.tokenizer.sentencepiece.PrecompiledCharsMap;
import dev.llmkit.tokenizer.sentencepiece.SentencePieceTokenizer;
import dev.llmkit.tokenizer.sentencepiece.UnigramModel;
import dev.llmkit.tokenizer.sentencepiece.UnigramTokenizer;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code Unigram} model of a Hugging Face {@code tokenizer.json} and the components T5, ALBERT,
 * XLNet and mT5 files use with it: normalisers {@code Precompiled}, {@code NFKC}/{@code NFC}/
 * {@code NFKD}/{@code NFD}, {@code Replace}, {@code Strip}, {@code Lowercase}, {@code Prepend},
 * {@code Sequence}; pre-tokenizers {@code Metaspace}, {@code WhitespaceSplit} in front of it, and
 * {@code Sequence}; decoders {@code Metaspace}, {@code ByteFallback}, {@code Fuse},
 * {@code Replace}, {@code Strip}, {@code Sequence}. Anything else, a field of the wrong JSON
 * type or an id out of range is rejected with a message naming the field.
 */
public final class HfUnigramJson {
  private HfUnigramJson() {}

  /**
   * Builds the tokenizer.
   *
   * @param root the whole JSON document
   * @param specials special added tokens (text to id)
   * @param added non-special added tokens
   * @param fileName the file, for messages
   * @return the tokenizer
   */
  public static Tokenizer fromJson(
      JsonNode root, Map<String, Integer> specials, Map<String, Integer> added, String fileName) {
    JsonNode model = root.get("model");
    JsonNode vocab = model.get("vocab");
    if (vocab == null || !vocab.isArray()) {
      throw new TokenizerFormatException(
          fileName + ": model.vocab must be an array of [piece, score] pairs");
    }
    int n = vocab.size();
    String[] pieces = new String[n];
    float[] scores = new float[n];
    double[] exact = new double[n];
    for (int i = 0; i < n; i++) {
      JsonNode e = vocab.get(i);
      if (!e.isArray() || e.size() != 2 || !e.get(0).isTextual() || !e.get(1).isNumber()) {
        throw new TokenizerFormatException(
            fileName + ": model.vocab[" + i + "] must be [piece (string), score (number)], got " + e);
      }
      pieces[i] = e.get(0).asText();
      exact[i] = e.get(1).asDouble();
      scores[i] = (float) exact[i];
    }
    int unkId = -1;
    JsonNode unk = model.get("unk_id");
    if (unk != null && !unk.isNull()) {
      if (!unk.isIntegralNumber() || unk.asLong() < 0 || unk.asLong() >= n) {
        throw new TokenizerFormatException(
            fileName + ": model.unk_id " + unk + " must be an id in [0, " + n + ")");
      }
      unkId = unk.asInt();
    }
    boolean byteFallback = bool(model, "byte_fallback", false, "model", fileName);
    int[] types = new int[n];
    java.util.Arrays.fill(types, SentencePieceTokenizer.NORMAL);
    for (Map.Entry<String, Integer> e : specials.entrySet()) {
      checkId(e.getValue(), n, "added_tokens '" + e.getKey() + "'", fileName);
      types[e.getValue()] = SentencePieceTokenizer.CONTROL;
    }
    for (Map.Entry<String, Integer> e : added.entrySet()) {
      checkId(e.getValue(), n, "added_tokens '" + e.getKey() + "'", fileName);
      types[e.getValue()] = SentencePieceTokenizer.USER_DEFINED;
    }
    if (unkId >= 0) {
      types[unkId] = SentencePieceTokenizer.UNKNOWN;
    }
    // added tokens with "normalized": true (the default for non-special ones) are matched in
    // the normalised text, the others in the raw text
    Map<String, Integer> raw = new java.util.LinkedHashMap<>(added);
    Map<String, Integer> normalized = new java.util.LinkedHashMap<>();
    for (JsonNode t : root.path("added_tokens")) {
      String content = t.path("content").asText();
      boolean special = t.path("special").asBoolean(false);
      boolean norm = bool(t, "normalized", !special, "added_tokens '" + content + "'", fileName);
      if (!special && norm && raw.containsKey(content)) {
        normalized.put(content, raw.remove(content));
      }
    }
    UnigramModel um = new UnigramModel(
        pieces, scores, types, unkId, byteFallback, UnigramModel.Flavor.HUGGING_FACE, fileName);
    UnaryOperator<String> normalizer = normalizer(root.get("normalizer"), "normalizer", fileName);
    UnigramTokenizer.Metaspace metaspace = preTokenizer(root.get("pre_tokenizer"), fileName);
    boolean decodeBytes = decoder(root.get("decoder"), "decoder", fileName);
    return new UnigramTokenizer(
        fileName, um, normalizer, metaspace, decodeBytes, specials, raw, normalized,
        first(specials, "<s>", "<bos>", "[CLS]"), first(specials, "</s>", "<eos>", "[SEP]"));
  }

  private static OptionalInt first(Map<String, Integer> specials, String... names) {
    for (String s : names) {
      if (specials.containsKey(s)) {
        return OptionalInt.of(specials.get(s));
      }
    }
    return OptionalInt.empty();
  }

  private static void checkId(int id, int n, String what, String fileName) {
    if (id < 0 || id >= n) {
      throw new TokenizerFormatException(
          fileName + ": " + what + " has id " + id + ", outside model.vocab [0, " + n + ")");
    }
  }

  private static boolean absent(JsonNode n) {
    return n == null || n.isNull() || n.isMissingNode();
  }

  private static String type(JsonNode n, String path, String fileName) {
    if (!n.isObject() || !n.path("type").isTextual()) {
      throw new TokenizerFormatException(fileName + ": " + path + " must be an object with a 'type'");
    }
    return n.get("type").asText();
  }

  private static boolean bool(JsonNode n, String field, boolean dflt, String path, String fileName) {
    JsonNode v = n.get(field);
    if (absent(v)) {
      return dflt;
    }
    if (!v.isBoolean()) {
      throw new TokenizerFormatException(
          fileName + ": " + path + "." + field + " must be true or false, got " + v);
    }
    return v.asBoolean();
  }

  private static String string(JsonNode n, String field, String path, String fileName) {
    JsonNode v = n.get(field);
    if (v == null || !v.isTextual()) {
      throw new TokenizerFormatException(
          fileName + ": " + path + "." + field + " must be a string, got " + v);
    }
    return v.asText();
  }

  private static JsonNode array(JsonNode n, String field, String path, String fileName) {
    JsonNode v = n.get(field);
    if (v == null || !v.isArray()) {
      throw new TokenizerFormatException(
          fileName + ": " + path + "." + field + " must be an array, got " + v);
    }
    return v;
  }

  /**
   * A normaliser node as a function.
   *
   * @param n the node (null: identity)
   * @param path its JSON path, for messages
   * @param fileName the file, for messages
   * @return the function
   */
  static UnaryOperator<String> normalizer(JsonNode n, String path, String fileName) {
    if (absent(n)) {
      return UnaryOperator.identity();
    }
    String t = type(n, path, fileName);
    switch (t) {
      case "Sequence": {
        JsonNode items = array(n, "normalizers", path, fileName);
        List<UnaryOperator<String>> fs = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
          fs.add(normalizer(items.get(i), path + ".normalizers[" + i + "]", fileName));
        }
        return s -> {
          for (UnaryOperator<String> f : fs) {
            s = f.apply(s);
          }
          return s;
        };
      }
      case "Precompiled": {
        JsonNode v = n.get("precompiled_charsmap");
        if (absent(v) || (v.isTextual() && v.asText().isEmpty())) {
          return UnaryOperator.identity();
        }
        if (!v.isTextual()) {
          throw new TokenizerFormatException(
              fileName + ": " + path + ".precompiled_charsmap must be a base64 string");
        }
        byte[] blob;
        try {
          blob = Base64.getDecoder().decode(v.asText());
        } catch (IllegalArgumentException e) {
          throw new TokenizerFormatException(
              fileName + ": " + path + ".precompiled_charsmap is not valid base64: " + e.getMessage());
        }
        PrecompiledCharsMap map;
        try {
          map = new PrecompiledCharsMap(blob, fileName + ": " + path);
        } catch (IllegalArgumentException e) {
          throw new TokenizerFormatException(e.getMessage(), e);
        }
        return map::normalizeHf;
      }
      case "NFKC":
        return s -> Normalizer.normalize(s, Normalizer.Form.NFKC);
      case "NFC":
        return s -> Normalizer.normalize(s, Normalizer.Form.NFC);
      case "NFKD":
        return s -> Normalizer.normalize(s, Normalizer.Form.NFKD);
      case "NFD":
        return s -> Normalizer.normalize(s, Normalizer.Form.NFD);
      case "Lowercase":
        return s -> s.toLowerCase(java.util.Locale.ROOT);
      case "Prepend": {
        String p = string(n, "prepend", path, fileName);
        return s -> s.isEmpty() ? s : p + s;
      }
      case "Strip": {
        boolean left = bool(n, "strip_left", false, path, fileName);
        boolean right = bool(n, "strip_right", false, path, fileName);
        return s -> strip(s, left, right);
      }
      case "Replace": {
        Pattern p = pattern(n, path, fileName);
        String content = Matcher.quoteReplacement(string(n, "content", path, fileName));
        return s -> p.matcher(s).replaceAll(content);
      }
      default:
        throw new TokenizerFormatException(
            fileName + ": " + path + " type '" + t + "' is not supported with a Unigram model"
                + " (expected Sequence, Precompiled, NFKC, NFC, NFKD, NFD, Lowercase, Prepend,"
                + " Strip or Replace)");
    }
  }

  private static Pattern pattern(JsonNode n, String path, String fileName) {
    JsonNode p = n.get("pattern");
    if (p != null && p.isObject() && p.path("String").isTextual()) {
      return Pattern.compile(Pattern.quote(p.get("String").asText()));
    }
    if (p != null && p.isObject() && p.path("Regex").isTextual()) {
      try {
        return Pattern.compile(p.get("Regex").asText());
      } catch (java.util.regex.PatternSyntaxException e) {
        throw new TokenizerFormatException(
            fileName + ": " + path + ".pattern.Regex is not a valid pattern: " + e.getMessage());
      }
    }
    throw new TokenizerFormatException(
        fileName + ": " + path + ".pattern must be {\"String\": ...} or {\"Regex\": ...}, got " + p);
  }

  /** Unicode White_Space, as Rust's {@code char::is_whitespace}. */
  static boolean isWhitespace(int c) {
    return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680
        || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F
        || c == 0x205F || c == 0x3000;
  }

  private static String strip(String s, boolean left, boolean right) {
    int b = 0;
    int e = s.length();
    while (left && b < e && isWhitespace(s.charAt(b))) {
      b++;
    }
    while (right && e > b && isWhitespace(s.charAt(e - 1))) {
      e--;
    }
    return s.substring(b, e);
  }

  private static UnigramTokenizer.Metaspace preTokenizer(JsonNode n, String fileName) {
    if (absent(n)) {
      return null;
    }
    List<JsonNode> parts = new ArrayList<>();
    String t = type(n, "pre_tokenizer", fileName);
    if (t.equals("Sequence")) {
      JsonNode items = array(n, "pretokenizers", "pre_tokenizer", fileName);
      for (int i = 0; i < items.size(); i++) {
        type(items.get(i), "pre_tokenizer.pretokenizers[" + i + "]", fileName);
        parts.add(items.get(i));
      }
    } else {
      parts.add(n);
    }
    UnigramTokenizer.Metaspace ms = null;
    for (int i = 0; i < parts.size(); i++) {
      JsonNode p = parts.get(i);
      String path = parts.size() == 1 ? "pre_tokenizer" : "pre_tokenizer.pretokenizers[" + i + "]";
      String pt = p.get("type").asText();
      if (pt.equals("WhitespaceSplit") && i == 0 && parts.size() == 2) {
        // splitting on whitespace before Metaspace: the same pieces as Metaspace's own split
        // once runs of spaces are one (T5 files pair it with Replace(" {2,}", " "))
        continue;
      }
      if (!pt.equals("Metaspace") || ms != null) {
        throw new TokenizerFormatException(
            fileName + ": " + path + " type '" + pt + "' is not supported with a Unigram model"
                + " (expected Metaspace, optionally after WhitespaceSplit)");
      }
      ms = metaspace(p, path, fileName);
    }
    return ms;
  }

  private static UnigramTokenizer.Metaspace metaspace(JsonNode p, String path, String fileName) {
    String rep = string(p, "replacement", path, fileName);
    if (rep.length() != 1) {
      throw new TokenizerFormatException(
          fileName + ": " + path + ".replacement must be one character, got '" + rep + "'");
    }
    UnigramTokenizer.PrependScheme scheme;
    JsonNode ps = p.get("prepend_scheme");
    if (!absent(ps)) {
      String s = string(p, "prepend_scheme", path, fileName);
      switch (s) {
        case "always":
          scheme = UnigramTokenizer.PrependScheme.ALWAYS;
          break;
        case "first":
          scheme = UnigramTokenizer.PrependScheme.FIRST;
          break;
        case "never":
          scheme = UnigramTokenizer.PrependScheme.NEVER;
          break;
        default:
          throw new TokenizerFormatException(
              fileName + ": " + path + ".prepend_scheme '" + s
                  + "' is not one of always, first, never");
      }
    } else {
      scheme = bool(p, "add_prefix_space", true, path, fileName)
          ? UnigramTokenizer.PrependScheme.ALWAYS : UnigramTokenizer.PrependScheme.NEVER;
    }
    return new UnigramTokenizer.Metaspace(
        rep.charAt(0), scheme, bool(p, "split", true, path, fileName));
  }

  /** Validates the decoder; returns whether byte pieces decode to bytes. */
  private static boolean decoder(JsonNode n, String path, String fileName) {
    if (absent(n)) {
      return false;
    }
    String t = type(n, path, fileName);
    switch (t) {
      case "Sequence": {
        JsonNode items = array(n, "decoders", path, fileName);
        boolean bytes = false;
        for (int i = 0; i < items.size(); i++) {
          bytes |= decoder(items.get(i), path + ".decoders[" + i + "]", fileName);
        }
        return bytes;
      }
      case "ByteFallback":
        return true;
      case "Metaspace":
        metaspace(n, path, fileName);
        return false;
      case "Fuse":
      case "Replace":
      case "Strip":
        return false;
      default:
        throw new TokenizerFormatException(
            fileName + ": " + path + " type '" + t + "' is not supported with a Unigram model"
                + " (expected Metaspace, ByteFallback, Fuse, Replace, Strip or Sequence)");
    }
  }
}
