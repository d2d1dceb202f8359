package dev.llmkit.tokenizer.sentencepiece;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmkit.tokenizer.Tokenizer;
import dev.llmkit.tokenizer.Tokenizers;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Ids and decoded text equal to Google's SentencePiece library on models it trained
 * ({@code scripts/gen_sentencepiece_fixtures.py}): unigram and BPE, nmt_nfkc and identity
 * normalisation, with and without byte fallback, user-defined symbols, no dummy prefix.
 */
class SentencePieceModelConformanceTest {
  static final String DIR = "/sentencepiece/";

  static JsonNode cases() throws Exception {
    try (InputStream in = SentencePieceModelConformanceTest.class.getResourceAsStream(DIR + "cases.json")) {
      return new ObjectMapper().readTree(in);
    }
  }

  static Path resource(String name) throws Exception {
    return Path.of(SentencePieceModelConformanceTest.class.getResource(DIR + name).toURI());
  }

  static Stream<Arguments> models() {
    return Stream.of("unigram-nfkc", "unigram-bytes", "bpe-nfkc-bytes", "bpe-plain").map(Arguments::of);
  }

  @ParameterizedTest
  @MethodSource("models")
  void idsAndDecodedTextEqualSentencePiece(String model) throws Exception {
    JsonNode cases = cases();
    Tokenizer tok = Tokenizers.load(resource(model + ".model"));
    JsonNode texts = cases.get("texts");
    JsonNode expected = cases.get(model);
    List<String> failures = new ArrayList<>();
    for (int i = 0; i < texts.size(); i++) {
      String text = texts.get(i).asText();
      int[] want = ids(expected.get("ids").get(i));
      int[] got = tok.encode(text);
      if (!java.util.Arrays.equals(want, got)) {
        failures.add("ids of '" + text + "': expected " + java.util.Arrays.toString(want) + " got "
            + java.util.Arrays.toString(got));
      }
      String dec = tok.decode(want);
      if (!dec.equals(expected.get("decoded").get(i).asText())) {
        failures.add("decode of '" + text + "': expected '" + expected.get("decoded").get(i).asText()
            + "' got '" + dec + "'");
      }
    }
    assertEquals(List.of(), failures, failures.size() + " of " + 2 * texts.size() + " checks failed");
    assertEquals(texts.size() > 150, true);
  }

  @org.junit.jupiter.api.Test
  void filesThatAreNotSentencePieceModelsAreNamed(@org.junit.jupiter.api.io.TempDir Path dir)
      throws Exception {
    byte[] good = java.nio.file.Files.readAllBytes(resource("unigram-bytes.model"));
    Path truncated = dir.resolve("truncated.model");
    java.nio.file.Files.write(truncated, java.util.Arrays.copyOf(good, good.length / 2));
    Path text = dir.resolve("text.model");
    java.nio.file.Files.writeString(text, "just some text, not a protobuf message\n");
    Path empty = dir.resolve("empty.model");
    java.nio.file.Files.write(empty, new byte[0]);
    for (Path p : List.of(truncated, text, empty)) {
      IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(
          IllegalArgumentException.class, () -> Tokenizers.load(p));
      org.junit.jupiter.api.Assertions.assertTrue(
          e.getMessage().startsWith(p.toString()) && e.getMessage().contains("not a SentencePiece model"),
          e.getMessage());
    }
  }

  @org.junit.jupiter.api.Test
  void piecesScoresAndTypesAreRead() throws Exception {
    SentencePieceModelTokenizer t =
        SentencePieceModelFile.load(resource("unigram-nfkc.model"));
    assertEquals(1000, t.vocabSize());
    assertEquals("<unk>", t.piece(0));
    assertEquals(SentencePieceTokenizer.UNKNOWN, t.model().type(0));
    assertEquals(SentencePieceTokenizer.CONTROL, t.model().type(1));
    assertEquals(SentencePieceTokenizer.USER_DEFINED, t.model().type(3));
    assertEquals("<sep>", t.piece(3));
    assertEquals(java.util.OptionalInt.of(2), t.eosId());
    assertEquals(SentencePieceModelTokenizer.ModelType.UNIGRAM, t.modelType());
    assertEquals(SentencePieceModelTokenizer.ModelType.BPE,
        SentencePieceModelFile.load(resource("bpe-plain.model")).modelType());
  }

  static int[] ids(JsonNode arr) {
    int[] r = new int[arr.size()];
    for (int i = 0; i < r.length; i++) {
      r[i] = arr.get(i).asInt();
    }
    return r;
  }
}
