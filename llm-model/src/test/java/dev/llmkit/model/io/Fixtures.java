package dev.llmkit.model.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmkit.model.weights.ModelWeights;
import dev.llmkit.tensor.Tensor;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;

/** Paths of the committed fixtures and of the shared data, and comparisons used by the io tests. */
public final class Fixtures {

  private Fixtures() {}

  /** A folder under src/test/resources/fixtures. */
  public static Path fixture(String name) {
    try {
      return Path.of(Fixtures.class.getResource("/fixtures/" + name).toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * A file of the repository's {@code testdata/} folder, else of the shared data folder that the
   * {@code shared-data} profile reads ({@code ../../shared/data}, or {@code -Dllmkit.shared.data}); fails
   * when absent.
   */
  public static Path sharedData(String relative) {
    Path p = Path.of(System.getProperty("llmkit.test.data", "../testdata")).resolve(relative);
    String shared = System.getProperty("llmkit.shared.data", "../../shared/data");
    if (!Files.exists(p) && Files.exists(Path.of(shared).resolve(relative))) {
      return Path.of(shared).resolve(relative);
    }
    if (!Files.exists(p)) {
      throw new IllegalStateException("test data " + relative + " is neither in " + p.getParent()
          + " nor in the shared data folder (" + shared + "); run tagged tests with -Pshared-data");
    }
    return p;
  }

  /** A path of the shared data folder itself, for tests tagged {@code shared-data}. */
  public static Path sharedDataOnly(String relative) {
    String shared = System.getProperty("llmkit.shared.data", "../../shared/data");
    if (!Files.exists(Path.of(shared).resolve(relative))) {
      throw new IllegalStateException("shared data " + relative + " is absent (" + shared
          + "); tests tagged shared-data run with -Pshared-data -Dllmkit.shared.data=DIR");
    }
    return Path.of(shared).resolve(relative);
  }

  /**
   * Asserts every sampled canonical value of samples.json (written by scripts/gen_model_fixtures.py
   * from the weights it generated) equals the loaded weight exactly (F32) or within {@code relTol}.
   *
   * @return the number of values compared
   */
  public static int assertSamples(ModelWeights w, Path samplesJson, double relTol) throws IOException {
    JsonNode root = new ObjectMapper().readTree(samplesJson.toFile());
    Map<String, Tensor> named = w.named();
    int n = 0;
    for (Iterator<Map.Entry<String, JsonNode>> it = root.properties().iterator(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      Tensor t = named.get(e.getKey());
      if (t == null) {
        throw new AssertionError("loaded weights have no parameter " + e.getKey());
      }
      for (JsonNode pair : e.getValue()) {
        int i = pair.get(0).asInt();
        float expected = (float) pair.get(1).asDouble();
        float actual = t.getFlat(i);
        double tol = relTol * Math.abs(expected) + (relTol > 0 ? 1e-7 : 0);
        if (Math.abs(actual - expected) > tol) {
          throw new AssertionError(
              e.getKey() + "[" + i + "] = " + actual + ", script wrote " + expected);
        }
        n++;
      }
    }
    return n;
  }

  /** Asserts two weight sets have the same config and bitwise-equal parameters. */
  public static void assertSameWeights(ModelWeights a, ModelWeights b) {
    if (!a.config().equals(b.config())) {
      throw new AssertionError("configs differ:\n" + a.config() + "\n" + b.config());
    }
    assertClose(a, b, 0);
  }

  /** Asserts parameters equal within a relative tolerance plus 1e-7 (names and shapes exactly). */
  public static void assertClose(ModelWeights a, ModelWeights b, double relTol) {
    if (!a.named().keySet().equals(b.named().keySet())) {
      throw new AssertionError("names differ: " + a.named().keySet() + " vs " + b.named().keySet());
    }
    for (Map.Entry<String, Tensor> e : a.named().entrySet()) {
      Tensor x = e.getValue();
      Tensor y = b.named().get(e.getKey());
      if (!x.sameShape(y)) {
        throw new AssertionError(e.getKey() + ": " + x.shapeString() + " vs " + y.shapeString());
      }
      for (int i = 0; i < x.length(); i++) {
        float u = x.getFlat(i);
        float v = y.getFlat(i);
        boolean ok = relTol == 0
            ? Float.floatToIntBits(u) == Float.floatToIntBits(v)
            : Math.abs(u - v) <= relTol * Math.abs(u) + 1e-7;
        if (!ok) {
          throw new AssertionError(e.getKey() + "[" + i + "]: " + u + " vs " + v);
        }
      }
    }
  }
}
