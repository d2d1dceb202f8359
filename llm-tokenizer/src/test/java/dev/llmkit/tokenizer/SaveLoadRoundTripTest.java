package dev.llmkit.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmkit.tokenizer.bpe.BytePairTokenizer;
import dev.llmkit.tokenizer.sentencepiece.SentencePieceTokenizer;
import dev.llmkit.tokenizer.wordpiece.WordPieceTokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every tokenizer kind survives {@link Tokenizers#save} + {@link Tokenizers#load} (the
 * Hugging Face tokenizer.json path), checked on the llama.cpp reference ids.
 */
class SaveLoadRoundTripTest {

  private static void assertCases(Tokenizer t, String inp) throws IOException {
    for (LlamaCppCases.Case c : LlamaCppCases.read(SharedData.require(inp))) {
      assertThat(t.encode(c.text())).as(c.toString()).containsExactly(c.ids());
    }
  }

  @Test
  void r50kThroughTokenizerJson(@TempDir Path dir) throws IOException {
    Tokenizers.save(Tokenizers.encoding("r50k_base"), dir);
    Tokenizer back = Tokenizers.load(dir.resolve("tokenizer.json"));
    assertThat(back).isInstanceOf(BytePairTokenizer.class);
    assertThat(back.vocabSize()).isEqualTo(50257);
    assertThat(back.specialTokens()).containsEntry("<|endoftext|>", 50256);
    assertCases(back, "llamacpp-vocab/ggml-vocab-gpt-2.gguf.inp");
    for (String t : FormatsTest.corpus()) {
      assertThat(back.encode(t)).isEqualTo(Tokenizers.encoding("r50k_base").encode(t));
    }
  }

  @Test
  void byteLevelAddPrefixSpaceAsRoberta(@TempDir Path dir) throws IOException {
    BytePairTokenizer r50k = (BytePairTokenizer) Tokenizers.encoding("r50k_base");
    BytePairTokenizer roberta = r50k.withAddPrefixSpace(true);
    assertThat(roberta.encode("hello world")).isEqualTo(r50k.encode(" hello world"));
    assertThat(roberta.encode(" hello")).isEqualTo(r50k.encode(" hello"));
    assertThat(roberta.encode("a<|endoftext|>b", java.util.Set.of("<|endoftext|>")))
        .containsExactly(257, 50256, 275); // " a", eot, " b"
    Tokenizers.save(roberta, dir);
    assertThat(Tokenizers.load(dir).encode("hello world")).isEqualTo(r50k.encode(" hello world"));
  }

  @Test
  void cl100kThroughTokenizerJson(@TempDir Path dir) throws IOException {
    Tokenizers.save(Tokenizers.encoding("cl100k_base"), dir);
    Tokenizer back = Tokenizers.load(dir);
    assertCases(back, "llamacpp-vocab/dbrx-cl100k/ggml-vocab-dbrx.gguf.inp");
  }

  @Test
  void llamaSpmThroughTokenizerJson(@TempDir Path dir) throws IOException {
    Tokenizer gguf =
        Tokenizers.load(SharedData.require("llamacpp-vocab/ggml-vocab-llama-spm.gguf"));
    Tokenizers.save(gguf, dir);
    Tokenizer back = Tokenizers.load(dir);
    assertThat(back).isInstanceOf(SentencePieceTokenizer.class);
    assertThat(back.bosId()).hasValue(1);
    assertCases(back, "llamacpp-vocab/ggml-vocab-llama-spm.gguf.inp");
  }

  @Test
  void bertThroughTokenizerJson(@TempDir Path dir) throws IOException {
    Tokenizer gguf =
        Tokenizers.load(SharedData.require("llamacpp-vocab/ggml-vocab-bert-bge.gguf"));
    Tokenizers.save(gguf, dir);
    Tokenizer back = Tokenizers.load(dir);
    assertThat(back).isInstanceOf(WordPieceTokenizer.class);
    assertCases(back, "llamacpp-vocab/ggml-vocab-bert-bge.gguf.inp");
  }

  @Test
  void tok512ThroughTokenizerJson(@TempDir Path dir) throws IOException {
    Tokenizer bin = Tokenizers.load(SharedData.require("llama2c-stories260K/tok512.bin"));
    Tokenizers.save(bin, dir);
    Tokenizer back = Tokenizers.load(dir);
    for (String s : List.of("Once upon a time", "Lily's mom said, \"Lily, let's go!\"",
        "  two  spaces\nand a newline", "émoji 🙂 and 中文")) {
      assertThat(back.encode(s)).as(s).isEqualTo(bin.encode(s));
      assertThat(back.decode(back.encode(s))).isEqualTo(s);
    }
  }
}
