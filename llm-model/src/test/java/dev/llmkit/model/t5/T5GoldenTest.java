package dev.llmkit.model.t5;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmkit.model.InferenceSession;
import dev.llmkit.model.io.Fixtures;
import dev.llmkit.model.nn.RelativePositionBias;
import dev.llmkit.tensor.Tensor;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * T5 against the plain-torch reference of scripts/gen_t5_fixtures.py (after Hugging Face's
 * modeling_t5.py) on two random checkpoints: relu + tied head (3 encoder, 2 decoder layers) and
 * gated-gelu + untied head with num_heads·d_kv ≠ d_model (2 encoder, 3 decoder layers). Encoder
 * hidden states and decoder logits within 1e-4 relative to the largest magnitude, prefill and
 * token-by-token decoding alike; attention weights of the three kinds; greedy ids equal; buckets.
 */
class T5GoldenTest {

  static final String[] FIXTURES = {"t5-relu-tied", "t5-gated-untied"};

  static JsonNode golden(String name) throws Exception {
    return new ObjectMapper().readTree(Fixtures.fixture(name).resolve("golden.json").toFile());
  }

  static int[] ints(JsonNode a) {
    int[] out = new int[a.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = a.get(i).asInt();
    }
    return out;
  }

  /** Flattened nested arrays of numbers. */
  static double[] flat(JsonNode a) {
    java.util.List<Double> out = new java.util.ArrayList<>();
    flatten(a, out);
    return out.stream().mapToDouble(Double::doubleValue).toArray();
  }

  private static void flatten(JsonNode a, java.util.List<Double> out) {
    if (a.isArray()) {
      a.forEach(e -> flatten(e, out));
    } else {
      out.add(a.asDouble());
    }
  }

  /** max |a - b| / max |b|. */
  static double relativeError(float[] actual, double[] expected) {
    assertThat(actual).hasSize(expected.length);
    double maxAbs = 0;
    double maxDiff = 0;
    for (int i = 0; i < expected.length; i++) {
      maxAbs = Math.max(maxAbs, Math.abs(expected[i]));
      maxDiff = Math.max(maxDiff, Math.abs(actual[i] - expected[i]));
    }
    return maxDiff / maxAbs;
  }

  @ParameterizedTest
  @ValueSource(strings = {"t5-relu-tied", "t5-gated-untied"})
  void encoderHiddenStatesAndDecoderLogitsMatchTheReference(String name) throws Exception {
    JsonNode g = golden(name);
    T5Model model = T5Model.load(Fixtures.fixture(name));
    int[] enc = ints(g.get("encoder_ids"));
    int[] dec = ints(g.get("decoder_ids"));
    Tensor hidden = model.encode(enc);
    assertThat(hidden.shape()).containsExactly(enc.length, model.config().dModel());
    assertThat(relativeError(hidden.toArray(), flat(g.get("encoder_hidden"))))
        .as("%s encoder hidden states", name).isLessThanOrEqualTo(1e-4);
    double[] logits = flat(g.get("logits"));
    int v = model.config().vocabSize();
    Tensor prefill = model.logits(enc, dec);
    assertThat(relativeError(prefill.toArray(), logits)).as("%s prefill logits", name)
        .isLessThanOrEqualTo(1e-4);
    // token by token through the KV cache, the cross K/V computed once
    T5Decoder decoder = model.conditionedOn(enc);
    try (InferenceSession s = decoder.newSession()) {
      for (int t = 0; t < dec.length; t++) {
        float[] row = s.forward(dec, t, 1);
        assertThat(relativeError(row, Arrays.copyOfRange(logits, t * v, (t + 1) * v)))
            .as("%s decode position %d", name, t).isLessThanOrEqualTo(1e-4);
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"t5-relu-tied", "t5-gated-untied"})
  void attentionWeightsOfAllThreeKindsMatchTheReference(String name) throws Exception {
    JsonNode g = golden(name);
    T5Model model = T5Model.load(Fixtures.fixture(name));
    T5Model.Attentions a = model.attentions(ints(g.get("encoder_ids")), ints(g.get("decoder_ids")));
    assertThat(a.encoderSelf()).hasSize(model.config().numLayers());
    assertThat(a.decoderSelf()).hasSize(model.config().numDecoderLayers());
    assertThat(a.cross()).hasSize(model.config().numDecoderLayers());
    assertThat(relativeError(a.encoderSelf()[0].toArray(), flat(g.get("encoder_attention0"))))
        .isLessThanOrEqualTo(1e-4);
    assertThat(relativeError(a.decoderSelf()[0].toArray(), flat(g.get("decoder_attention0"))))
        .isLessThanOrEqualTo(1e-4);
    assertThat(relativeError(a.cross()[0].toArray(), flat(g.get("cross_attention0"))))
        .isLessThanOrEqualTo(1e-4);
  }

  @ParameterizedTest
  @ValueSource(strings = {"t5-relu-tied", "t5-gated-untied"})
  void greedyOutputIdsEqualTheReference(String name) throws Exception {
    JsonNode g = golden(name);
    T5Model model = T5Model.load(Fixtures.fixture(name));
    int[] expected = ints(g.get("greedy"));
    T5Decoder decoder = model.conditionedOn(ints(g.get("encoder_ids")));
    int[] out = new int[expected.length];
    try (InferenceSession s = decoder.newSession()) {
      float[] logits = s.forward(decoder.startIds());
      for (int i = 0; i < out.length; i++) {
        out[i] = argmax(logits);
        if (out[i] == model.config().eosTokenId()) {
          out = Arrays.copyOf(out, i + 1);
          break;
        }
        logits = s.forward(out, i, 1);
      }
    }
    assertThat(out).containsExactly(expected);
  }

  @ParameterizedTest
  @ValueSource(strings = {"t5-relu-tied", "t5-gated-untied"})
  void bucketsEqualModelingT5sOverMinus300To300(String name) throws Exception {
    JsonNode g = golden(name);
    T5Config c = T5Config.read(Fixtures.fixture(name).resolve("config.json"));
    int from = g.get("buckets_from").asInt();
    int[] bi = ints(g.get("buckets_bidirectional"));
    int[] causal = ints(g.get("buckets_causal"));
    for (int i = 0; i < bi.length; i++) {
      int rel = from + i;
      assertThat(RelativePositionBias.bucket(rel, true, c.numBuckets(), c.maxDistance()))
          .as("bidirectional bucket of %d", rel).isEqualTo(bi[i]);
      assertThat(RelativePositionBias.bucket(rel, false, c.numBuckets(), c.maxDistance()))
          .as("causal bucket of %d", rel).isEqualTo(causal[i]);
    }
  }

  static int argmax(float[] x) {
    int best = 0;
    for (int i = 1; i < x.length; i++) {
      if (x[i] > x[best]) {
        best = i;
      }
    }
    return best;
  }
}
