package dev.llmkit.tokenizer.tiktoken;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmkit.tokenizer.LlamaCppCases;
import dev.llmkit.tokenizer.SharedData;
import dev.llmkit.tokenizer.Tokenizer;
import dev.llmkit.tokenizer.Tokenizers;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * llama.cpp's conformance cases for GPT-2 and DBRX, whose tokenizers are r50k_base and
 * cl100k_base: the ids there were produced by the reference tokenizers.
 */
class OpenAiEncodingsConformanceTest {

  private static void check(Tokenizer t, String inp) throws IOException {
    List<LlamaCppCases.Case> cases = LlamaCppCases.read(SharedData.require(inp));
    assertThat(cases).hasSizeGreaterThan(30);
    for (LlamaCppCases.Case c : cases) {
      assertThat(t.encode(c.text())).as(c.toString()).containsExactly(c.ids());
      assertThat(t.decode(c.ids())).as(c.toString()).isEqualTo(c.text());
    }
  }

  @Test
  void gpt2CasesWithR50k() throws IOException {
    check(Tokenizers.encoding("r50k_base"), "llamacpp-vocab/ggml-vocab-gpt-2.gguf.inp");
  }

  @Test
  void dbrxCasesWithCl100k() throws IOException {
    check(Tokenizers.encoding("cl100k_base"), "llamacpp-vocab/dbrx-cl100k/ggml-vocab-dbrx.gguf.inp");
  }
}
