package dev.llmkit.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bad command lines of issue 19: each fails with exactly one line on stderr naming the option,
 * the path and the problem (usage errors: that line plus a pointer to --help), exit code 1 for bad
 * input and 2 for usage.
 */
class CliErrorsTest {

  @TempDir Path tmp;

  private static CliRun.Result run(String... args) {
    return CliRun.run(args);
  }

  private static void oneLine(CliRun.Result r, int rc, String... parts) {
    assertThat(r.exitCode()).as(r.err()).isEqualTo(rc);
    String[] lines = r.err().strip().split("\\R");
    assertThat(lines).as(r.err()).hasSize(rc == 2 ? 2 : 1);
    for (String p : parts) {
      assertThat(lines[0]).contains(p);
    }
    if (rc == 2) {
      assertThat(lines[1]).contains("--help");
    }
  }

  private Path text() throws IOException {
    return Files.writeString(tmp.resolve("text.txt"), "abc abd abe ".repeat(40));
  }

  @Test
  void missingFilesAndFoldersNameTheOption() throws IOException {
    Path missing = tmp.resolve("nonexistent.txt");
    oneLine(run("train", "--data", missing.toString(), "--out", tmp.resolve("o").toString()), 1,
        "llm train: ", "--data " + missing, "no such file");
    oneLine(run("train", "--data", tmp.toString(), "--out", tmp.resolve("o").toString()), 1,
        "llm train: ", "--data " + tmp, "is a folder");
  }

  @Test
  void outIsCheckedBeforeTraining() throws IOException {
    Path file = Files.writeString(tmp.resolve("existing"), "x");
    CliRun.Result r = run("train", "--data", text().toString(), "--out", file.toString(), "--iters", "1");
    oneLine(r, 1, "--out " + file, "exists and is not a folder");
    assertThat(r.out()).doesNotContain("final_train_loss");
  }

  @Test
  void impossibleBlockAndInternalNames() throws IOException {
    oneLine(run("train", "--data", text().toString(), "--out", tmp.resolve("o").toString(),
        "--block", "100000", "--iters", "1"), 1, "--block 100000", "lower --block or --batch");
    CliRun.Result batch = run("train", "--data", text().toString(), "--out", tmp.resolve("o2").toString(),
        "--batch", "0", "--iters", "1");
    oneLine(batch, 1, "llm train: --batch must be >= 1, got 0");
    assertThat(batch.err()).doesNotContain("TrainableModel");
  }

  @Test
  void usageErrorsAreOneLineAndAPointerToHelp() {
    oneLine(run("train", "--data"), 2, "llm train: ", "'--data'");
    oneLine(run("generate", "--model", "x", "--prompt", "p", "--max-tokens", "many"), 2,
        "llm generate: ", "--max-tokens", "many");
    oneLine(run("--bogus"), 2, "llm: ", "--bogus");
  }

  @Test
  void ggufWithADestroyedMagicIsDiagnosedAsGguf() throws IOException {
    Path bad = Files.write(tmp.resolve("model.gguf"), new byte[] {'G', 'G', 'U', 'X', 3, 0, 0, 0});
    oneLine(run("generate", "--model", bad.toString(), "--prompt", "x"), 1,
        "--model " + bad, "not a GGUF file");
  }

  @Test
  void aTokenizerSmallerThanTheModelIsRejectedAtLoad() throws IOException {
    Path model = tmp.resolve("stories260K.bin");
    try (var in = CliErrorsTest.class.getResourceAsStream("/dev/llmkit/examples/data/stories260K.bin")) {
      Files.copy(in, model);
    }
    // a llama2.c tokenizer of 10 tokens for a model of 512
    Path tok = tmp.resolve("tok10.bin");
    try (OutputStream fo = Files.newOutputStream(tok); DataOutputStream o = new DataOutputStream(fo)) {
      o.write(le(1));
      for (int i = 0; i < 10; i++) {
        o.write(ByteBuffer.allocate(9).order(ByteOrder.LITTLE_ENDIAN).putFloat(0).putInt(1)
            .put((byte) ('a' + i)).array());
      }
    }
    oneLine(run("generate", "--model", model.toString(), "--tokenizer", tok.toString(),
        "--prompt", "x"), 1, "--tokenizer " + tok, "10 tokens", "512");
  }

  private static byte[] le(int v) {
    return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array();
  }

  @Test
  void exitCodesAreDocumentedInTheHelp() {
    assertThat(run("--help").out()).contains("Exit codes:", "1   bad input", "2   usage error");
  }
}
