package dev.llmkit.model.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmkit.model.LanguageModel;
import dev.llmkit.model.io.Checkpoints;
import dev.llmkit.model.nn.Transformer;
import dev.llmkit.tensor.DecodeMatrices;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Beam search against an independent reference: scripts/gen_beam_fixtures.py runs Hugging Face's
 * beam-search rules (reimplemented in torch) over the plain-torch forwards of the tiny checkpoints;
 * ids must be equal, scores within 1e-4. Each case runs on the Transformer's batched session and on
 * the generic batch session.
 */
class BeamSearchTest {

  static final Map<String, Transformer> MODELS = new HashMap<>();

  static Transformer model(String fixture) throws Exception {
    Transformer m = MODELS.get(fixture);
    if (m == null) {
      Path dir = Path.of(BeamSearchTest.class.getResource("/fixtures/" + fixture).toURI());
      m = new Transformer(Checkpoints.load(dir).weights(), DecodeMatrices.HEAP_COPY);
      MODELS.put(fixture, m);
    }
    return m;
  }

  static Stream<Arguments> cases() throws Exception {
    JsonNode all = new ObjectMapper().readTree(
        BeamSearchTest.class.getResourceAsStream("/fixtures/beam-search.json"));
    Stream.Builder<Arguments> out = Stream.builder();
    int i = 0;
    for (JsonNode c : all) {
      out.add(Arguments.of(i, c, false));
      out.add(Arguments.of(i, c, true));
      i++;
    }
    return out.build();
  }

  static int[] ints(JsonNode a) {
    int[] out = new int[a.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = a.get(i).asInt();
    }
    return out;
  }

  @ParameterizedTest(name = "case {0}, generic session {2}")
  @MethodSource("cases")
  void idsAndScoresEqualTheReference(int index, JsonNode c, boolean generic) throws Exception {
    Transformer t = model(c.get("fixture").asText());
    LanguageModel m = generic ? dev.llmkit.model.nn.BatchSessionTest.plain(t) : t;
    Set<Integer> eos = new HashSet<>();
    for (int e : ints(c.get("eos"))) {
      eos.add(e);
    }
    BeamSearchOptions o = new BeamSearchOptions(c.get("num_beams").asInt(),
        c.get("length_penalty").asDouble(),
        BeamSearchOptions.EarlyStopping.valueOf(c.get("early_stopping").asText()),
        c.get("no_repeat_ngram_size").asInt(), c.get("num_return_sequences").asInt(),
        c.get("max_new_tokens").asInt(), eos);
    List<BeamHypothesis> got = new BeamSearch(m).search(ints(c.get("prompt")), o);
    JsonNode expected = c.get("expected");
    assertThat(got).hasSize(expected.size());
    for (int i = 0; i < got.size(); i++) {
      assertThat(got.get(i).tokens()).as("case %d hypothesis %d", index, i)
          .containsExactly(ints(expected.get(i).get("tokens")));
      assertThat(got.get(i).score()).isCloseTo(expected.get(i).get("score").asDouble(), within(1e-4));
    }
  }

  @Test
  void badSettingsAreClearErrors() throws Exception {
    assertThatThrownBy(() -> BeamSearchOptions.of(0, 5)).hasMessage("num_beams must be >= 1, got 0");
    assertThatThrownBy(() -> BeamSearchOptions.of(2, 5).withNumReturnSequences(3))
        .hasMessageContaining("num_return_sequences must be in [1, num_beams = 2]");
    assertThatThrownBy(() -> BeamSearchOptions.of(2, 0)).hasMessageContaining("max_new_tokens");
    assertThatThrownBy(() -> BeamSearchOptions.of(2, 5).withNoRepeatNgramSize(-1))
        .hasMessageContaining("no_repeat_ngram_size");
    BeamSearch bs = new BeamSearch(model("gpt2-tiny"));
    assertThatThrownBy(() -> bs.search(new int[0], BeamSearchOptions.of(2, 5)))
        .hasMessageContaining("non-empty prompt");
    assertThatThrownBy(() -> bs.search(new int[32], BeamSearchOptions.of(2, 5)))
        .hasMessageContaining("no room");
  }
}
