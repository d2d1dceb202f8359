package dev.llmkit.tokenizer.encoding;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.util.PairList;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmkit.tokenizer.hf.HfTemplateEncoder;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * all-MiniLM-L6-v2's real {@code tokenizer.json} (BertNormalizer, BertPreTokenizer, WordPiece,
 * TemplateProcessing) against Hugging Face {@code tokenizers} through DJL: ids, type ids and
 * attention masks of single texts, pairs, truncated and padded batches.
 */
class BertEncodingTest {
  @TempDir static Path dir;
  static Path file;
  static TemplateEncoder ours;
  static List<String> texts;

  @BeforeAll
  static void setUp() throws Exception {
    file = dir.resolve("tokenizer.json");
    try (InputStream in = BertEncodingTest.class.getResourceAsStream("/all-minilm-l6-v2-tokenizer.json")) {
      Files.write(file, in.readAllBytes());
    }
    ours = HfTemplateEncoder.load(file);
    texts = new ArrayList<>();
    try (InputStream in = BertEncodingTest.class.getResourceAsStream("/sentencepiece/cases.json")) {
      new ObjectMapper().readTree(in).get("texts").forEach(t -> texts.add(t.asText()));
    }
    texts.addAll(List.of("Héllo, WORLD! Ünïcödé façade", "don't stop-believing...", "中文字符 and 日本語",
        "a" + "b".repeat(120), "unaffable Transformers’ résumé", "tab\there\u0000nul\u200bzw"));
  }

  private static HuggingFaceTokenizer reference(int maxLength, boolean pad) throws Exception {
    HuggingFaceTokenizer.Builder b = HuggingFaceTokenizer.builder().optTokenizerPath(file);
    if (maxLength > 0) {
      b.optMaxLength(maxLength).optTruncation(true);
    } else {
      b.optTruncation(false);
    }
    if (pad) {
      b.optPadToMaxLength();
    } else {
      b.optPadding(false);
    }
    return b.build();
  }

  private static Encoding of(ai.djl.huggingface.tokenizers.Encoding e) {
    return new Encoding(toInt(e.getIds()), toInt(e.getTypeIds()), toInt(e.getAttentionMask()));
  }

  private static int[] toInt(long[] a) {
    return Arrays.stream(a).mapToInt(x -> (int) x).toArray();
  }

  @Test
  void singleTextsEqualHuggingFace() throws Exception {
    List<String> failures = new ArrayList<>();
    try (HuggingFaceTokenizer ref = reference(0, false)) {
      for (String t : texts) {
        Encoding want = of(ref.encode(t));
        Encoding got = ours.encode(t);
        if (!want.equals(got)) {
          failures.add("'" + t + "': expected " + want + " got " + got);
        }
      }
    }
    assertEquals(List.of(), failures, failures.size() + " of " + texts.size() + " differ");
  }

  @Test
  void pairsEqualHuggingFace() throws Exception {
    List<String> failures = new ArrayList<>();
    try (HuggingFaceTokenizer ref = reference(0, false)) {
      for (int i = 0; i + 1 < texts.size(); i += 2) {
        Encoding want = of(ref.encode(texts.get(i), texts.get(i + 1)));
        Encoding got = ours.encode(texts.get(i), texts.get(i + 1));
        if (!want.equals(got)) {
          failures.add("'" + texts.get(i) + "' + '" + texts.get(i + 1) + "': expected " + want
              + " got " + got);
        }
      }
    }
    assertEquals(List.of(), failures, failures.size() + " pairs differ");
  }

  @Test
  void truncatedAndPaddedBatchesEqualHuggingFace() throws Exception {
    List<String> a = texts.subList(0, 40);
    List<String> b = texts.subList(40, 80);
    try (HuggingFaceTokenizer ref = reference(24, true)) {
      ai.djl.huggingface.tokenizers.Encoding[] singles = ref.batchEncode(a.toArray(new String[0]));
      List<Encoding> got = ours.encodeBatch(a, null, 24, TemplateEncoder.Padding.MAX_LENGTH);
      PairList<String, String> pairs = new PairList<>(a, b);
      ai.djl.huggingface.tokenizers.Encoding[] pairEnc = ref.batchEncode(pairs);
      List<Encoding> gotPairs = ours.encodeBatch(a, b, 24, TemplateEncoder.Padding.MAX_LENGTH);
      for (int i = 0; i < a.size(); i++) {
        assertEquals(of(singles[i]), got.get(i), "text " + i);
        assertEquals(of(pairEnc[i]), gotPairs.get(i), "pair " + i);
        assertEquals(24, got.get(i).length());
      }
    }
  }

  @Test
  void paddingToTheLongestOfABatch() {
    List<Encoding> batch = ours.encodeBatch(
        List.of("hello world", "hi"), null, Integer.MAX_VALUE, TemplateEncoder.Padding.LONGEST);
    // [CLS]=101 hello=7592 world=2088 [SEP]=102, [PAD]=0
    assertEquals(new Encoding(new int[] {101, 7592, 2088, 102}, new int[4], new int[] {1, 1, 1, 1}),
        batch.get(0));
    assertEquals(new Encoding(new int[] {101, 7632, 102, 0}, new int[4], new int[] {1, 1, 1, 0}),
        batch.get(1));
  }

  @Test
  void badTemplatesAndLengthsAreNamed() throws Exception {
    ObjectNode j = (ObjectNode) new ObjectMapper().readTree(Files.readString(file));
    ((ObjectNode) j.get("post_processor").get("single").get(0).get("SpecialToken")).put("id", "[XYZ]");
    IllegalArgumentException e = assertThrows(
        IllegalArgumentException.class, () -> HfTemplateEncoder.fromJson(j, "t.json"));
    assertTrue(e.getMessage().contains("post_processor.single[0].SpecialToken.id: '[XYZ]'"),
        e.getMessage());
    JsonNode j2 = new ObjectMapper().readTree(Files.readString(file));
    ((ObjectNode) j2.get("post_processor").get("pair").get(1).get("Sequence")).put("type_id", "one");
    e = assertThrows(IllegalArgumentException.class, () -> HfTemplateEncoder.fromJson(j2, "t.json"));
    assertTrue(e.getMessage().contains("post_processor.pair[1].Sequence.type_id"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> ours.encode("a", "b", 4));
    assertTrue(e.getMessage().contains("maxLength 4"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> ours.encodeBatch(List.of("a"), List.of("b", "c"), 10, TemplateEncoder.Padding.NONE));
    assertTrue(e.getMessage().contains("1 first texts but 2 second texts"), e.getMessage());
  }

  @Test
  void vocabTxtEqualsHuggingFace() throws Exception {
    // all-MiniLM-L6-v2's vocabulary written as BERT's vocab.txt, one token per line by id
    JsonNode vocab = new ObjectMapper().readTree(Files.readString(file)).get("model").get("vocab");
    String[] lines = new String[vocab.size()];
    vocab.fields().forEachRemaining(e -> lines[e.getValue().asInt()] = e.getKey());
    Path txt = dir.resolve("vocab.txt");
    Files.write(txt, List.of(lines));
    dev.llmkit.tokenizer.Tokenizer t = dev.llmkit.tokenizer.Tokenizers.load(txt);
    TemplateEncoder enc = TemplateEncoder.bert(t, 101, 102, 0);
    List<String> failures = new ArrayList<>();
    try (HuggingFaceTokenizer ref = reference(0, false)) {
      for (String text : texts) {
        Encoding want = of(ref.encode(text));
        Encoding got = enc.encode(text);
        if (!want.equals(got)) {
          failures.add("'" + text + "': expected " + want + " got " + got);
        }
      }
    }
    assertEquals(List.of(), failures);
    // an empty line is a token, as in Hugging Face's WordPiece::read_file: the ids after it keep
    // their line numbers; a repeated token gets the id of its last line
    Path empty = dir.resolve("empty-vocab.txt");
    Files.writeString(empty, "[PAD]\n\n[UNK]\nfoo\nfoo\n");
    dev.llmkit.tokenizer.wordpiece.WordPieceTokenizer w =
        dev.llmkit.tokenizer.wordpiece.BertVocabFile.load(empty, true);
    assertEquals(5, w.vocabSize());
    assertArrayEquals(new int[] {4, 2}, w.encode("foo bar"));
    Files.writeString(empty, "[PAD]\nfoo\n");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> dev.llmkit.tokenizer.wordpiece.BertVocabFile.load(empty, true));
    assertTrue(e.getMessage().contains("empty-vocab.txt: vocab.txt has no [UNK] token"),
        e.getMessage());
  }
}
