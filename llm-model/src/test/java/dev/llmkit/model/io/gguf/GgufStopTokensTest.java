package dev.llmkit.model.io.gguf;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** GGUF end-of-generation ids: eot/eom keys and llama.cpp's end-of-turn control-token names. */
class GgufStopTokensTest {

  @TempDir Path tmp;

  private static final String[] TOKENS = {
      "<unk>", "<|begin_of_text|>", "<|end_of_text|>", "a", "<|eot_id|>", "<|im_end|>", "<|eom_id|>"};

  @Test
  void eotAndEomKeysAndControlTokensNamedAsEndsOfTurnStop() throws IOException {
    // <|im_end|> (5) is a NORMAL token here (type 1), so its name alone does not make it a stop
    Path file = new GgufTestWriter()
        .uint32("tokenizer.ggml.eos_token_id", 2)
        .uint32("tokenizer.ggml.eom_token_id", 6)
        .value("tokenizer.ggml.tokens", TOKENS)
        .value("tokenizer.ggml.token_type", new int[] {2, 3, 3, 1, 3, 1, 3})
        .write(tmp.resolve("eog.gguf"));
    try (GgufFile g = GgufFile.open(file)) {
      assertThat(GgufStopTokens.of(g, TOKENS.length)).containsExactly(6, 4);
    }
  }

  @Test
  void anExplicitEotIdOutsideTheVocabularyIsIgnoredAndTheEosIsNotRepeated() throws IOException {
    Path file = new GgufTestWriter()
        .uint32("tokenizer.ggml.eos_token_id", 4)
        .uint32("tokenizer.ggml.eot_token_id", 99)
        .value("tokenizer.ggml.tokens", TOKENS)
        .value("tokenizer.ggml.token_type", new int[] {2, 3, 3, 1, 3, 3, 1})
        .write(tmp.resolve("eot.gguf"));
    try (GgufFile g = GgufFile.open(file)) {
      assertThat(GgufStopTokens.of(g, TOKENS.length)).containsExactly(5);
    }
  }
}
