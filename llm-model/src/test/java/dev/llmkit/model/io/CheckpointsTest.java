package dev.llmkit.model.io;

import static dev.llmkit.model.io.Fixtures.assertSameWeights;
import static dev.llmkit.model.io.Fixtures.fixture;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmkit.model.config.ModelConfig;
import dev.llmkit.model.io.Checkpoints.Format;
import dev.llmkit.model.io.hf.HuggingFaceCheckpoint;
import dev.llmkit.model.io.llama2c.Llama2cCheckpoint;
import dev.llmkit.model.weights.ModelWeights;
import dev.llmkit.tokenizer.CharTokenizer;
import dev.llmkit.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointsTest {

  @TempDir Path tmp;

  /** Runs a tokenizer call, skipping the test while llm-tokenizer has not implemented it yet. */
  private static <T> T tokenizerCall(Callable<T> c) throws Exception {
    try {
      return c.call();
    } catch (UnsupportedOperationException e) {
      Assumptions.abort("llm-tokenizer does not implement this yet: " + e.getMessage());
      return null;
    }
  }

  @Test
  void detectsEveryFormat() throws IOException {
    Path gpt2 = fixture("gpt2-tiny");
    assertThat(Checkpoints.detect(gpt2)).isEqualTo(Format.HUGGING_FACE);
    assertThat(Checkpoints.detect(gpt2.resolve("config.json"))).isEqualTo(Format.HUGGING_FACE);
    assertThat(Checkpoints.detect(gpt2.resolve("model.safetensors"))).isEqualTo(Format.HUGGING_FACE);
    Path gguf = Files.write(tmp.resolve("x.bin"), new byte[] {'G', 'G', 'U', 'F', 3, 0, 0, 0});
    assertThat(Checkpoints.detect(gguf)).isEqualTo(Format.GGUF);
    Path bin = Files.write(tmp.resolve("model.bin"), new byte[] {64, 0, 0, 0});
    assertThat(Checkpoints.detect(bin)).isEqualTo(Format.LLAMA2C);
    assertThatThrownBy(() -> Checkpoints.detect(tmp.resolve("absent")))
        .isInstanceOf(NoSuchFileException.class).hasMessageContaining("absent");
    assertThatThrownBy(() -> Checkpoints.load(tmp))
        .isInstanceOf(CheckpointFormatException.class).hasMessageContaining("config.json");
  }

  @Test
  void loadsHuggingFaceFoldersAndFilesInside() throws IOException {
    Path dir = fixture("llama-gqa-tiny");
    LoadedModel m = Checkpoints.load(dir);
    assertThat(m.tokenizer()).isNull();
    assertThat(m.config().nKvHeads()).isEqualTo(2);
    assertSameWeights(HuggingFaceCheckpoint.loadWeights(dir), m.weights());
    assertSameWeights(m.weights(), Checkpoints.load(dir.resolve("model.safetensors")).weights());
  }

  @Test
  void loadsLlama2cWithAndWithoutTokenizer() throws Exception {
    Path bin = Fixtures.sharedData("llama2c-stories260K/stories260K.bin");
    LoadedModel m = Checkpoints.load(bin);
    assertThat(m.tokenizer()).isNull();
    assertSameWeights(Llama2cCheckpoint.load(bin), m.weights());
    Path tok = bin.resolveSibling("tok512.bin");
    LoadedModel withTok = tokenizerCall(() -> Checkpoints.load(bin, tok));
    assertThat(withTok.tokenizer().vocabSize()).isEqualTo(512);
    assertThat(withTok.tokenizer().decode(new int[] {403, 407, 261, 378})).contains("Once upon a time");
  }

  @Test
  void saveHuggingFaceRoundTripsAndWritesNoTemporaries() throws IOException {
    ModelWeights w = ModelWeights.init(ModelConfig.gpt2(64, 16, 2, 2, 16), 3, 0.2f);
    Path dir = tmp.resolve("out");
    Checkpoints.saveHuggingFace(dir, w, null);
    try (var s = Files.list(dir)) {
      assertThat(s.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder("config.json", "model.safetensors");
    }
    LoadedModel back = Checkpoints.load(dir);
    assertSameWeights(w, back.weights());
    // saving again over the folder replaces it
    ModelWeights w2 = ModelWeights.init(w.config(), 4, 0.2f);
    Checkpoints.saveHuggingFace(dir, w2, null);
    assertSameWeights(w2, Checkpoints.load(dir).weights());
  }

  @Test
  void saveHuggingFaceWithTokenizerReloadsBoth() throws Exception {
    // a character-level tokenizer as the training examples use: sorted distinct characters
    Tokenizer tok = CharTokenizer.fromCorpus("hello world, said the model");
    ModelWeights w = ModelWeights.init(ModelConfig.gpt2(tok.vocabSize(), 8, 1, 2, 8), 3, 0.2f);
    Path dir = tmp.resolve("with-tok");
    tokenizerCall(() -> {
      Checkpoints.saveHuggingFace(dir, w, tok);
      return null;
    });
    assertThat(dir.resolve("tokenizer.json")).exists();
    LoadedModel back = tokenizerCall(() -> Checkpoints.load(dir));
    assertSameWeights(w, back.weights());
    assertThat(back.tokenizer().vocabSize()).isEqualTo(tok.vocabSize());
    // ' ' < ',' < 'a' < 'd' < 'e' < 'h' < ... : ids are ranks in the sorted character set
    assertThat(back.tokenizer().encode("hello")).containsExactly(tok.encode("hello"));
    assertThat(back.tokenizer().encode(" ,a")).containsExactly(0, 1, 2);
    assertThat(back.tokenizer().decode(tok.encode("said the model"))).isEqualTo("said the model");
    try (var s = Files.list(dir)) {
      assertThat(s.filter(p -> p.getFileName().toString().startsWith("."))).isEmpty();
    }
  }
}
