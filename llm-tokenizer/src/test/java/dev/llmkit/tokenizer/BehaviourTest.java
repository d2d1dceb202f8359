package dev.llmkit.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Special tokens, streaming, bad input and concurrency, on the OpenAI encodings. */
class BehaviourTest {

  @Test
  void specialTokenTextIsOrdinaryUnlessAllowed() {
    Tokenizer t = Tokenizers.encoding("r50k_base");
    // tiktoken: enc.encode_ordinary("<|endoftext|>") for gpt2
    assertThat(t.encode("<|endoftext|>")).containsExactly(27, 91, 437, 1659, 5239, 91, 29);
    assertThat(t.encode("<|endoftext|>", Set.of("<|endoftext|>"))).containsExactly(50256);
    assertThat(t.encode("hello<|endoftext|>world", Set.of("<|endoftext|>")))
        .containsExactly(31373, 50256, 6894);
    assertThat(t.decode(new int[] {50256})).isEqualTo("<|endoftext|>");
    assertThat(t.eosId()).hasValue(50256);
    assertThatThrownBy(() -> t.encode("x", Set.of("<|fim_prefix|>")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("<|fim_prefix|>");
  }

  @Test
  void cl100kAndO200kSpecialTokenIds() {
    Tokenizer cl = Tokenizers.encoding("cl100k_base");
    assertThat(cl.specialTokens()).containsEntry("<|endoftext|>", 100257)
        .containsEntry("<|fim_prefix|>", 100258).containsEntry("<|fim_middle|>", 100259)
        .containsEntry("<|fim_suffix|>", 100260).containsEntry("<|endofprompt|>", 100276);
    assertThat(cl.vocabSize()).isEqualTo(100277);
    assertThat(cl.encode("<|fim_prefix|>x<|fim_suffix|>", cl.specialTokens().keySet()))
        .containsExactly(100258, 87, 100260);
    Tokenizer o = Tokenizers.encoding("o200k_base");
    assertThat(o.specialTokens()).containsEntry("<|endoftext|>", 199999)
        .containsEntry("<|endofprompt|>", 200018);
    assertThat(o.vocabSize()).isEqualTo(200019);
    assertThat(Tokenizers.encoding("p50k_base").vocabSize()).isEqualTo(50281);
  }

  @Test
  void streamingDecoderHoldsBackIncompleteCharacters() {
    Tokenizer t = Tokenizers.encoding("cl100k_base");
    StreamingDecoder d = t.streamingDecoder();
    assertThat(d.push(9468)).isEmpty();
    assertThat(d.push(239)).isEmpty();
    assertThat(d.push(235)).isEqualTo("👍");
    assertThat(d.flush()).isEmpty();
    // an incomplete character at the end comes out as U+FFFD on flush
    assertThat(d.push(9468)).isEmpty();
    assertThat(d.flush()).isEqualTo("\uFFFD");
    assertThatThrownBy(() -> d.push(-5)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("-5");
  }

  @ParameterizedTest
  @ValueSource(strings = {"r50k_base", "p50k_base", "cl100k_base", "o200k_base"})
  void streamingEqualsDecodeOnMultilingualText(String name) throws IOException {
    Tokenizer t = Tokenizers.encoding(name);
    for (LlamaCppCases.Case c :
        LlamaCppCases.read(SharedData.require("llamacpp-vocab/ggml-vocab-gpt-2.gguf.inp"))) {
      int[] ids = t.encode(c.text());
      assertThat(t.decode(ids)).isEqualTo(c.text());
      StreamingDecoder d = t.streamingDecoder();
      StringBuilder sb = new StringBuilder();
      for (int id : ids) {
        String piece = d.push(id);
        assertThat(piece).doesNotContain("\uFFFD");
        sb.append(piece);
      }
      sb.append(d.flush());
      assertThat(sb.toString()).isEqualTo(c.text());
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"r50k_base", "p50k_base", "cl100k_base", "o200k_base"})
  void badInput(String name) {
    Tokenizer t = Tokenizers.encoding(name);
    assertThat(t.encode("")).isEmpty();
    assertThat(t.encode("", Set.of("<|endoftext|>"))).isEmpty();
    // a lone surrogate is encoded as U+FFFD
    assertThat(t.encode("a\uD800b")).isEqualTo(t.encode("a\uFFFDb"));
    assertThat(t.encode("\uDC00")).isEqualTo(t.encode("\uFFFD"));
    assertThat(t.decode(t.encode("x\uD83D"))).isEqualTo("x\uFFFD");
    assertThatThrownBy(() -> t.decode(new int[] {1, t.vocabSize()}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("token id " + t.vocabSize());
    assertThatThrownBy(() -> t.decode(new int[] {-1}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("token id -1");
  }

  @Test
  void gapInTheVocabularyIsNotAnId() {
    // cl100k_base has no token 100256 (between the ranks and the special tokens)
    assertThatThrownBy(() -> Tokenizers.encoding("cl100k_base").decode(new int[] {100256}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("100256");
  }

  @Test
  void unknownEncodingNamesTheKnownOnes() {
    assertThatThrownBy(() -> Tokenizers.encoding("cl200k"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cl200k").hasMessageContaining("o200k_base");
  }

  @Test
  void oneInstanceIsSafeFromManyThreads() throws Exception {
    String text = java.nio.file.Files.readString(SharedData.require("minbpe/taylorswift.txt"));
    List<Tokenizer> toks = List.of(
        Tokenizers.encoding("cl100k_base"), Tokenizers.encoding("o200k_base"));
    List<String> slices = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      int from = i * text.length() / 16;
      slices.add(text.substring(from, Math.min(text.length(), from + 20_000)));
    }
    List<List<int[]>> expected = new ArrayList<>();
    for (Tokenizer t : toks) {
      List<int[]> e = new ArrayList<>();
      for (String s : slices) {
        e.add(t.encode(s));
      }
      expected.add(e);
    }
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<Boolean>> fs = new ArrayList<>();
      for (int rep = 0; rep < 4; rep++) {
        for (int ti = 0; ti < toks.size(); ti++) {
          for (int si = 0; si < slices.size(); si++) {
            int tIdx = ti;
            int sIdx = si;
            fs.add(pool.submit(() -> {
              int[] ids = toks.get(tIdx).encode(slices.get(sIdx));
              return java.util.Arrays.equals(ids, expected.get(tIdx).get(sIdx))
                  && toks.get(tIdx).decode(ids).equals(slices.get(sIdx));
            }));
          }
        }
      }
      for (Future<Boolean> f : fs) {
        assertThat(f.get()).isTrue();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void longPiecesAreNotQuadratic() {
    // 200k letters with no whitespace form one piece; the heap merge handles it
    StringBuilder sb = new StringBuilder();
    java.util.Random rnd = new java.util.Random(1);
    for (int i = 0; i < 200_000; i++) {
      sb.append((char) ('a' + rnd.nextInt(26)));
    }
    String s = sb.toString();
    for (String name : List.of("cl100k_base", "o200k_base", "r50k_base")) {
      Tokenizer t = Tokenizers.encoding(name);
      int[] ids = t.encode(s);
      assertThat(t.decode(ids)).isEqualTo(s);
      // the same as encoding it in two halves would not be; but every id is a real token
      assertThat(ids.length).isBetween(s.length() / 8, s.length());
    }
  }
}
