package dev.llmkit.tokenizer.gguf;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmkit.tokenizer.LlamaCppCases;
import dev.llmkit.tokenizer.SharedData;
import dev.llmkit.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every llama.cpp conformance case, with the tokenizer read from the GGUF vocabulary file. */
class GgufConformanceTest {

  static List<String> failures(String gguf) throws IOException {
    Path file = SharedData.require("llamacpp-vocab/" + gguf);
    Tokenizer t = GgufTokenizers.load(file);
    List<String> failed = new ArrayList<>();
    for (LlamaCppCases.Case c : LlamaCppCases.read(Path.of(file + ".inp"))) {
      int[] got = t.encode(c.text());
      if (!java.util.Arrays.equals(got, c.ids())) {
        failed.add(c + " expected " + java.util.Arrays.toString(c.ids()) + " got "
            + java.util.Arrays.toString(got));
      }
    }
    return failed;
  }

  @ParameterizedTest
  @ValueSource(strings = {"ggml-vocab-gpt-2.gguf", "ggml-vocab-llama-spm.gguf"})
  void requiredFamiliesPassExactly(String gguf) throws IOException {
    assertThat(failures(gguf)).isEmpty();
  }

  /** DBRX's vocabulary (cl100k_base, 3.5 MB) is not shipped in testdata/. */
  @Test
  @Tag("shared-data")
  void dbrxPassesExactly() throws IOException {
    assertThat(failures("dbrx-cl100k/ggml-vocab-dbrx.gguf")).isEmpty();
  }

  /** These vocabularies (15 MB) are not shipped in testdata/. */
  @Tag("shared-data")
  @ParameterizedTest
  @ValueSource(strings = {
      "ggml-vocab-phi-3.gguf", "ggml-vocab-falcon.gguf", "ggml-vocab-starcoder.gguf",
      "ggml-vocab-refact.gguf", "ggml-vocab-mpt.gguf", "ggml-vocab-deepseek-llm.gguf",
      "ggml-vocab-deepseek-coder.gguf", "ggml-vocab-bert-bge.gguf"})
  void otherFamilies(String gguf) throws IOException {
    assertThat(failures(gguf)).isEmpty();
  }
}
