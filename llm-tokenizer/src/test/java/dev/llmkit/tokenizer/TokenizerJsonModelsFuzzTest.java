package dev.llmkit.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmkit.tokenizer.encoding.TemplateEncoder;
import dev.llmkit.tokenizer.hf.HfTemplateEncoder;
import dev.llmkit.tokenizer.hf.HfTokenizerJson;
import dev.llmkit.tokenizer.wordpiece.BertVocabFile;
import dev.llmkit.tokenizer.wordpiece.WordPieceTokenizer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded mutants of the parts of {@code tokenizer.json} that arrived after the first hardening
 * pass — the {@code Unigram} model (scores as strings, missing or out-of-range {@code unk_id},
 * empty vocabulary, duplicated pieces, malformed entries), the {@code WordPiece} model
 * ({@code unk_token}, prefix, word length) and the {@code TemplateProcessing} /
 * {@code BertProcessing} post-processors (ids outside the vocabulary or of the wrong JSON type,
 * {@code ids}/{@code tokens} of different lengths, templates naming unknown special tokens or
 * sequences, bad {@code type_id}s, missing fields) — and of BERT's {@code vocab.txt} (read as
 * Hugging Face reads it: the line number is the id, an empty line is a token, a repeated token
 * keeps its last line). Validity is known by construction, with Hugging Face {@code tokenizers}'
 * rules as the reference; every invalid mutant must be rejected by {@link HfTokenizerJson} and by
 * {@link HfTemplateEncoder} with a {@link TokenizerFormatException} naming the file.
 */
class TokenizerJsonModelsFuzzTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonNodeFactory NF = JsonNodeFactory.instance;
  private static final String TEXT = "the quick brown fox jumps over the lazy dog";

  @TempDir Path tmp;

  /** A small Unigram tokenizer.json as T5's converter writes it. */
  static ObjectNode unigramBase() {
    ObjectNode root = NF.objectNode();
    root.put("version", "1.0");
    root.putNull("truncation");
    root.putNull("padding");
    ArrayNode added = root.putArray("added_tokens");
    added.addObject().put("id", 0).put("content", "<unk>").put("special", true);
    added.addObject().put("id", 1).put("content", "</s>").put("special", true);
    root.putNull("normalizer");
    ObjectNode ms = NF.objectNode().put("type", "Metaspace").put("replacement", "\u2581")
        .put("prepend_scheme", "always").put("split", true);
    root.set("pre_tokenizer", ms);
    root.set("post_processor", template("</s>", 1));
    root.set("decoder", ms.deepCopy());
    ObjectNode model = root.putObject("model");
    model.put("type", "Unigram");
    model.put("unk_id", 0);
    ArrayNode vocab = model.putArray("vocab");
    vocab.addArray().add("<unk>").add(0.0);
    vocab.addArray().add("</s>").add(0.0);
    vocab.addArray().add("\u2581").add(-3.0);
    for (char c = 'a'; c <= 'z'; c++) {
      vocab.addArray().add(String.valueOf(c)).add(-4.0 - (c - 'a') * 0.01);
    }
    for (String w : TEXT.split(" ")) {
      if (!contains(vocab, "\u2581" + w)) {
        vocab.addArray().add("\u2581" + w).add(-2.0 - w.length() * 0.1);
      }
    }
    model.put("byte_fallback", false);
    return root;
  }

  private static boolean contains(ArrayNode vocab, String piece) {
    for (JsonNode e : vocab) {
      if (e.get(0).asText().equals(piece)) {
        return true;
      }
    }
    return false;
  }

  /** A TemplateProcessing that appends {@code token} ({@code id}) to each sequence. */
  static ObjectNode template(String token, int id) {
    ObjectNode pp = NF.objectNode().put("type", "TemplateProcessing");
    ArrayNode single = pp.putArray("single");
    single.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
    single.addObject().putObject("SpecialToken").put("id", token).put("type_id", 0);
    ArrayNode pair = pp.putArray("pair");
    pair.addAll(single.deepCopy());
    pair.addObject().putObject("Sequence").put("id", "B").put("type_id", 1);
    pair.addObject().putObject("SpecialToken").put("id", token).put("type_id", 1);
    ObjectNode st = pp.putObject("special_tokens").putObject(token);
    st.put("id", token);
    st.putArray("ids").add(id);
    st.putArray("tokens").add(token);
    return pp;
  }

  /** A small BERT WordPiece tokenizer.json, with a BERT TemplateProcessing or BertProcessing. */
  static ObjectNode wordPieceBase(boolean bertProcessing) {
    List<String> v = new ArrayList<>(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"));
    for (char c = 'a'; c <= 'z'; c++) {
      v.add(String.valueOf(c));
      v.add("##" + c);
    }
    for (String w : TEXT.split(" ")) {
      if (!v.contains(w)) {
        v.add(w);
      }
    }
    Map<String, Integer> specials = new LinkedHashMap<>();
    for (int i = 0; i < 5; i++) {
      specials.put(v.get(i), i);
    }
    WordPieceTokenizer w = new WordPieceTokenizer("base", v.toArray(new String[0]), "##", 1, true,
        true, 100, specials, OptionalInt.of(2), OptionalInt.of(3));
    ObjectNode root = HfTokenizerJson.toJson(w);
    if (bertProcessing) {
      ObjectNode pp = root.putObject("post_processor").put("type", "BertProcessing");
      pp.putArray("sep").add("[SEP]").add(3);
      pp.putArray("cls").add("[CLS]").add(2);
    } else {
      ObjectNode pp = template("[SEP]", 3);
      ArrayNode single = (ArrayNode) pp.get("single");
      single.insert(0, NF.objectNode().set("SpecialToken",
          NF.objectNode().put("id", "[CLS]").put("type_id", 0)));
      ((ArrayNode) pp.get("pair")).insert(0, single.get(0).deepCopy());
      ObjectNode cls = ((ObjectNode) pp.get("special_tokens")).putObject("[CLS]");
      cls.put("id", "[CLS]");
      cls.putArray("ids").add(2);
      cls.putArray("tokens").add("[CLS]");
      root.set("post_processor", pp);
    }
    return root;
  }

  @Test
  @Timeout(60)
  void unigramAndWordPieceMutants() throws Exception {
    SplittableRandom r = new SplittableRandom(19);
    FuzzTally tally = new FuzzTally("tokenizer.json (Unigram, WordPiece, post-processors)");
    ObjectNode[] bases = {unigramBase(), wordPieceBase(false), wordPieceBase(true)};
    for (ObjectNode b : bases) { // the bases are valid and encode as expected
      Path f = Files.writeString(tmp.resolve("base.json"), JSON.writeValueAsString(b));
      TemplateEncoder enc = HfTemplateEncoder.load(f);
      assertThat(enc.encode("the dog", "a fox").ids().length).isGreaterThan(5);
    }
    for (int i = 0; i < 700 * FuzzTally.SCALE; i++) {
      int which = r.nextInt(3);
      ObjectNode root = bases[which].deepCopy();
      boolean valid;
      int part = r.nextInt(3);
      if (part == 0 && which == 0) {
        valid = mutateUnigram(root, r);
      } else if (part == 0) {
        valid = mutateWordPiece(root, r);
      } else if (which == 2) {
        valid = mutateBertProcessing(root, r);
      } else {
        valid = mutateTemplate(root, r);
      }
      Path f = Files.writeString(tmp.resolve("t" + (i % 16) + "-" + which + part + ".json"),
          JSON.writeValueAsString(root));
      boolean unigram = which == 0;
      Throwable failure = FuzzTally.attempt(() -> {
        Tokenizer t = HfTokenizerJson.load(f);
        int[] ids = t.encode(TEXT);
        String back = t.decode(ids);
        if (unigram) {
          assertThat(back).isEqualTo(TEXT);
        }
      });
      tally.record(f, valid, failure);
      Throwable viaTemplate = FuzzTally.attempt(() -> {
        TemplateEncoder enc = HfTemplateEncoder.load(f);
        enc.encode(TEXT, "the dog");
      });
      tally.record(f, valid, viaTemplate);
    }
    tally.check();
  }

  private static boolean mutateUnigram(ObjectNode root, SplittableRandom r) {
    ObjectNode model = (ObjectNode) root.get("model");
    ArrayNode vocab = (ArrayNode) model.get("vocab");
    int n = vocab.size();
    int at = 2 + r.nextInt(n - 2);
    ArrayNode e = (ArrayNode) vocab.get(at);
    switch (r.nextInt(12)) {
      case 0 -> e.set(1, NF.textNode(e.get(1).asText())); // a score as a string
      case 1 -> e.remove(1);
      case 2 -> e.set(0, NF.numberNode(at));
      case 3 -> e.add(1.0);
      case 4 -> { // no unk_id: valid in tokenizers (text without a piece fails when encoded)
        model.remove("unk_id");
        return true;
      }
      case 5 -> model.set("unk_id", List.<JsonNode>of(NF.numberNode(n), NF.numberNode(n + 3),
          NF.numberNode(-1), NF.textNode("0"), NF.numberNode(0.5), NF.numberNode(1L << 40))
          .get(r.nextInt(6)));
      case 6 -> {
        vocab.removeAll();
        model.putNull("unk_id");
      }
      case 7 -> { // a piece listed twice (unless the same entry was drawn)
        int other = 2 + r.nextInt(n - 2);
        e.set(0, NF.textNode(vocab.get(other).get(0).asText()));
        return other == at;
      }
      case 8 -> model.put("byte_fallback", "yes");
      case 9 -> model.set("vocab", NF.objectNode().put("a", 1));
      case 10 -> {
        e.set(1, NF.numberNode(-1.5 - r.nextInt(10)));
        return true;
      }
      default -> {
        return true;
      }
    }
    return false;
  }

  private static boolean mutateWordPiece(ObjectNode root, SplittableRandom r) {
    ObjectNode model = (ObjectNode) root.get("model");
    switch (r.nextInt(9)) {
      case 0 -> model.put("unk_token", "[NOPE]");
      case 1 -> model.put("unk_token", 1);
      case 2 -> model.put("continuing_subword_prefix", 5);
      case 3 -> model.set("max_input_chars_per_word", List.<JsonNode>of(NF.textNode("100"),
          NF.numberNode(-1), NF.numberNode(1L << 40), NF.numberNode(2.5)).get(r.nextInt(4)));
      case 4 -> ((ObjectNode) root.get("normalizer")).put("lowercase", "yes");
      case 5 -> ((ObjectNode) root.get("decoder")).put("prefix", 5);
      case 6 -> ((ObjectNode) model.get("vocab")).put("[UNK]", "1");
      case 7 -> {
        model.put("max_input_chars_per_word", 50);
        return true;
      }
      default -> {
        return true;
      }
    }
    return false;
  }

  private static boolean mutateTemplate(ObjectNode root, SplittableRandom r) {
    ObjectNode pp = (ObjectNode) root.get("post_processor");
    int size = size(root);
    ObjectNode specials = (ObjectNode) pp.get("special_tokens");
    String name = specials.fieldNames().next();
    ObjectNode st = (ObjectNode) specials.get(name);
    String field = r.nextBoolean() ? "single" : "pair";
    ArrayNode items = (ArrayNode) pp.get(field);
    int at = r.nextInt(items.size());
    switch (r.nextInt(14)) {
      case 0 -> ((ArrayNode) st.get("ids")).set(0, NF.numberNode(size + r.nextInt(100)));
      case 1 -> ((ArrayNode) st.get("ids")).set(0, NF.textNode("1"));
      case 2 -> ((ArrayNode) st.get("ids")).add(st.get("ids").get(0)); // ids longer than tokens
      case 3 -> ((ArrayNode) st.get("tokens")).add(name);
      case 4 -> items.set(at, NF.objectNode().set("SpecialToken",
          NF.objectNode().put("id", "<nope\u001b[31m>").put("type_id", 0)));
      case 5 -> items.set(at, NF.objectNode().set("Sequence",
          NF.objectNode().put("id", "C").put("type_id", 0)));
      case 6 -> ((ObjectNode) items.get(at).elements().next()).set("type_id",
          List.<JsonNode>of(NF.numberNode(-1), NF.textNode("0"), NF.numberNode(1L << 40),
              NF.numberNode(0.5)).get(r.nextInt(4)));
      case 7 -> pp.remove(field);
      case 8 -> items.set(at, NF.objectNode().put("Other", 1));
      case 9 -> pp.set("special_tokens", NF.arrayNode());
      case 10 -> st.put("ids", 3);
      case 11 -> { // another id inside the vocabulary
        ((ArrayNode) st.get("ids")).set(0, NF.numberNode(0));
        return true;
      }
      default -> {
        return true;
      }
    }
    return false;
  }

  private static boolean mutateBertProcessing(ObjectNode root, SplittableRandom r) {
    ObjectNode pp = (ObjectNode) root.get("post_processor");
    String field = r.nextBoolean() ? "cls" : "sep";
    int size = size(root);
    switch (r.nextInt(8)) {
      case 0 -> pp.remove(field);
      case 1 -> ((ArrayNode) pp.get(field)).set(1, NF.numberNode(size + r.nextInt(100)));
      case 2 -> ((ArrayNode) pp.get(field)).set(1, NF.textNode("2"));
      case 3 -> ((ArrayNode) pp.get(field)).remove(0);
      case 4 -> pp.put(field, "[CLS]");
      case 5 -> ((ArrayNode) pp.get(field)).set(1, NF.numberNode(1L << 40));
      default -> {
        return true;
      }
    }
    return false;
  }

  private static int size(ObjectNode root) {
    return root.get("model").get("vocab").size();
  }

  @Test
  void unigramWithoutUnkIdLoadsAndNamesTheUnknownTextWhenEncoding() throws Exception {
    ObjectNode root = unigramBase();
    ((ObjectNode) root.get("model")).remove("unk_id");
    Path f = Files.writeString(tmp.resolve("nounk.json"), JSON.writeValueAsString(root));
    Tokenizer t = HfTokenizerJson.load(f);
    assertThat(t.decode(t.encode(TEXT))).isEqualTo(TEXT);
    assertThatThrownBy(() -> t.encode("the €"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("€").hasMessageContaining("unk_id");
  }

  @Test
  @Timeout(60)
  void vocabTxtMutants() throws Exception {
    List<String> base = new ArrayList<>(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"));
    for (char c = 'a'; c <= 'z'; c++) {
      base.add(String.valueOf(c));
      base.add("##" + c);
    }
    base.addAll(List.of("the", "dog", "fox"));
    SplittableRandom r = new SplittableRandom(19);
    FuzzTally tally = new FuzzTally("vocab.txt");
    for (int i = 0; i < 400 * FuzzTally.SCALE; i++) {
      List<String> lines = new ArrayList<>(base);
      byte[] bytes = null;
      boolean valid = true;
      int at = 5 + r.nextInt(lines.size() - 8); // not "the", "dog", "fox" at the end
      switch (r.nextInt(8)) {
        case 0 -> lines.set(at, ""); // an empty line is a token (never produced), as in HF
        case 1 -> lines.set(at, lines.get(5 + r.nextInt(lines.size() - 5))); // repeated: last wins
        case 2 -> {
          lines.remove(1); // no [UNK]
          valid = false;
        }
        case 3 -> {
          lines.clear();
          valid = false;
        }
        case 4 -> { // not UTF-8
          byte[] good = (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8);
          bytes = java.util.Arrays.copyOf(good, good.length + 2);
          bytes[good.length] = (byte) 0xff;
          bytes[good.length + 1] = '\n';
          valid = false;
        }
        case 5 -> lines.set(at, lines.get(at) + " \t"); // trailing whitespace is trimmed, as in HF
        default -> { }
      }
      if (bytes == null) {
        bytes = (String.join("\n", lines) + (lines.isEmpty() ? "" : "\n"))
            .getBytes(StandardCharsets.UTF_8);
      }
      Path dir = Files.createDirectories(tmp.resolve("v" + (i % 8)));
      Path f = Files.write(dir.resolve("vocab.txt"), bytes);
      List<String> expect = lines;
      boolean ok = valid;
      Throwable failure = FuzzTally.attempt(() -> {
        WordPieceTokenizer t = BertVocabFile.load(f, true);
        if (ok) { // ids as Hugging Face's BertTokenizer gives them: the last line of a token
          Map<String, Integer> hf = new LinkedHashMap<>();
          for (int k = 0; k < expect.size(); k++) {
            hf.put(expect.get(k).stripTrailing(), k);
          }
          assertThat(t.vocabSize()).isEqualTo(expect.size());
          int[] ids = t.encode("the dog");
          assertThat(ids).containsExactly(hf.get("the"), hf.get("dog"));
        }
      });
      tally.record(f, valid, failure);
    }
    tally.check();
  }
}
