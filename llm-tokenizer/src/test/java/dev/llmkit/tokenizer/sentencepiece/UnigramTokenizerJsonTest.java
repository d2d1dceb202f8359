package dev.llmkit.tokenizer.sentencepiece;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmkit.tokenizer.Tokenizer;
import dev.llmkit.tokenizer.Tokenizers;
import dev.llmkit.tokenizer.hf.HfTokenizerJson;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tokenizer.json} files with a {@code Unigram} model give the ids of Hugging Face
 * {@code tokenizers} (the Rust library, through DJL) over many texts: the T5-style conversion of
 * a SentencePiece model ({@code Precompiled} + {@code Replace}, {@code Metaspace}) and variants
 * of it written here (NFKC, Strip, byte fallback, prepend scheme "first", no split).
 */
class UnigramTokenizerJsonTest {
  static final ObjectMapper MAPPER = new ObjectMapper();

  static List<String> texts() throws Exception {
    List<String> texts = new ArrayList<>();
    SentencePieceModelConformanceTest.cases().get("texts").forEach(t -> texts.add(t.asText()));
    return texts;
  }

  static ObjectNode t5Json() throws Exception {
    return (ObjectNode) MAPPER.readTree(
        Files.readString(SentencePieceModelConformanceTest.resource("unigram-nfkc.tokenizer.json")));
  }

  private static void assertSameAsHuggingFace(Path file, boolean decodeToo) throws Exception {
    Tokenizer ours = Tokenizers.load(file);
    List<String> failures = new ArrayList<>();
    int checked = 0;
    try (HuggingFaceTokenizer ref = HuggingFaceTokenizer.newInstance(file, Map.of())) {
      for (String text : texts()) {
        long[] want = ref.encode(text, false, false).getIds();
        // Hugging Face recognises special tokens in text; this library does when they are allowed
        int[] got = ours.encode(text, ours.specialTokens().keySet());
        checked++;
        if (!Arrays.equals(Arrays.stream(got).asLongStream().toArray(), want)) {
          failures.add("'" + text + "': expected " + Arrays.toString(want) + " got "
              + Arrays.toString(got));
        } else if (decodeToo && want.length > 0) {
          String ref1 = ref.decode(want, false);
          String dec = ours.decode(got);
          if (!dec.equals(ref1)) {
            failures.add("decode of '" + text + "': expected '" + ref1 + "' got '" + dec + "'");
          }
        }
      }
    }
    assertTrue(checked > 150);
    assertEquals(List.of(), failures, failures.size() + " texts differ");
  }

  @Test
  void t5StyleConversionEqualsHuggingFace(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("tokenizer.json");
    Files.writeString(f, t5Json().toString());
    assertSameAsHuggingFace(f, false);
  }

  @Test
  void nfkcStripFirstSchemeNoSplitEqualsHuggingFace(@TempDir Path dir) throws Exception {
    ObjectNode j = t5Json();
    ObjectNode norm = MAPPER.createObjectNode().put("type", "Sequence");
    ArrayNode ns = norm.putArray("normalizers");
    ns.addObject().put("type", "NFKC");
    ns.addObject().put("type", "Strip").put("strip_left", true).put("strip_right", true);
    j.set("normalizer", norm);
    ObjectNode pre = (ObjectNode) j.get("pre_tokenizer");
    pre.put("prepend_scheme", "first").put("split", false);
    Path f = dir.resolve("tokenizer.json");
    Files.writeString(f, j.toString());
    assertSameAsHuggingFace(f, false);
  }

  @Test
  void byteFallbackEqualsHuggingFace(@TempDir Path dir) throws Exception {
    // the byte-fallback SentencePiece model's pieces as a Unigram tokenizer.json
    SentencePieceModelTokenizer spm = (SentencePieceModelTokenizer)
        Tokenizers.load(SentencePieceModelConformanceTest.resource("unigram-bytes.model"));
    ObjectNode j = MAPPER.createObjectNode();
    j.put("version", "1.0");
    ArrayNode added = j.putArray("added_tokens");
    ArrayNode vocab = MAPPER.createArrayNode();
    for (int id = 0; id < spm.vocabSize(); id++) {
      vocab.addArray().add(spm.piece(id)).add(spm.model().score(id));
      int type = spm.model().type(id);
      if (type == SentencePieceTokenizer.CONTROL || type == SentencePieceTokenizer.UNKNOWN) {
        added.addObject().put("id", id).put("content", spm.piece(id)).put("special", true)
            .put("single_word", false).put("lstrip", false).put("rstrip", false)
            .put("normalized", false);
      }
    }
    j.putNull("normalizer");
    j.set("pre_tokenizer", MAPPER.readTree(
        "{\"type\":\"Metaspace\",\"replacement\":\"\u2581\",\"prepend_scheme\":\"always\",\"split\":true}"));
    j.set("decoder", MAPPER.readTree("{\"type\":\"Sequence\",\"decoders\":["
        + "{\"type\":\"Replace\",\"pattern\":{\"String\":\"\u2581\"},\"content\":\" \"},"
        + "{\"type\":\"ByteFallback\"},{\"type\":\"Fuse\"},"
        + "{\"type\":\"Strip\",\"content\":\" \",\"start\":1,\"stop\":0}]}"));
    ObjectNode model = j.putObject("model");
    model.put("type", "Unigram").put("unk_id", spm.model().unkId()).put("byte_fallback", true);
    model.set("vocab", vocab);
    Path f = dir.resolve("tokenizer.json");
    Files.writeString(f, j.toString());
    assertSameAsHuggingFace(f, true);
  }

  @Test
  void badComponentsAreNamed() throws Exception {
    ObjectNode j = t5Json();
    ((ObjectNode) j.get("model")).put("unk_id", 100000);
    assertMessage(j, "model.unk_id");
    j = t5Json();
    ((ArrayNode) j.get("model").get("vocab")).set(5, MAPPER.readTree("[\"x\", \"high\"]"));
    assertMessage(j, "model.vocab[5]");
    j = t5Json();
    ((ObjectNode) j.get("pre_tokenizer")).put("prepend_scheme", "sometimes");
    assertMessage(j, "pre_tokenizer.prepend_scheme");
    j = t5Json();
    ((ObjectNode) j.get("normalizer").get("normalizers").get(1)).remove("content");
    assertMessage(j, "normalizer.normalizers[1].content");
    j = t5Json();
    ((ObjectNode) j.get("normalizer").get("normalizers").get(0)).put("type", "Fancy");
    assertMessage(j, "normalizer.normalizers[0] type 'Fancy'");
  }

  private static void assertMessage(JsonNode json, String expected) {
    IllegalArgumentException e = assertThrows(
        IllegalArgumentException.class, () -> HfTokenizerJson.fromJson(json, "t.json"));
    assertTrue(e.getMessage().contains("t.json") && e.getMessage().contains(expected),
        e.getMessage());
  }
}
