package dev.llmkit.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hugging Face vocab.json + merges.txt, llama2.c tok512.bin, the character-level tokenizer. */
class FormatsTest {

  static List<String> corpus() throws IOException {
    List<String> texts = new ArrayList<>();
    for (LlamaCppCases.Case c :
        LlamaCppCases.read(SharedData.require("llamacpp-vocab/ggml-vocab-gpt-2.gguf.inp"))) {
      texts.add(c.text());
    }
    texts.add(Files.readString(SharedData.require("minbpe/taylorswift.txt")));
    return texts;
  }

  @Test
  void gpt2VocabAndMergesAgreeWithR50kIdForId() throws IOException {
    Tokenizer hf = Tokenizers.load(SharedData.require("gpt2-bpe"));
    Tokenizer r50k = Tokenizers.encoding("r50k_base");
    assertThat(hf.vocabSize()).isEqualTo(50257);
    assertThat(hf.specialTokens()).containsEntry("<|endoftext|>", 50256);
    for (String t : corpus()) {
      assertThat(hf.encode(t)).isEqualTo(r50k.encode(t));
    }
    String shakespeare = Files.readString(SharedData.require("tinyshakespeare.txt"));
    assertThat(hf.encode(shakespeare)).isEqualTo(r50k.encode(shakespeare));
  }

  @Test
  void tinyShakespeareSplitHasTheKnownR50kCounts() throws IOException {
    String data = Files.readString(SharedData.require("tinyshakespeare.txt"));
    int n = data.length();
    Tokenizer r50k = Tokenizers.encoding("r50k_base");
    int cut = (int) (n * 0.9);
    assertThat(r50k.encode(data.substring(0, cut))).hasSize(301_966);
    assertThat(r50k.encode(data.substring(cut))).hasSize(36_059);
  }

  @Test
  void llama2cTok512EncodesOnceUponATime() throws IOException {
    Tokenizer t = Tokenizers.load(SharedData.require("llama2c-stories260K/tok512.bin"));
    assertThat(t.vocabSize()).isEqualTo(512);
    assertThat(t.bosId()).hasValue(1);
    assertThat(t.eosId()).hasValue(2);
    assertThat(t.encodeWithBos("Once upon a time")).containsExactly(1, 403, 407, 261, 378);
    assertThat(t.encode("Once upon a time")).containsExactly(403, 407, 261, 378);
    assertThat(t.encode("")).isEmpty();
  }

  static int[] readIds(Path f) throws IOException {
    String body = Files.readAllLines(f).stream().filter(l -> !l.startsWith("#"))
        .reduce("", String::concat).replaceAll("[\\[\\]\\s]", "");
    return Arrays.stream(body.split(",")).mapToInt(Integer::parseInt).toArray();
  }

  @Test
  void llama2cGreedyOutputsDecodeToTheirText() throws IOException {
    Tokenizer t = Tokenizers.load(SharedData.require("llama2c-stories260K/tok512.bin"));
    for (String name : List.of("greedy-t0-once-upon-a-time-64steps",
        "greedy-t0-noprompt-256steps")) {
      int[] ids = readIds(SharedData.require("llama2c-stories260K/" + name + ".ids"));
      String text = Files.readString(
          SharedData.require("llama2c-stories260K/" + name + ".txt"), StandardCharsets.UTF_8);
      assertThat(t.decode(ids)).isEqualTo(text);
      StringBuilder streamed = new StringBuilder();
      StreamingDecoder d = t.streamingDecoder();
      for (int id : ids) {
        streamed.append(d.push(id));
      }
      streamed.append(d.flush());
      assertThat(streamed.toString()).isEqualTo(text);
    }
  }

  @Test
  void charTokenizerMatchesNanoGptShakespeareChar(@TempDir Path dir) throws IOException {
    String data = Files.readString(SharedData.require("tinyshakespeare.txt"));
    CharTokenizer t = CharTokenizer.fromCorpus(data);
    assertThat(t.vocabSize()).isEqualTo(65);
    // from nanoGPT / "Let's build GPT": encode("hii there")
    assertThat(t.encode("hii there")).containsExactly(46, 47, 47, 1, 58, 46, 43, 56, 43);
    assertThat(t.decode(t.encode("hii there"))).isEqualTo("hii there");
    Path file = Tokenizers.save(t, dir);
    assertThat(file.getFileName().toString()).isEqualTo("tokenizer.json");
    Tokenizer back = Tokenizers.load(dir);
    assertThat(back).isInstanceOf(CharTokenizer.class).isEqualTo(t);
    assertThat(back.encode(data.substring(0, 5000))).isEqualTo(t.encode(data.substring(0, 5000)));
  }
}
