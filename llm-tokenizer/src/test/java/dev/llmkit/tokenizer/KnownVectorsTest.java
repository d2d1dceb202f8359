package dev.llmkit.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Known ids from tiktoken (published examples and /work/shared/data/README.md). */
class KnownVectorsTest {

  @Test
  void r50kHelloWorld() {
    assertThat(Tokenizers.encoding("r50k_base").encode("hello world")).containsExactly(31373, 995);
    assertThat(Tokenizers.encoding("gpt2").encode("hello world")).containsExactly(31373, 995);
  }

  @Test
  void cl100kVectors() {
    Tokenizer t = Tokenizers.encoding("cl100k_base");
    assertThat(t.encode("hello world")).containsExactly(15339, 1917);
    assertThat(t.encode("👍")).containsExactly(9468, 239, 235);
    assertThat(t.encode("today\n \n")).containsExactly(31213, 27907);
  }

  @Test
  void o200kPizza() {
    assertThat(Tokenizers.encoding("o200k_base").encode("I love pizza!"))
        .containsExactly(40, 3047, 27941, 0);
  }
}
