package dev.llmkit.tokenizer;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Corrupt files are reported with the file and the line or byte offset. */
class CorruptFilesTest {

  @Test
  void rankFileWithABadLine(@TempDir Path dir) throws IOException {
    Path f = dir.resolve("bad.tiktoken");
    Files.writeString(f, "IQ== 0\nIg== 1\nnot-base64!! x\n");
    assertThatThrownBy(() -> Tokenizers.load(f))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("bad.tiktoken line 3");
  }

  @Test
  void truncatedGguf(@TempDir Path dir) throws IOException {
    byte[] all = Files.readAllBytes(
        SharedData.require("llamacpp-vocab/ggml-vocab-llama-spm.gguf"));
    Path f = dir.resolve("cut.gguf");
    Files.write(f, Arrays.copyOf(all, 5000));
    assertThatThrownBy(() -> Tokenizers.load(f))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cut.gguf at byte offset")
        .hasMessageContaining("5000 bytes");
  }

  @Test
  void ggufWithAnImpossibleLength(@TempDir Path dir) throws IOException {
    byte[] all = Files.readAllBytes(
        SharedData.require("llamacpp-vocab/ggml-vocab-llama-spm.gguf"));
    // header: magic(4) version(4) tensors(8) kv count(8), then the first key's length (8)
    all[24 + 7] = 0x40;
    Path f = dir.resolve("len.gguf");
    Files.write(f, all);
    assertThatThrownBy(() -> Tokenizers.load(f))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("len.gguf at byte offset 24");
  }

  @Test
  void notAGguf(@TempDir Path dir) throws IOException {
    Path f = dir.resolve("x.gguf");
    Files.writeString(f, "GGML and more bytes");
    assertThatThrownBy(() -> Tokenizers.load(f))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("x.gguf at byte offset 0");
  }

  @Test
  void truncatedLlama2cTokenizer(@TempDir Path dir) throws IOException {
    byte[] all = Files.readAllBytes(SharedData.require("llama2c-stories260K/tok512.bin"));
    Path f = dir.resolve("tok512.bin");
    Files.write(f, Arrays.copyOf(all, all.length - 3));
    assertThatThrownBy(() -> Tokenizers.load(f))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("tok512.bin at byte offset");
  }

  @Test
  void malformedTokenizerJson(@TempDir Path dir) throws IOException {
    Path f = dir.resolve("tokenizer.json");
    Files.writeString(f, "{\n  \"model\": {\n    \"type\": \"BPE\",\n    \"vocab\": {\"a\": 0,,}\n");
    assertThatThrownBy(() -> Tokenizers.load(f))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("tokenizer.json line 4");
  }

  @Test
  void mergesTxtWithAnUnknownToken(@TempDir Path dir) throws IOException {
    Files.writeString(dir.resolve("vocab.json"), "{\"a\": 0, \"b\": 1, \"ab\": 2}");
    Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\na b\nab zz\n",
        StandardCharsets.UTF_8);
    assertThatThrownBy(() -> Tokenizers.load(dir))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("merges.txt line 3");
  }
}
