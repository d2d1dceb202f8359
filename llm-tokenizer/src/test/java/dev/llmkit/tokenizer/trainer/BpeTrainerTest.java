package dev.llmkit.tokenizer.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmkit.tokenizer.SharedData;
import dev.llmkit.tokenizer.Tokenizer;
import dev.llmkit.tokenizer.Tokenizers;
import dev.llmkit.tokenizer.bpe.BytePairTokenizer;
import dev.llmkit.tokenizer.pretokenize.Cl100kPreTokenizer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BpeTrainerTest {

  @Test
  void wikipediaExampleWithThreeMerges(@TempDir Path dir) throws IOException {
    // Wikipedia's BPE example, as in minbpe's tests: aa -> 256, (256, a) -> 257, (257, b) -> 258
    List<String> merges = new ArrayList<>();
    BytePairTokenizer t = BpeTrainer.train("aaabdaaabac", 3, Cl100kPreTokenizer.INSTANCE,
        List.of(), (k, n, l, r, count) -> merges.add(
            new String(l, StandardCharsets.UTF_8) + "+" + new String(r, StandardCharsets.UTF_8)
                + "x" + count));
    assertThat(merges).containsExactly("a+ax4", "aa+ax2", "aaa+bx2");
    assertThat(t.vocabSize()).isEqualTo(259);
    assertThat(t.encode("aaabdaaabac")).containsExactly(258, 100, 258, 97, 99);
    assertThat(t.decode(new int[] {258, 100, 258, 97, 99})).isEqualTo("aaabdaaabac");

    // saved in tiktoken form and as tokenizer.json, it encodes the same
    Path ranks = dir.resolve("tiny.tiktoken");
    BpeTrainer.writeTiktoken(t, ranks);
    assertThat(Files.readAllLines(ranks)).hasSize(259).contains("YWFh 257", "YWFhYg== 258");
    assertThat(Tokenizers.load(ranks).encode("aaabdaaabac")).containsExactly(258, 100, 258, 97, 99);
    Tokenizers.save(t, dir);
    assertThat(Tokenizers.load(dir).encode("aaabdaaabac")).containsExactly(258, 100, 258, 97, 99);
  }

  @Test
  void taylorSwift256MergesRoundTrip(@TempDir Path dir) throws IOException {
    String text = Files.readString(SharedData.require("minbpe/taylorswift.txt"));
    BytePairTokenizer t = BpeTrainer.train(text, 256, Cl100kPreTokenizer.INSTANCE,
        List.of("<|endoftext|>"), null);
    assertThat(t.vocabSize()).isEqualTo(256 + 256 + 1);
    assertThat(t.specialTokens()).containsEntry("<|endoftext|>", 512);
    int[] ids = t.encode(text);
    int bytes = text.getBytes(StandardCharsets.UTF_8).length;
    assertThat(ids.length).isLessThan(bytes * 6 / 10); // 256 merges compress English prose
    assertThat(t.decode(ids)).isEqualTo(text);

    Tokenizers.save(t, dir);
    Tokenizer back = Tokenizers.load(dir);
    assertThat(back.encode(text)).isEqualTo(ids);
    Path ranks = dir.resolve("ts.tiktoken");
    BpeTrainer.writeTiktoken(t, ranks);
    Tokenizer fromRanks = Tokenizers.load(ranks);
    assertThat(fromRanks.decode(fromRanks.encode(text))).isEqualTo(text);
  }

  @Test
  void rejectsNegativeMerges() {
    assertThatThrownBy(() -> BpeTrainer.train("abc", -1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("numMerges");
  }
}
