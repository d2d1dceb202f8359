package dev.llmkit.model.nn;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmkit.model.InferenceSession;
import dev.llmkit.model.io.Checkpoints;
import dev.llmkit.model.io.LoadedModel;
import dev.llmkit.tensor.Tensor;
import java.net.URISyntaxException;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Logits of the formats engineer's tiny Hugging Face checkpoints against the golden logits an
 * independent torch implementation wrote (scripts/gen_model_fixtures.py): relative error ≤ 1e-4,
 * for a prefill of the whole sequence and for token-by-token decoding.
 */
class GoldenLogitsTest {

  static Path fixture(String name) throws URISyntaxException {
    return Path.of(GoldenLogitsTest.class.getResource("/fixtures/" + name).toURI());
  }

  @ParameterizedTest
  @ValueSource(strings = {"gpt2-tiny", "gpt2-tiny-sharded", "llama-gqa-tiny"})
  void logitsOfEveryPositionMatchTheReference(String name) throws Exception {
    String goldenDir = name.equals("gpt2-tiny-sharded") ? "gpt2-tiny" : name;
    JsonNode golden = new ObjectMapper().readTree(fixture(goldenDir).resolve("logits.json").toFile());
    int[] ids = new int[golden.get("ids").size()];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = golden.get("ids").get(i).asInt();
    }
    LoadedModel loaded = Checkpoints.load(fixture(name));
    Transformer model = new Transformer(loaded.weights());
    Tensor prefill = model.newSession().forwardAll(ids, 0, ids.length);
    try (InferenceSession decode = model.newSession()) {
      for (int t = 0; t < ids.length; t++) {
        JsonNode row = golden.get("logits").get(t);
        double[] expected = new double[row.size()];
        for (int j = 0; j < expected.length; j++) {
          expected[j] = row.get(j).asDouble();
        }
        assertThat(expected).hasSize(model.vocabSize());
        assertThat(TransformerTest.relativeError(prefill.row(t).toArray(), expected))
            .as("%s prefill position %d", name, t).isLessThanOrEqualTo(1e-4);
        assertThat(TransformerTest.relativeError(decode.forward(ids, t, 1), expected))
            .as("%s decode position %d", name, t).isLessThanOrEqualTo(1e-4);
      }
    }
  }
}
