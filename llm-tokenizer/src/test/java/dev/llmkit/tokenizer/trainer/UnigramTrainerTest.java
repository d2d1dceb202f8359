package dev.llmkit.tokenizer.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmkit.tokenizer.sentencepiece.SentencePieceModelTokenizer;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class UnigramTrainerTest {

  /** English lines of the SentencePiece fixtures (Shakespeare and Wikipedia), about 20 kB. */
  static List<String> lines() throws Exception {
    try (InputStream in = UnigramTrainerTest.class.getResourceAsStream("/sentencepiece/cases.json")) {
      JsonNode texts = new ObjectMapper().readTree(in).get("texts");
      List<String> out = new ArrayList<>();
      for (JsonNode t : texts) {
        String s = t.asText();
        if (s.length() > 20 && s.chars().allMatch(c -> c >= 32 && c < 127)) {
          out.add(s.strip().replaceAll(" +", " "));
        }
      }
      return out;
    }
  }

  @Test
  void likelihoodImprovesVocabSizeIsReachedAndTextRoundTrips() throws Exception {
    List<String> lines = lines();
    assertThat(lines.size()).isGreaterThan(100);
    String corpus = String.join("\n", lines);
    List<double[]> rounds = new ArrayList<>();
    SentencePieceModelTokenizer t = UnigramTrainer.train(
        corpus, new UnigramTrainer.Options(450, 12, 2000, 0.75, 2, true),
        (n, ll) -> rounds.add(new double[] {n, ll}));
    assertThat(t.vocabSize()).isEqualTo(450);
    // within each run of EM rounds on the same pieces the corpus likelihood never drops, and the
    // first rounds raise it
    assertThat(rounds.size()).isGreaterThan(3);
    for (int i = 1; i < rounds.size(); i++) {
      if (rounds.get(i)[0] == rounds.get(i - 1)[0]) {
        assertThat(rounds.get(i)[1]).isGreaterThanOrEqualTo(rounds.get(i - 1)[1] - 1e-6);
      }
    }
    assertThat(rounds.get(1)[1]).isGreaterThan(rounds.get(0)[1]);
    int chars = 0;
    int tokens = 0;
    for (String line : lines) {
      int[] ids = t.encode(line);
      assertThat(t.decode(ids)).isEqualTo(line);
      chars += line.length();
      tokens += ids.length;
    }
    // the pieces are words and word parts, not characters
    assertThat((double) tokens / chars).isLessThan(0.6);
    // unseen text round-trips through byte fallback
    assertThat(t.decode(t.encode("naïve 日本 😀"))).isEqualTo("naïve 日本 😀");
  }

  @Test
  void scoresAreLogProbabilitiesInDescendingOrder() throws Exception {
    SentencePieceModelTokenizer t = UnigramTrainer.train(String.join(" ", lines()), new UnigramTrainer.Options(200, 12, 2000, 0.75, 2, false), (n, ll) -> {});
    assertThat(t.vocabSize()).isEqualTo(200);
    double mass = 0;
    for (int id = 3; id < t.vocabSize(); id++) {
      assertThat(t.model().score(id)).isLessThan(0f);
      if (id > 3) {
        assertThat(t.model().score(id)).isLessThanOrEqualTo(t.model().score(id - 1));
      }
      mass += Math.exp(t.model().score(id));
    }
    assertThat(mass).isBetween(0.99, 1.01);
  }

  @Test
  void badSettingsAreNamed() {
    assertThatThrownBy(() -> UnigramTrainer.train("abc", 2)).hasMessageContaining("vocabSize is 2");
    assertThatThrownBy(() -> UnigramTrainer.train("   ", 100)).hasMessageContaining("corpus");
    assertThatThrownBy(() -> UnigramTrainer.train("abcdefghijklmnop", 8))
        .hasMessageContaining("distinct characters");
    assertThatThrownBy(() -> new UnigramTrainer.Options(100, 16, 100, 1.5, 2, false))
        .hasMessageContaining("shrinkingFactor");
  }
}
