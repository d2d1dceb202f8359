package dev.llmkit.model.bert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmkit.model.io.Fixtures;
import dev.llmkit.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The encoder against scripts/gen_bert_fixtures.py, a plain-torch reference following
 * transformers' modeling_bert.py, on random checkpoints of two shapes run as a padded batch of
 * sequences of different lengths: last hidden states, attention probabilities of layer 0, pooled
 * output, MLM logits and classifier logits of every valid position within 1e-4 relative to the
 * largest magnitude.
 */
class BertGoldenTest {

  static final double TOL = 1e-4;

  static JsonNode golden(String name) throws IOException {
    return new ObjectMapper().readTree(Fixtures.fixture(name).resolve("golden.json").toFile());
  }

  /** The valid (unpadded) ids or type ids of each sequence of a golden batch. */
  static int[][] unpadded(JsonNode g, String field) {
    JsonNode lengths = g.get("lengths");
    int[][] out = new int[lengths.size()][];
    for (int b = 0; b < out.length; b++) {
      out[b] = new int[lengths.get(b).asInt()];
      for (int t = 0; t < out[b].length; t++) {
        out[b][t] = g.get(field).get(b).get(t).asInt();
      }
    }
    return out;
  }

  static void assertClose(String what, JsonNode expected, Tensor actual) {
    float[] a = actual.toArray();
    double[] e = new double[a.length];
    int[] i = {0};
    flatten(expected, e, i);
    assertEquals(a.length, i[0], what + ": element count");
    double max = 0;
    double err = 0;
    for (int j = 0; j < a.length; j++) {
      max = Math.max(max, Math.abs(e[j]));
      err = Math.max(err, Math.abs(e[j] - a[j]));
    }
    assertTrue(max > 0, what + ": reference is all zero");
    assertTrue(err <= TOL * max, what + ": max error " + err + " > " + TOL + " * " + max);
  }

  private static void flatten(JsonNode n, double[] out, int[] i) {
    if (n.isArray()) {
      for (JsonNode c : n) {
        flatten(c, out, i);
      }
    } else {
      out[i[0]++] = n.asDouble();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"bert-mlm-tiny", "bert-cls-tiny", "bert-base-tiny"})
  void matchesTheTorchReference(String name) throws IOException {
    Path dir = Fixtures.fixture(name);
    BertModel model = new BertModel(BertCheckpoint.load(dir).weights());
    JsonNode g = golden(name);
    int[][] ids = unpadded(g, "ids");
    int[][] types = unpadded(g, "type_ids");
    BertOutput out = model.encode(ids, types, true);
    for (int b = 0; b < ids.length; b++) {
      assertClose(name + " hidden of sequence " + b, g.get("hidden").get(b), out.hidden(b));
      assertClose(name + " layer-0 attention of sequence " + b, g.get("probs0").get(b),
          out.attention(0, b));
    }
    assertClose(name + " pooled", g.get("pooled"), model.pooled(out.cls()));
    if (g.has("mlm_logits")) {
      for (int b = 0; b < ids.length; b++) {
        assertClose(name + " MLM logits of sequence " + b, g.get("mlm_logits").get(b),
            model.mlmLogits(out.hidden(b)));
      }
    } else {
      assertTrue(!model.hasMlmHead());
    }
    if (g.has("class_logits")) {
      assertClose(name + " classifier logits", g.get("class_logits"),
          model.classLogits(model.pooled(out.cls())));
      assertEquals(List.of("negative", "neutral", "positive"), model.config().labels());
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"bert-mlm-tiny", "bert-cls-tiny"})
  void eachSequenceAloneEqualsItsPartOfTheBatch(String name) throws IOException {
    BertModel model = new BertModel(BertCheckpoint.load(Fixtures.fixture(name)).weights());
    JsonNode g = golden(name);
    int[][] ids = unpadded(g, "ids");
    int[][] types = unpadded(g, "type_ids");
    BertOutput batch = model.encode(ids, types, false);
    for (int b = 0; b < ids.length; b++) {
      BertOutput alone = model.encode(new int[][] {ids[b]}, new int[][] {types[b]}, false);
      float[] x = alone.hidden(0).toArray();
      float[] y = batch.hidden(b).toArray();
      for (int j = 0; j < x.length; j++) {
        assertEquals(x[j], y[j], 1e-5f, "sequence " + b + " element " + j);
      }
    }
  }
}
