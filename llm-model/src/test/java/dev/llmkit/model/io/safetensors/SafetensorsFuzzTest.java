package dev.llmkit.model.io.safetensors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmkit.model.io.Mutants;
import dev.llmkit.tensor.Tensor;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded mutants of a safetensors file against an independent oracle of the format (the reference
 * reader's rules: UTF-8 JSON header starting with '{', known dtypes, byte sizes matching dtype and
 * shape, tensors tiling the data area exactly): every invalid mutant is rejected with a message
 * naming the file, every valid one loads.
 */
class SafetensorsFuzzTest {

  private static final Map<String, Integer> DTYPES = Map.ofEntries(
      Map.entry("F64", 8), Map.entry("F32", 4), Map.entry("F16", 2), Map.entry("BF16", 2),
      Map.entry("I64", 8), Map.entry("U64", 8), Map.entry("I32", 4), Map.entry("U32", 4),
      Map.entry("I16", 2), Map.entry("U16", 2), Map.entry("I8", 1), Map.entry("U8", 1),
      Map.entry("BOOL", 1), Map.entry("F8_E4M3", 1), Map.entry("F8_E5M2", 1));

  @TempDir Path tmp;

  @Test
  @Timeout(60)
  void mutantsAreRejectedExactlyWhenStructurallyInvalid() throws Exception {
    Map<String, Tensor> t = new LinkedHashMap<>();
    t.put("a.weight", Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3));
    t.put("b.bias", Tensor.of(new float[] {7, 8}, 2));
    t.put("c", Tensor.of(new float[] {9, 10, 11, 12}, 4));
    Path basePath = tmp.resolve("base.safetensors");
    SafetensorsWriter.write(basePath, t, Map.of("format", "pt"));
    byte[] base = Files.readAllBytes(basePath);
    int header = 8 + (int) ByteBuffer.wrap(base).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
    Mutants.run("safetensors", base, header, 3000, tmp, ".safetensors",
        SafetensorsFuzzTest::valid, f -> {
          try (SafetensorsFile sf = SafetensorsFile.open(f)) {
            for (SafetensorsFile.Entry e : sf.entries().values()) {
              if (e.elements() > 0 && (e.dtype().equals("F32") || e.dtype().equals("F16")
                  || e.dtype().equals("BF16"))) {
                sf.read(e.name(), Tensor.zeros(Math.toIntExact(e.elements())));
              }
            }
          }
        }).check();
  }

  /** The oracle, written from the format's description, independent of {@link SafetensorsFile}. */
  static boolean valid(byte[] b) {
    if (b.length < 8) {
      return false;
    }
    long n = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
    if (n < 2 || n > b.length - 8L) {
      return false;
    }
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder()
          .decode(ByteBuffer.wrap(b, 8, (int) n)).toString();
    } catch (CharacterCodingException e) {
      return false;
    }
    if (!text.startsWith("{")) {
      return false;
    }
    JsonNode root;
    try {
      root = new ObjectMapper()
          .enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .readTree(text);
    } catch (Exception e) {
      return false;
    }
    if (root == null || !root.isObject()) {
      return false;
    }
    long dataSize = b.length - 8 - n;
    List<long[]> spans = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      JsonNode v = e.getValue();
      if (e.getKey().equals("__metadata__")) {
        if (!v.isObject()) {
          return false;
        }
        for (JsonNode x : v) {
          if (!x.isTextual()) {
            return false;
          }
        }
        continue;
      }
      if (!v.isObject() || !v.path("dtype").isTextual() || !DTYPES.containsKey(v.get("dtype").asText())
          || !v.path("shape").isArray() || !v.path("data_offsets").isArray()
          || v.get("data_offsets").size() != 2) {
        return false;
      }
      BigInteger bytes = BigInteger.valueOf(DTYPES.get(v.get("dtype").asText()));
      for (JsonNode d : v.get("shape")) {
        if (!d.isIntegralNumber() || d.bigIntegerValue().signum() < 0) {
          return false;
        }
        bytes = bytes.multiply(d.bigIntegerValue());
      }
      JsonNode o0 = v.get("data_offsets").get(0);
      JsonNode o1 = v.get("data_offsets").get(1);
      if (!o0.isIntegralNumber() || !o1.isIntegralNumber()) {
        return false;
      }
      BigInteger begin = o0.bigIntegerValue();
      BigInteger end = o1.bigIntegerValue();
      if (begin.signum() < 0 || end.compareTo(begin) < 0
          || !end.subtract(begin).equals(bytes) || end.compareTo(BigInteger.valueOf(dataSize)) > 0) {
        return false;
      }
      spans.add(new long[] {begin.longValue(), end.longValue()});
    }
    spans.sort((x, y) -> x[0] != y[0] ? Long.compare(x[0], y[0]) : Long.compare(x[1], y[1]));
    long at = 0;
    for (long[] s : spans) {
      if (s[0] != at) {
        return false;
      }
      at = s[1];
    }
    return at == dataSize;
  }
}
