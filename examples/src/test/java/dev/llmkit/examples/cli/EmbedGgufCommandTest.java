package dev.llmkit.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** {@code llm embed} on llama.cpp's {@code bert} GGUF (the fixture of scripts/gen_bert_gguf.py). */
class EmbedGgufCommandTest {

  static final Path GGUF = Path.of("../llm-model/src/test/resources/fixtures/bert-base-tiny/model.gguf");

  @Test
  void embedsWithTheFilesPoolingAndVocabulary() {
    CliRun.Result r = CliRun.run("embed", "--model", GGUF.toString(), "--text", "w1 w2 w3");
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out().trim().split("\\s+")).hasSize(24);
    // the file's bert.pooling_type is mean: the same as asking for it, not the [CLS] state
    CliRun.Result mean = CliRun.run("embed", "--model", GGUF.toString(), "--text", "w1 w2 w3",
        "--pooling", "mean");
    assertThat(mean.out()).isEqualTo(r.out());
    CliRun.Result cls = CliRun.run("embed", "--model", GGUF.toString(), "--text", "w1 w2 w3",
        "--pooling", "cls");
    assertThat(cls.out()).isNotEqualTo(r.out());
  }
}
