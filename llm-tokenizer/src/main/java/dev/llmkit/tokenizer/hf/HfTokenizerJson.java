package dev.llmkit.tokenizer.hf;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmkit.tokenizer.CharTokenizer;
import dev.llmkit.tokenizer.Tokenizer;
import dev.llmkit.tokenizer.Utf8;
import dev.llmkit.tokenizer.bpe.ByteLevel;
import dev.llmkit.tokenizer.bpe.BytePairTokenizer;
import dev.llmkit.tokenizer.pretokenize.Gpt2PreTokenizer;
import dev.llmkit.tokenizer.pretokenize.PreTokenizer;
import dev.llmkit.tokenizer.pretokenize.PreTokenizers;
import dev.llmkit.tokenizer.pretokenize.RegexPreTokenizer;
import dev.llmkit.tokenizer.sentencepiece.SentencePieceTokenizer;
import dev.llmkit.tokenizer.wordpiece.WordPieceTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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
    JsonNode root;
    try {
      root = MAPPER.readTree(file.toFile());
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          file + " line " + e.getLocation().getLineNr() + " column "
              + e.getLocation().getColumnNr() + ": malformed JSON: " + e.getOriginalMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException(file + ": expected a JSON object");
    }
    return fromJson(root, file.toString());
  }

  /**
   * Builds a tokenizer from a parsed {@code tokenizer.json}.
   *
   * @param root the JSON root
   * @param fileName the file, for messages
   * @return the tokenizer
   */
  public static Tokenizer fromJson(JsonNode root, String fileName) {
    JsonNode model = root.path("model");
    if (!model.isObject()) {
      throw new IllegalArgumentException(fileName + ": field 'model' is missing");
    }
    String type = model.path("type").asText("");
    if (type.isEmpty()) {
      type = model.has("merges") ? "BPE" : model.has("continuing_subword_prefix") ? "WordPiece"
          : "";
    }
    Map<String, Integer> specials = new LinkedHashMap<>();
    Map<String, Integer> added = new LinkedHashMap<>();
    for (JsonNode t : root.path("added_tokens")) {
      String content = text(t, "content", fileName);
      int id = t.path("id").asInt(-1);
      if (id < 0) {
        throw new IllegalArgumentException(
            fileName + ": added token '" + content + "' has no valid 'id'");
      }
      if (t.path("special").asBoolean(false)) {
        specials.put(content, id);
      } else {
        added.put(content, id);
      }
    }
    switch (type) {
      case "BPE":
        return bpe(root, model, specials, added, fileName);
      case "WordPiece":
        return wordPiece(root, model, specials, fileName);
      case "Unigram":
        return HfUnigramJson.fromJson(root, specials, added, fileName);
      default:
        throw new IllegalArgumentException(
            fileName + ": model type '" + type + "' is not supported (expected BPE, WordPiece or Unigram)");
    }
  }

  private static String text(JsonNode n, String field, String fileName) {
    JsonNode v = n.get(field);
    if (v == null || !v.isTextual()) {
      throw new IllegalArgumentException(fileName + ": field '" + field + "' is missing");
    }
    return v.asText();
  }

  /** Every node of a normalizer/pre_tokenizer/decoder, flattening Sequences. */
  private static List<JsonNode> flatten(JsonNode n) {
    List<JsonNode> out = new ArrayList<>();
    if (n == null || n.isNull() || n.isMissingNode()) {
      return out;
    }
    String t = n.path("type").asText("");
    if (t.equals("Sequence")) {
      JsonNode items = n.has("pretokenizers") ? n.get("pretokenizers")
          : n.has("normalizers") ? n.get("normalizers")
          : n.has("decoders") ? n.get("decoders") : n.path("processors");
      for (JsonNode c : items) {
        out.addAll(flatten(c));
      }
    } else {
      out.add(n);
    }
    return out;
  }

  private static String splitPattern(JsonNode split, String fileName) {
    JsonNode p = split.path("pattern");
    if (p.has("Regex")) {
      return p.get("Regex").asText();
    }
    if (p.has("String")) {
      return java.util.regex.Pattern.quote(p.get("String").asText());
    }
    throw new IllegalArgumentException(fileName + ": Split pre-tokenizer without a pattern");
  }

  private static List<String[]> mergeStrings(JsonNode model, String fileName) {
    List<String[]> out = new ArrayList<>();
    int i = 0;
    for (JsonNode m : model.path("merges")) {
      if (m.isTextual()) {
        String s = m.asText();
        int sp = s.indexOf(' ', 1);
        if (sp < 0 || s.indexOf(' ', sp + 1) >= 0) {
          throw new IllegalArgumentException(
              fileName + ": model.merges[" + i + "] = '" + s
                  + "', expected two tokens separated by one space");
        }
        out.add(new String[] {s.substring(0, sp), s.substring(sp + 1)});
      } else if (m.isArray() && m.size() == 2) {
        out.add(new String[] {m.get(0).asText(), m.get(1).asText()});
      } else {
        throw new IllegalArgumentException(
            fileName + ": model.merges[" + i + "] is not a pair of tokens");
      }
      i++;
    }
    return out;
  }

  private static Tokenizer bpe(
      JsonNode root,
      JsonNode model,
      Map<String, Integer> specials,
      Map<String, Integer> added,
      String fileName) {
    Map<String, Integer> vocab = new LinkedHashMap<>();
    int maxId = -1;
    Iterator<Map.Entry<String, JsonNode>> it = model.path("vocab").fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      int id = e.getValue().asInt(-1);
      if (id < 0) {
        throw new IllegalArgumentException(
            fileName + ": model.vocab['" + e.getKey() + "'] is not a non-negative id");
      }
      vocab.put(e.getKey(), id);
      maxId = Math.max(maxId, id);
    }
    for (int id : specials.values()) {
      maxId = Math.max(maxId, id);
    }
    for (int id : added.values()) {
      maxId = Math.max(maxId, id);
    }
    List<String[]> merges = mergeStrings(model, fileName);
    List<JsonNode> pres = flatten(root.get("pre_tokenizer"));
    List<JsonNode> norms = flatten(root.get("normalizer"));
    List<JsonNode> decs = flatten(root.get("decoder"));
    boolean byteLevel = false;
    boolean metaspace = false;
    boolean prependSpace = false;
    boolean prefixSpace = false;
    List<String> splits = new ArrayList<>();
    for (JsonNode p : pres) {
      String t = p.path("type").asText();
      switch (t) {
        case "ByteLevel":
          byteLevel = true;
          prefixSpace |= p.path("add_prefix_space").asBoolean(false);
          if (p.path("use_regex").asBoolean(true)) {
            splits.add(Gpt2PreTokenizer.PATTERN);
          }
          break;
        case "Split":
          if (!p.path("behavior").asText("Isolated").equals("Isolated")
              || p.path("invert").asBoolean(false)) {
            throw new IllegalArgumentException(
                fileName + ": Split pre-tokenizer with behavior "
                    + p.path("behavior").asText() + " is not supported (expected Isolated)");
          }
          splits.add(splitPattern(p, fileName));
          break;
        case "Metaspace":
          metaspace = true;
          prependSpace = !p.path("prepend_scheme").asText("always").equals("never")
              && p.path("add_prefix_space").asBoolean(true);
          break;
        default:
          throw new IllegalArgumentException(
              fileName + ": pre-tokenizer '" + t + "' is not supported with a BPE model");
      }
    }
    for (JsonNode n : norms) {
      String t = n.path("type").asText();
      if (t.equals("Prepend") && n.path("prepend").asText().equals(SPACE)) {
        prependSpace = true;
        metaspace = true;
      } else if (t.equals("Replace") && n.path("content").asText().equals(SPACE)) {
        metaspace = true;
      } else {
        throw new IllegalArgumentException(
            fileName + ": normalizer '" + t + "' is not supported with a BPE model");
      }
    }
    for (JsonNode d : decs) {
      if (d.path("type").asText().equals("ByteLevel")) {
        byteLevel = true;
      }
    }
    boolean byteFallback = model.path("byte_fallback").asBoolean(false);
    boolean ignoreMerges = model.path("ignore_merges").asBoolean(false);
    String unk = model.path("unk_token").isTextual() ? model.get("unk_token").asText() : null;
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
      List<int[]> pairs = pairs(merges, vocab, fileName);
      PreTokenizer pre = splits.isEmpty() ? new RegexPreTokenizer("(?s).+")
          : splits.size() == 1 ? PreTokenizers.forPattern(splits.get(0))
          : new RegexPreTokenizer(splits);
      return BytePairTokenizer.fromMerges(
          name, tokens, pairs, ignoreMerges, pre, specials, added, bos, eos, fileName)
          .withAddPrefixSpace(prefixSpace);
    }
    if (!splits.isEmpty()) {
      throw new IllegalArgumentException(
          fileName + ": Split pre-tokenizer without ByteLevel is not supported");
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
            fileName), bos, eos, unkId, fileName);
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
      List<String[]> merges, Map<String, Integer> vocab, String fileName) {
    List<int[]> out = new ArrayList<>(merges.size());
    for (int r = 0; r < merges.size(); r++) {
      String[] m = merges.get(r);
      Integer a = vocab.get(m[0]);
      Integer b = vocab.get(m[1]);
      if (a == null || b == null) {
        throw new IllegalArgumentException(
            fileName + ": merge " + r + " '" + m[0] + " " + m[1]
                + "' names a token that is not in the vocabulary");
      }
      out.add(new int[] {a, b});
    }
    return out;
  }

  private static Tokenizer wordPiece(
      JsonNode root, JsonNode model, Map<String, Integer> specials, String fileName) {
    Map<String, Integer> vocab = new LinkedHashMap<>();
    int maxId = -1;
    Iterator<Map.Entry<String, JsonNode>> it = model.path("vocab").fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      vocab.put(e.getKey(), e.getValue().asInt());
      maxId = Math.max(maxId, e.getValue().asInt());
    }
    String[] pieces = new String[maxId + 1];
    for (Map.Entry<String, Integer> e : vocab.entrySet()) {
      pieces[e.getValue()] = e.getKey();
    }
    for (int i = 0; i < pieces.length; i++) {
      if (pieces[i] == null) {
        throw new IllegalArgumentException(fileName + ": model.vocab has no token with id " + i);
      }
    }
    String unk = model.path("unk_token").asText("[UNK]");
    if (!vocab.containsKey(unk)) {
      throw new IllegalArgumentException(
          fileName + ": unk_token '" + unk + "' is not in model.vocab");
    }
    boolean lowercase = false;
    boolean strip = false;
    for (JsonNode n : flatten(root.get("normalizer"))) {
      if (n.path("type").asText().equals("BertNormalizer")) {
        lowercase = n.path("lowercase").asBoolean(true);
        strip = n.path("strip_accents").isNull() || n.path("strip_accents").isMissingNode()
            ? lowercase : n.path("strip_accents").asBoolean();
      } else if (n.path("type").asText().equals("Lowercase")) {
        lowercase = true;
      } else {
        throw new IllegalArgumentException(
            fileName + ": normalizer '" + n.path("type").asText()
                + "' is not supported with WordPiece");
      }
    }
    OptionalInt cls = firstPresent(specials, "[CLS]");
    OptionalInt sep = firstPresent(specials, "[SEP]");
    return new WordPieceTokenizer(
        fileName, pieces, model.path("continuing_subword_prefix").asText("##"),
        vocab.get(unk), lowercase, strip, model.path("max_input_chars_per_word").asInt(100),
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
