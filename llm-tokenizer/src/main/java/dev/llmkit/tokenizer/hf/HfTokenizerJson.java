package dev.llmkit.tokenizer.hf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmkit.tokenizer.CharTokenizer;
import dev.llmkit.tokenizer.Tokenizer;
import dev.llmkit.tokenizer.TokenizerFormatException;
import dev.llmkit.tokenizer.Utf8;
import dev.llmkit.tokenizer.bpe.ByteLevel;
import dev.llmkit.tokenizer.bpe.BytePairTokenizer;
import dev.llmkit.tokenizer.encoding.TemplateEncoder;
import dev.llmkit.tokenizer.pretokenize.Gpt2PreTokenizer;
import dev.llmkit.tokenizer.pretokenize.PreTokenizer;
import dev.llmkit.tokenizer.pretokenize.PreTokenizers;
import dev.llmkit.tokenizer.pretokenize.RegexPreTokenizer;
import dev.llmkit.tokenizer.sentencepiece.SentencePieceModelTokenizer;
import dev.llmkit.tokenizer.sentencepiece.SentencePieceNormalizer;
import dev.llmkit.tokenizer.sentencepiece.SentencePieceTokenizer;
import dev.llmkit.tokenizer.sentencepiece.UnigramModel;
import dev.llmkit.tokenizer.wordpiece.WordPieceTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * Hugging Face {@code tokenizer.json}: reading the models this library implements (byte-level
 * BPE as GPT-2 and Llama 3; BPE with byte fallback and {@code ▁} as Llama 2 and Mistral;
 * WordPiece as BERT; a character vocabulary) and writing any tokenizer of this library in that
 * form.
 */
public final class HfTokenizerJson {
  private static final ObjectMapper MAPPER =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final String SPACE = "\u2581";
  /** Unused ids below the largest id that are always allowed (see {@link #addedTokens}). */
  private static final int MAX_UNUSED_IDS = 1024;

  private HfTokenizerJson() {}

  /**
   * Reads a {@code tokenizer.json}.
   *
   * @param file the file
   * @return the tokenizer
   * @throws IOException if reading fails
   * @throws IllegalArgumentException if the JSON is malformed or describes an unsupported model,
   *     naming the file and the line or the field
   */
  public static Tokenizer load(Path file) throws IOException {
    return fromJson(JsonFiles.readObject(file), file.toString());
  }

  /**
   * Builds a tokenizer from a parsed {@code tokenizer.json}. The tree is walked strictly: JSON types
   * are checked, not coerced; component types unknown to Hugging Face {@code tokenizers} are errors;
   * ids are unique and in int range, with few unused ids below the largest;
   * every merge names two tokens of the vocabulary and makes a third.
   *
   * @param root the JSON root
   * @param fileName the file, for messages
   * @return the tokenizer
   * @throws TokenizerFormatException naming the file, the field, what was found and what was
   *     expected
   */
  public static Tokenizer fromJson(JsonNode root, String fileName) {
    StrictJson json = new StrictJson(fileName);
    if (root == null || !root.isObject()) {
      throw json.error("root", "found " + StrictJson.describe(root) + ", expected an object");
    }
    JsonNode model = json.object(root, "model", "model");
    String type = json.optString(model, "type", "model.type", "");
    if (type.isEmpty()) { // files written before "type" was required
      type = model.has("merges") ? "BPE" : model.has("continuing_subword_prefix") ? "WordPiece"
          : "";
    }
    // Unigram stores its vocabulary as [piece, score] pairs, the others as piece -> id
    Map<String, Integer> vocab = type.equals("Unigram") ? unigramVocab(model, json) : vocab(model, json);
    Map<String, Integer> specials = new LinkedHashMap<>();
    Map<String, Integer> added = new LinkedHashMap<>();
    int size = addedTokens(root, json, vocab, specials, added);
    Pipeline p = new Pipeline(
        Components.NORMALIZER.of(root, json), Components.PRE_TOKENIZER.of(root, json),
        Components.DECODER.of(root, json), Components.POST_PROCESSOR.of(root, json));
    postProcessor(p.post, json, size);
    switch (type) {
      case "BPE":
        return bpe(model, vocab, specials, added, p, json, fileName);
      case "WordPiece":
        return wordPiece(model, vocab, specials, p, json, fileName);
      case "Unigram":
        return HfUnigramJson.fromJson(root, specials, added, fileName);
      default:
        throw json.error("model.type", "model type '" + type
            + "' is not supported (expected BPE, WordPiece or Unigram)");
    }
  }

  /**
   * A Unigram {@code model.vocab}: a non-empty array of [piece, score]; a piece's id is its index.
   * A piece listed twice is an error (Hugging Face keeps the last silently, leaving an id no text
   * encodes to; SentencePiece, where these files come from, refuses the model).
   */
  private static Map<String, Integer> unigramVocab(JsonNode model, StrictJson json) {
    JsonNode v = json.array(model, "vocab", "model.vocab");
    Map<String, Integer> vocab = new LinkedHashMap<>();
    for (int i = 0; i < v.size(); i++) {
      JsonNode e = v.get(i);
      String path = "model.vocab[" + i + "]";
      if (!e.isArray() || e.size() != 2 || !e.get(1).isNumber()) {
        throw json.error(path, "found " + StrictJson.describe(e) + ", expected [piece, score]");
      }
      String piece = json.text(e.get(0), path + "[0]");
      Integer prev = vocab.putIfAbsent(piece, i);
      if (prev != null) {
        throw json.error(path + "[0]", "piece " + StrictJson.key(piece)
            + " is already model.vocab[" + prev + "]");
      }
    }
    if (vocab.isEmpty()) {
      throw json.error("model.vocab", "is empty, expected at least one [piece, score]");
    }
    return vocab;
  }

  /** The validated components of the pipeline (Sequences flattened). */
  private record Pipeline(
      List<JsonNode> norms, List<JsonNode> pres, List<JsonNode> decs, List<JsonNode> post) {}

  /** {@code model.vocab}: token to id, ids unique. */
  private static Map<String, Integer> vocab(JsonNode model, StrictJson json) {
    JsonNode v = json.object(model, "vocab", "model.vocab");
    Map<String, Integer> vocab = new LinkedHashMap<>();
    Map<Integer, String> byId = new HashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String path = "model.vocab" + StrictJson.key(e.getKey());
      int id = json.id(e.getValue(), path);
      String other = byId.putIfAbsent(id, e.getKey());
      if (other != null) {
        throw json.error(path, "id " + id + " is already the id of " + StrictJson.key(other)
            + " (ids must be unique)");
      }
      vocab.put(e.getKey(), id);
    }
    return vocab;
  }

  /**
   * Reads {@code added_tokens} into {@code specials} and {@code added}, checks them against the
   * vocabulary, and returns the vocabulary size (one past the largest id).
   */
  private static int addedTokens(JsonNode root, StrictJson json, Map<String, Integer> vocab,
      Map<String, Integer> specials, Map<String, Integer> added) {
    Map<Integer, String> byId = new HashMap<>();
    vocab.forEach((k, id) -> byId.put(id, k));
    Map<Integer, String> addedById = new HashMap<>();
    JsonNode list = root.get("added_tokens");
    if (list != null && !list.isNull()) {
      if (!list.isArray()) {
        throw json.error("added_tokens", "found " + StrictJson.describe(list) + ", expected an array");
      }
      for (int i = 0; i < list.size(); i++) {
        String path = "added_tokens[" + i + "]";
        JsonNode t = list.get(i);
        if (!t.isObject()) {
          throw json.error(path, "found " + StrictJson.describe(t) + ", expected an object");
        }
        String content = json.string(t, "content", path + ".content");
        int id = json.id(t.get("id"), path + ".id");
        boolean special = json.optBool(t, "special", path + ".special", false);
        for (String flag : new String[] {"single_word", "lstrip", "rstrip", "normalized"}) {
          json.optBool(t, flag, path + "." + flag, false);
        }
        if (specials.containsKey(content) || added.containsKey(content)) {
          throw json.error(path, "token " + StrictJson.key(content) + " is listed twice");
        }
        String prev = addedById.putIfAbsent(id, content);
        if (prev != null) {
          throw json.error(path + ".id", "id " + id + " is already the id of added token "
              + StrictJson.key(prev));
        }
        Integer inVocab = vocab.get(content);
        String owner = byId.get(id);
        if (inVocab != null && inVocab != id) {
          throw json.error(path + ".id", "id " + id + " but model.vocab gives "
              + StrictJson.key(content) + " id " + inVocab);
        }
        if (inVocab == null && owner != null) {
          throw json.error(path + ".id", "id " + id + " of " + StrictJson.key(content)
              + " is already the id of model.vocab" + StrictJson.key(owner));
        }
        byId.putIfAbsent(id, content);
        (special ? specials : added).put(content, id);
      }
    }
    int max = -1;
    for (int id : byId.keySet()) {
      max = Math.max(max, id);
    }
    // Unused ids are allowed (tiktoken-derived files such as cl100k have a few), but not so many
    // that a corrupt id (2^31 - 1 instead of 7) makes the tables mostly empty and huge.
    long unused = (long) max + 1 - byId.size();
    if (unused > Math.max(MAX_UNUSED_IDS, byId.size())) {
      throw json.error("model.vocab", byId.size() + " tokens (model.vocab and added_tokens) but ids "
          + "up to " + max + ": " + unused + " unused ids, more than the "
          + Math.max(MAX_UNUSED_IDS, byId.size()) + " allowed (a corrupt id?)");
    }
    return max + 1;
  }

  /** Checks the ids a post-processor names (it adds tokens such as BOS when encoding pairs). */
  private static void postProcessor(List<JsonNode> post, StrictJson json, int size) {
    for (JsonNode p : post) {
      String type = p.get("type").textValue();
      if (type.equals("TemplateProcessing")) {
        JsonNode st = json.optObject(p, "special_tokens", "post_processor.special_tokens");
        if (st == null) {
          continue;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = st.fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> e = it.next();
          String path = "post_processor.special_tokens" + StrictJson.key(e.getKey());
          if (!e.getValue().isObject()) {
            throw json.error(path, "found " + StrictJson.describe(e.getValue())
                + ", expected an object");
          }
          JsonNode ids = json.array(e.getValue(), "ids", path + ".ids");
          for (int i = 0; i < ids.size(); i++) {
            int id = json.id(ids.get(i), path + ".ids[" + i + "]");
            if (id >= size) {
              throw json.error(path + ".ids[" + i + "]", "id " + id
                  + " is outside the vocabulary of " + size + " tokens");
            }
          }
        }
      }
      if (!type.equals("ByteLevel")) {
        // the templates: their fields, and the ids of BertProcessing / RobertaProcessing
        for (List<TemplateEncoder.Piece> t : HfTemplateEncoder.templates(p, json)) {
          for (TemplateEncoder.Piece piece : t) {
            for (int id : piece.tokenIds()) {
              if (id >= size) {
                throw json.error("post_processor", "id " + id + " is outside the vocabulary of "
                    + size + " tokens");
              }
            }
          }
        }
      }
    }
  }

  private static String splitPattern(JsonNode split, StrictJson json, String path) {
    JsonNode p = json.object(split, "pattern", path + ".pattern");
    if (p.size() == 1 && p.has("Regex")) {
      return json.text(p.get("Regex"), path + ".pattern.Regex");
    }
    if (p.size() == 1 && p.has("String")) {
      return java.util.regex.Pattern.quote(json.text(p.get("String"), path + ".pattern.String"));
    }
    throw json.error(path + ".pattern", "expected {\"Regex\": ...} or {\"String\": ...}");
  }

  private static List<String[]> mergeStrings(JsonNode model, StrictJson json) {
    JsonNode list = json.array(model, "merges", "model.merges");
    List<String[]> out = new ArrayList<>(list.size());
    for (int i = 0; i < list.size(); i++) {
      JsonNode m = list.get(i);
      String path = "model.merges[" + i + "]";
      if (m.isTextual()) {
        String s = m.textValue();
        int sp = s.indexOf(' ', 1);
        if (sp < 0 || sp == s.length() - 1 || s.indexOf(' ', sp + 1) >= 0) {
          throw json.error(path, "found " + StrictJson.describe(m)
              + ", expected two tokens separated by one space");
        }
        out.add(new String[] {s.substring(0, sp), s.substring(sp + 1)});
      } else if (m.isArray() && m.size() == 2) {
        out.add(new String[] {json.text(m.get(0), path + "[0]"), json.text(m.get(1), path + "[1]")});
      } else {
        throw json.error(path, "found " + StrictJson.describe(m)
            + ", expected \"left right\" or [left, right]");
      }
    }
    return out;
  }

  private static Tokenizer bpe(
      JsonNode model,
      Map<String, Integer> vocab,
      Map<String, Integer> specials,
      Map<String, Integer> added,
      Pipeline pipeline,
      StrictJson json,
      String fileName) {
    int maxId = -1;
    for (int id : vocab.values()) {
      maxId = Math.max(maxId, id);
    }
    for (int id : specials.values()) {
      maxId = Math.max(maxId, id);
    }
    for (int id : added.values()) {
      maxId = Math.max(maxId, id);
    }
    List<String[]> merges = mergeStrings(model, json);
    for (String f : new String[] {"continuing_subword_prefix", "end_of_word_suffix"}) {
      String v = json.optString(model, f, "model." + f, "");
      if (!v.isEmpty()) {
        throw json.error("model." + f, "'" + v + "' is not supported with a BPE model (expected "
            + "null)");
      }
    }
    JsonNode dropout = model.get("dropout");
    if (dropout != null && !dropout.isNull() && !dropout.isNumber()) {
      throw json.error("model.dropout", "found " + StrictJson.describe(dropout)
          + ", expected a number or null");
    }
    json.optBool(model, "fuse_unk", "model.fuse_unk", false);
    boolean byteLevel = false;
    boolean metaspace = false;
    boolean prependSpace = false;
    boolean prefixSpace = false;
    List<String> splits = new ArrayList<>();
    for (JsonNode p : pipeline.pres) {
      String t = p.get("type").textValue();
      String path = "pre_tokenizer(" + t + ")";
      switch (t) {
        case "ByteLevel":
          byteLevel = true;
          prefixSpace |= json.optBool(p, "add_prefix_space", path + ".add_prefix_space", false);
          json.optBool(p, "trim_offsets", path + ".trim_offsets", true);
          if (json.optBool(p, "use_regex", path + ".use_regex", true)) {
            splits.add(Gpt2PreTokenizer.PATTERN);
          }
          break;
        case "Split":
          String behavior = json.optString(p, "behavior", path + ".behavior", "Isolated");
          if (!behavior.equals("Isolated") || json.optBool(p, "invert", path + ".invert", false)) {
            throw json.error(path, "Split pre-tokenizer with behavior " + behavior
                + " is not supported (expected Isolated, not inverted)");
          }
          splits.add(splitPattern(p, json, path));
          break;
        case "Metaspace":
          metaspace = true;
          String scheme = json.optString(p, "prepend_scheme", path + ".prepend_scheme", "always");
          if (!scheme.equals("always") && !scheme.equals("first") && !scheme.equals("never")) {
            throw json.error(path + ".prepend_scheme", "'" + scheme
                + "' (expected always, first or never)");
          }
          String replacement = json.optString(p, "replacement", path + ".replacement", SPACE);
          if (!replacement.equals(SPACE)) {
            throw json.error(path + ".replacement", "'" + replacement + "' is not supported "
                + "(expected " + SPACE + ")");
          }
          prependSpace = !scheme.equals("never")
              && json.optBool(p, "add_prefix_space", path + ".add_prefix_space", true);
          break;
        default:
          throw json.error(path, "pre-tokenizer '" + t + "' is not supported with a BPE model");
      }
    }
    for (JsonNode n : pipeline.norms) {
      String t = n.get("type").textValue();
      String path = "normalizer(" + t + ")";
      if (t.equals("Prepend") && json.string(n, "prepend", path + ".prepend").equals(SPACE)) {
        prependSpace = true;
        metaspace = true;
      } else if (t.equals("Replace") && json.string(n, "content", path + ".content").equals(SPACE)) {
        splitPattern(n, json, path);
        metaspace = true;
      } else {
        throw json.error(path, "normalizer '" + t + "' is not supported with a BPE model");
      }
    }
    for (JsonNode d : pipeline.decs) {
      String t = d.get("type").textValue();
      switch (t) {
        case "ByteLevel" -> byteLevel = true;
        case "Replace", "ByteFallback", "Fuse", "Strip", "Metaspace" -> { }
        default -> throw json.error("decoder(" + t + ")", "decoder '" + t
            + "' is not supported with a BPE model");
      }
    }
    boolean byteFallback = json.optBool(model, "byte_fallback", "model.byte_fallback", false);
    boolean ignoreMerges = json.optBool(model, "ignore_merges", "model.ignore_merges", false);
    String unk = json.optString(model, "unk_token", "model.unk_token", null);
    if (unk != null && !vocab.containsKey(unk)) {
      throw json.error("model.unk_token", "'" + unk + "' is not in model.vocab");
    }
    OptionalInt bos = firstPresent(specials, "<|begin_of_text|>", "<s>", "<|endoftext|>");
    OptionalInt eos = firstPresent(specials, "<|end_of_text|>", "</s>", "<|endoftext|>");
    String name = fileName;

    if (byteLevel) {
      byte[][] tokens = new byte[maxId + 1][];
      for (Map.Entry<String, Integer> e : vocab.entrySet()) {
        if (specials.containsKey(e.getKey()) || added.containsKey(e.getKey())) {
          continue;
        }
        byte[] b = ByteLevel.decode(e.getKey());
        tokens[e.getValue()] = b != null ? b : Utf8.bytes(e.getKey());
      }
      List<int[]> pairs = pairs(merges, vocab, json);
      PreTokenizer pre = splits.isEmpty() ? new RegexPreTokenizer("(?s).+")
          : splits.size() == 1 ? PreTokenizers.forPattern(splits.get(0))
          : new RegexPreTokenizer(splits);
      return BytePairTokenizer.fromMerges(
          name, tokens, pairs, ignoreMerges, pre, specials, added, bos, eos, fileName)
          .withAddPrefixSpace(prefixSpace);
    }
    if (!splits.isEmpty()) {
      throw json.error("pre_tokenizer", "Split pre-tokenizer without ByteLevel is not supported");
    }
    String[] pieces = new String[maxId + 1];
    int[] types = new int[maxId + 1];
    for (Map.Entry<String, Integer> e : vocab.entrySet()) {
      pieces[e.getValue()] = e.getKey();
      types[e.getValue()] = SentencePieceTokenizer.NORMAL;
    }
    for (Map.Entry<String, Integer> e : specials.entrySet()) {
      pieces[e.getValue()] = e.getKey();
      types[e.getValue()] = SentencePieceTokenizer.CONTROL;
    }
    for (Map.Entry<String, Integer> e : added.entrySet()) {
      pieces[e.getValue()] = e.getKey();
      types[e.getValue()] = SentencePieceTokenizer.USER_DEFINED;
    }
    int unkId = unk != null && vocab.containsKey(unk) ? vocab.get(unk) : -1;
    for (int i = 0; i <= maxId; i++) {
      if (pieces[i] == null) {
        pieces[i] = "<unused" + i + ">";
        types[i] = SentencePieceTokenizer.UNUSED;
      } else if (i == unkId) {
        types[i] = SentencePieceTokenizer.UNKNOWN;
      } else if (byteFallback && types[i] == SentencePieceTokenizer.NORMAL
          && pieces[i].length() == 6 && pieces[i].startsWith("<0x") && pieces[i].endsWith(">")) {
        types[i] = SentencePieceTokenizer.BYTE;
      }
    }
    if (!metaspace && merges.isEmpty() && specials.isEmpty() && added.isEmpty()
        && vocab.keySet().stream().allMatch(k -> k.codePointCount(0, k.length()) == 1)
        && vocab.size() == maxId + 1) {
      int[] cps = new int[maxId + 1];
      for (Map.Entry<String, Integer> e : vocab.entrySet()) {
        cps[e.getValue()] = e.getKey().codePointAt(0);
      }
      return CharTokenizer.of(cps);
    }
    return SentencePieceTokenizer.fromMerges(
        name, pieces, types, metaspace ? '\u2581' : ' ', prependSpace, pairs(merges, vocab,
            json), bos, eos, unkId, fileName);
  }

  private static OptionalInt firstPresent(Map<String, Integer> specials, String... names) {
    for (String n : names) {
      if (specials.containsKey(n)) {
        return OptionalInt.of(specials.get(n));
      }
    }
    return OptionalInt.empty();
  }

  private static List<int[]> pairs(
      List<String[]> merges, Map<String, Integer> vocab, StrictJson json) {
    List<int[]> out = new ArrayList<>(merges.size());
    for (int r = 0; r < merges.size(); r++) {
      String[] m = merges.get(r);
      Integer a = vocab.get(m[0]);
      Integer b = vocab.get(m[1]);
      String path = "model.merges[" + r + "]";
      if (a == null || b == null) {
        throw json.error(path, "'" + m[0] + " " + m[1] + "' names "
            + StrictJson.key(a == null ? m[0] : m[1]) + ", which is not in model.vocab");
      }
      if (!vocab.containsKey(m[0] + m[1])) { // as tokenizers' MergeTokenOutOfVocabulary
        throw json.error(path, "'" + m[0] + " " + m[1] + "' makes "
            + StrictJson.key(m[0] + m[1]) + ", which is not in model.vocab");
      }
      out.add(new int[] {a, b});
    }
    return out;
  }

  private static Tokenizer wordPiece(JsonNode model, Map<String, Integer> vocab,
      Map<String, Integer> specials, Pipeline pipeline, StrictJson json, String fileName) {
    String[] pieces = new String[vocab.size()];
    for (Map.Entry<String, Integer> e : vocab.entrySet()) {
      if (e.getValue() >= pieces.length) {
        throw json.error("model.vocab" + StrictJson.key(e.getKey()), "id " + e.getValue()
            + " is outside the vocabulary of " + pieces.length + " tokens");
      }
      pieces[e.getValue()] = e.getKey();
    }
    String unk = json.optString(model, "unk_token", "model.unk_token", "[UNK]");
    if (!vocab.containsKey(unk)) {
      throw json.error("model.unk_token", "'" + unk + "' is not in model.vocab");
    }
    for (String id : specials.keySet()) {
      if (!vocab.containsKey(id)) {
        throw json.error("added_tokens", "special token " + StrictJson.key(id)
            + " is not in model.vocab");
      }
    }
    boolean lowercase = false;
    boolean strip = false;
    for (JsonNode n : pipeline.norms) {
      String t = n.get("type").textValue();
      String path = "normalizer(" + t + ")";
      if (t.equals("BertNormalizer")) {
        lowercase = json.optBool(n, "lowercase", path + ".lowercase", true);
        strip = json.optBool(n, "strip_accents", path + ".strip_accents", lowercase);
        json.optBool(n, "clean_text", path + ".clean_text", true);
        json.optBool(n, "handle_chinese_chars", path + ".handle_chinese_chars", true);
      } else if (t.equals("Lowercase")) {
        lowercase = true;
      } else {
        throw json.error(path, "normalizer '" + t + "' is not supported with WordPiece");
      }
    }
    for (JsonNode n : pipeline.decs) {
      String t = n.get("type").textValue();
      String path = "decoder(" + t + ")";
      if (t.equals("WordPiece")) {
        json.optString(n, "prefix", path + ".prefix", "##");
        json.optBool(n, "cleanup", path + ".cleanup", true);
      }
    }
    OptionalInt cls = firstPresent(specials, "[CLS]");
    OptionalInt sep = firstPresent(specials, "[SEP]");
    return new WordPieceTokenizer(
        fileName, pieces,
        json.optString(model, "continuing_subword_prefix", "model.continuing_subword_prefix", "##"),
        vocab.get(unk), lowercase, strip,
        json.optCount(model, "max_input_chars_per_word", "model.max_input_chars_per_word", 100),
        specials, cls, sep);
  }

  // ------------------------------------------------------------------ writing

  /**
   * Writes a tokenizer as {@code tokenizer.json}.
   *
   * @param tokenizer the tokenizer
   * @param file the file to write
   * @throws IOException if writing fails
   * @throws UnsupportedOperationException for tokenizers of other libraries
   */
  public static void write(Tokenizer tokenizer, Path file) throws IOException {
    ObjectNode root = toJson(tokenizer);
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    MAPPER.writeValue(file.toFile(), root);
  }

  /**
   * The {@code tokenizer.json} form of a tokenizer.
   *
   * @param tokenizer the tokenizer
   * @return the JSON tree
   * @throws UnsupportedOperationException for tokenizers of other libraries
   */
  public static ObjectNode toJson(Tokenizer tokenizer) {
    ObjectNode root = MAPPER.createObjectNode();
    root.put("version", "1.0");
    root.putNull("truncation");
    root.putNull("padding");
    ArrayNode addedNode = root.putArray("added_tokens");
    if (tokenizer instanceof CharTokenizer) {
      CharTokenizer c = (CharTokenizer) tokenizer;
      root.putNull("normalizer");
      root.putNull("pre_tokenizer");
      root.putNull("post_processor");
      root.putObject("decoder").put("type", "Fuse");
      ObjectNode model = bpeModel(root);
      ObjectNode vocab = model.putObject("vocab");
      int[] cps = c.characters();
      for (int i = 0; i < cps.length; i++) {
        vocab.put(new String(Character.toChars(cps[i])), i);
      }
      model.putArray("merges");
      return root;
    }
    if (tokenizer instanceof BytePairTokenizer) {
      BytePairTokenizer b = (BytePairTokenizer) tokenizer;
      addTokens(addedNode, b.specialTokens(), true);
      addTokens(addedNode, b.addedTokens(), false);
      root.putNull("normalizer");
      ObjectNode pre = root.putObject("pre_tokenizer");
      pre.put("type", "Sequence");
      ArrayNode list = pre.putArray("pretokenizers");
      List<String> patterns = b.preTokenizer() instanceof RegexPreTokenizer
          ? ((RegexPreTokenizer) b.preTokenizer()).patterns()
          : List.of(b.preTokenizer().pattern());
      for (String p : patterns) {
        ObjectNode split = list.addObject();
        split.put("type", "Split");
        split.putObject("pattern").put("Regex", p);
        split.put("behavior", "Isolated");
        split.put("invert", false);
      }
      ObjectNode bl = list.addObject();
      bl.put("type", "ByteLevel");
      bl.put("add_prefix_space", b.addPrefixSpace());
      bl.put("trim_offsets", true);
      bl.put("use_regex", false);
      root.putNull("post_processor");
      ObjectNode dec = root.putObject("decoder");
      dec.put("type", "ByteLevel");
      dec.put("add_prefix_space", true);
      dec.put("trim_offsets", true);
      dec.put("use_regex", true);
      ObjectNode model = bpeModel(root);
      model.put("ignore_merges", b.ignoreMerges());
      ObjectNode vocab = model.putObject("vocab");
      String[] text = new String[b.vocabSize()];
      for (int id = 0; id < b.vocabSize(); id++) {
        if (b.isOrdinary(id)) {
          text[id] = ByteLevel.encode(b.tokenBytes(id));
          vocab.put(text[id], id);
        }
      }
      ArrayNode merges = model.putArray("merges");
      for (int[] r : b.mergeRules()) {
        merges.addArray().add(text[r[0]]).add(text[r[1]]);
      }
      return root;
    }
    if (tokenizer instanceof SentencePieceModelTokenizer
        && ((SentencePieceModelTokenizer) tokenizer).modelType()
            == SentencePieceModelTokenizer.ModelType.UNIGRAM) {
      return unigramJson(root, addedNode, (SentencePieceModelTokenizer) tokenizer);
    }
    if (tokenizer instanceof SentencePieceTokenizer) {
      SentencePieceTokenizer s = (SentencePieceTokenizer) tokenizer;
      String[] pieces = new String[s.vocabSize()];
      for (int id = 0; id < pieces.length; id++) {
        pieces[id] = s.piece(id).replace(s.spaceSymbol(), '\u2581');
      }
      Map<String, Integer> specials = new LinkedHashMap<>();
      Map<String, Integer> added = new LinkedHashMap<>();
      for (int id = 0; id < pieces.length; id++) {
        int t = s.type(id);
        if (t == SentencePieceTokenizer.CONTROL || t == SentencePieceTokenizer.UNKNOWN) {
          specials.putIfAbsent(pieces[id], id);
        } else if (t == SentencePieceTokenizer.USER_DEFINED) {
          added.putIfAbsent(pieces[id], id);
        }
      }
      addTokens(addedNode, specials, true);
      addTokens(addedNode, added, false);
      ObjectNode norm = root.putObject("normalizer");
      norm.put("type", "Sequence");
      ArrayNode ns = norm.putArray("normalizers");
      if (s.addSpacePrefix()) {
        ns.addObject().put("type", "Prepend").put("prepend", SPACE);
      }
      ObjectNode rep = ns.addObject();
      rep.put("type", "Replace");
      rep.putObject("pattern").put("String", " ");
      rep.put("content", SPACE);
      root.putNull("pre_tokenizer");
      root.putNull("post_processor");
      ObjectNode dec = root.putObject("decoder");
      dec.put("type", "Sequence");
      ArrayNode ds = dec.putArray("decoders");
      ObjectNode r2 = ds.addObject();
      r2.put("type", "Replace");
      r2.putObject("pattern").put("String", SPACE);
      r2.put("content", " ");
      ds.addObject().put("type", "ByteFallback");
      ds.addObject().put("type", "Fuse");
      if (s.addSpacePrefix()) {
        ds.addObject().put("type", "Strip").put("content", " ").put("start", 1).put("stop", 0);
      }
      ObjectNode model = bpeModel(root);
      if (s.unkId() >= 0) {
        model.put("unk_token", pieces[s.unkId()]);
      }
      model.put("byte_fallback", true);
      model.put("fuse_unk", true);
      ObjectNode vocab = model.putObject("vocab");
      for (int id = 0; id < pieces.length; id++) {
        vocab.put(pieces[id], id);
      }
      ArrayNode merges = model.putArray("merges");
      for (int[] r : s.mergeRules()) {
        merges.addArray().add(pieces[r[0]]).add(pieces[r[1]]);
      }
      return root;
    }
    if (tokenizer instanceof WordPieceTokenizer) {
      WordPieceTokenizer w = (WordPieceTokenizer) tokenizer;
      addTokens(addedNode, w.specialTokens(), true);
      ObjectNode norm = root.putObject("normalizer");
      norm.put("type", "BertNormalizer");
      norm.put("clean_text", true);
      norm.put("handle_chinese_chars", true);
      norm.put("strip_accents", w.stripAccents());
      norm.put("lowercase", w.lowercase());
      root.putObject("pre_tokenizer").put("type", "BertPreTokenizer");
      root.putNull("post_processor");
      root.putObject("decoder").put("type", "WordPiece").put("prefix", w.continuationPrefix())
          .put("cleanup", true);
      ObjectNode model = root.putObject("model");
      model.put("type", "WordPiece");
      String[] v = w.vocabulary();
      model.put("unk_token", v[w.unkId()]);
      model.put("continuing_subword_prefix", w.continuationPrefix());
      model.put("max_input_chars_per_word", w.maxCharsPerWord());
      ObjectNode vocab = model.putObject("vocab");
      for (int id = 0; id < v.length; id++) {
        vocab.put(v[id], id);
      }
      return root;
    }
    throw new UnsupportedOperationException(
        tokenizer.getClass().getName() + " cannot be written as tokenizer.json");
  }

  private static void addTokens(ArrayNode node, Map<String, Integer> tokens, boolean special) {
    tokens.entrySet().stream()
        .sorted(Map.Entry.comparingByValue())
        .forEach(e -> {
          ObjectNode t = node.addObject();
          t.put("id", e.getValue());
          t.put("content", e.getKey());
          t.put("single_word", false);
          t.put("lstrip", false);
          t.put("rstrip", false);
          t.put("normalized", false);
          t.put("special", special);
        });
  }

  /**
   * A SentencePiece Unigram model (what {@code UnigramTrainer} builds) as Hugging Face writes one:
   * {@code Unigram} with [piece, score] pairs; SentencePiece's whitespace handling as a
   * {@code Strip} + {@code Replace(" {2,}" -> " ")} normalizer and a {@code Metaspace} pre-tokenizer
   * that prepends {@code ▁} (the dummy prefix) and splits; control and unknown pieces as special
   * added tokens. Only identity normalisation (no precompiled rules) is written.
   */
  private static ObjectNode unigramJson(
      ObjectNode root, ArrayNode addedNode, SentencePieceModelTokenizer t) {
    SentencePieceNormalizer n = t.normalizer();
    if (n.charsMap() != null || !n.escapeWhitespaces() || n.treatWhitespaceAsSuffix()
        || !n.userDefined().isEmpty()) {
      throw new UnsupportedOperationException(t.name() + ": only Unigram models with identity"
          + " normalisation, escaped whitespace, a leading dummy prefix and no user-defined pieces"
          + " can be written as tokenizer.json (precompiled rules are not written)");
    }
    UnigramModel m = t.model();
    addTokens(addedNode, t.specialTokens(), true); // its control and unknown pieces
    ObjectNode norm = root.putObject("normalizer");
    norm.put("type", "Sequence");
    ArrayNode ns = norm.putArray("normalizers");
    if (n.removeExtraWhitespaces()) {
      ns.addObject().put("type", "Strip").put("strip_left", true).put("strip_right", true);
      ObjectNode rep = ns.addObject();
      rep.put("type", "Replace");
      rep.putObject("pattern").put("Regex", " {2,}");
      rep.put("content", " ");
    }
    ObjectNode pre = root.putObject("pre_tokenizer");
    pre.put("type", "Metaspace");
    pre.put("replacement", SPACE);
    pre.put("prepend_scheme", n.addDummyPrefix() ? "always" : "never");
    pre.put("split", true);
    root.putNull("post_processor");
    ObjectNode dec = root.putObject("decoder");
    dec.put("type", "Sequence");
    ArrayNode ds = dec.putArray("decoders");
    if (m.byteFallback()) {
      ds.addObject().put("type", "ByteFallback");
    }
    ObjectNode meta = ds.addObject();
    meta.put("type", "Metaspace");
    meta.put("replacement", SPACE);
    meta.put("prepend_scheme", n.addDummyPrefix() ? "always" : "never");
    meta.put("split", true);
    ObjectNode model = root.putObject("model");
    model.put("type", "Unigram");
    if (m.unkId() >= 0) {
      model.put("unk_id", m.unkId());
    } else {
      model.putNull("unk_id");
    }
    ArrayNode vocab = model.putArray("vocab");
    for (int id = 0; id < m.size(); id++) {
      vocab.addArray().add(m.piece(id)).add((double) m.score(id));
    }
    model.put("byte_fallback", m.byteFallback());
    return root;
  }


  private static ObjectNode bpeModel(ObjectNode root) {
    ObjectNode model = root.putObject("model");
    model.put("type", "BPE");
    model.putNull("dropout");
    model.putNull("unk_token");
    model.putNull("continuing_subword_prefix");
    model.putNull("end_of_word_suffix");
    model.put("fuse_unk", false);
    model.put("byte_fallback", false);
    return model;
  }
}
