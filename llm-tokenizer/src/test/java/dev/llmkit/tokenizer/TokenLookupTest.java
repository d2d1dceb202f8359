package dev.llmkit.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** countTokens, tokenId and special tokens keyed by their text; ids from tiktoken and llama2.c. */
class TokenLookupTest {

  @Test
  void countsAndLooksUpGpt2Tokens() {
    Tokenizer r50k = Tokenizers.encoding("r50k_base");
    assertThat(r50k.countTokens("hello world")).isEqualTo(2); // 31373 995
    assertThat(r50k.tokenId("hello")).isEqualTo(OptionalInt.of(31373));
    assertThat(r50k.tokenId(" world")).isEqualTo(OptionalInt.of(995));
    assertThat(r50k.tokenId("<|endoftext|>")).isEqualTo(OptionalInt.of(50256));
    assertThat(r50k.tokenId("hello world")).isEmpty();
    assertThat(Tokenizers.encoding("o200k_base").countTokens("I love pizza!")).isEqualTo(4);
  }

  @Test
  void llama2cSpecialTokensAreKeyedByTheirText() throws IOException {
    Tokenizer t = Tokenizers.load(SharedData.require("llama2c-stories260K/tok512.bin"));
    assertThat(t.specialTokens()).containsEntry("<s>", 1).containsEntry("</s>", 2);
    assertThat(t.tokenId("<s>")).isEqualTo(OptionalInt.of(1));
    assertThat(t.tokenId("</s>")).isEqualTo(OptionalInt.of(2));
    assertThat(t.decode(new int[] {1, 2})).isEmpty();
  }
}
