package dev.llmkit.tokenizer.gguf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmkit.tokenizer.Tokenizer;
import dev.llmkit.tokenizer.TokenizerFormatException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * llama.cpp's {@code t5} vocabulary in GGUF ({@code scripts/gen_t5_vocab_gguf.py} writes it from
 * the SentencePiece Unigram fixtures as {@code convert_hf_to_gguf.py} does from a T5
 * {@code spiece.model}): ids and decoded text equal to Google's SentencePiece library on the same
 * models ({@code sentencepiece/cases.json}), the precompiled nmt_nfkc rules included.
 */
class GgufT5VocabularyTest {

  @ParameterizedTest
  @ValueSource(strings = {"unigram-nfkc", "unigram-bytes"})
  void idsAndTextEqualSentencePieceOnTheModelItWasConvertedFrom(String model) throws Exception {
    JsonNode cases;
    try (InputStream in = getClass().getResourceAsStream("/sentencepiece/cases.json")) {
      cases = new ObjectMapper().readTree(in);
    }
    Tokenizer t = GgufTokenizers.load(
        Path.of(getClass().getResource("/gguf-t5/" + model + ".gguf").toURI()));
    JsonNode texts = cases.get("texts");
    JsonNode expected = cases.get(model);
    for (int i = 0; i < texts.size(); i++) {
      String text = texts.get(i).asText();
      JsonNode ids = expected.get("ids").get(i);
      int[] want = new int[ids.size()];
      for (int j = 0; j < want.length; j++) {
        want[j] = ids.get(j).asInt();
      }
      assertThat(t.encode(text)).as("ids of %s", text).containsExactly(want);
      assertThat(t.decode(want)).isEqualTo(expected.get("decoded").get(i).asText());
    }
    assertThat(texts.size()).isGreaterThan(150);
  }

  @ParameterizedTest
  @ValueSource(strings = {"unigram-nfkc"})
  void aCharsmapThatIsNoCharsmapIsNamed(String model, @TempDir Path dir) throws Exception {
    byte[] file = Files.readAllBytes(
        Path.of(getClass().getResource("/gguf-t5/" + model + ".gguf").toURI()));
    // the charsmap's first 4 bytes are its trie size: make it larger than the blob
    byte[] key = "tokenizer.ggml.precompiled_charsmap".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    int at = indexOf(file, key) + key.length + 4 + 8; // key, array type (u32), count (u64)
    file[at + 3] = 0x7f;
    Path broken = dir.resolve("broken.gguf");
    Files.write(broken, file);
    assertThatThrownBy(() -> GgufTokenizers.load(broken))
        .isInstanceOf(TokenizerFormatException.class)
        .hasMessageContaining("tokenizer.ggml.precompiled_charsmap");
  }

  private static int indexOf(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    throw new AssertionError("key not found");
  }
}
