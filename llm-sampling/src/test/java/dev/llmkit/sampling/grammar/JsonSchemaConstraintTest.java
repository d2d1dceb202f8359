package dev.llmkit.sampling.grammar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.llmkit.sampling.Sampler;
import dev.llmkit.sampling.SamplingContext;
import dev.llmkit.sampling.Samplers;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Schema-constrained generation from a random logits source: every output parses as JSON (Jackson)
 * and validates against the schema (networknt's validator, an implementation independent of the
 * converter).
 */
class JsonSchemaConstraintTest {

  static final ObjectMapper JSON = new ObjectMapper();

  static final String SCHEMA = """
      {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "person",
        "type": "object",
        "properties": {
          "name": {"type": "string", "maxLength": 12},
          "age": {"type": "integer"},
          "height": {"type": "number"},
          "tags": {"type": "array", "items": {"type": "string", "minLength": 1, "maxLength": 6}, "maxItems": 3},
          "role": {"enum": ["admin", "user", "say \\"hi\\"", 7, null]},
          "active": {"type": "boolean"},
          "pet": {"type": ["object", "null"], "properties": {"kind": {"const": "cat"}, "legs": {"type": "integer"}},
                  "required": ["kind"]},
          "note": {"type": "null"}
        },
        "required": ["name", "age", "role"]
      }
      """;

  /**
   * A small vocabulary of JSON-ish pieces: every printable ASCII character, multi-character pieces
   * that cross JSON syntax, non-ASCII characters whole and as separate UTF-8 bytes, and a special
   * token that must never be chosen.
   */
  static byte[][] vocabulary() {
    Set<String> pieces = new LinkedHashSet<>();
    for (char c = 32; c < 127; c++) {
      pieces.add(String.valueOf(c));
    }
    pieces.addAll(List.of("{\"", "\":", "\": ", "\",", "\", \"", "\"}", "}", "},", "[\"", "\"]", "],",
        "name", "age", "height", "tags", "role", "active", "pet", "kind", "legs", "note", "cat",
        "admin", "user", "true", "false", "null", "12", "-3", "0.", "e+", "E-", "\\n", "\\\"", "\\u00",
        " \"", ", ", "hello", " world", "é", "日本", "\n", "\t", "say", "hi"));
    List<byte[]> out = new ArrayList<>();
    for (String p : pieces) {
      out.add(p.getBytes(StandardCharsets.UTF_8));
    }
    out.add(new byte[] {(byte) 0xC3}); // the two bytes of é as byte-fallback tokens
    out.add(new byte[] {(byte) 0xA9});
    out.add(null); // a special token (e.g. <|im_start|>)
    out.add(null); // EOS
    return out.toArray(byte[][]::new);
  }

  @Test
  void thousandRandomGenerationsAllParseAndValidate() throws Exception {
    Map<?, ?> schema = JSON.readValue(SCHEMA, Map.class);
    byte[][] vocab = vocabulary();
    int eos = vocab.length - 1;
    GrammarConstraint constraint = new GrammarConstraint(JsonSchemaGrammar.toGrammar(schema), vocab, eos);
    Sampler sampler = Samplers.chain(Samplers.random(), constraint);
    JsonSchema validator = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(SCHEMA);
    Random logitsSource = new Random(2024);
    float[] logits = new float[vocab.length];
    int totalTokens = 0;
    Set<String> rolesSeen = new LinkedHashSet<>();
    for (int g = 0; g < 1000; g++) {
      SamplingContext context = new SamplingContext(g, 1, 2, 3); // a "prompt" of three tokens
      java.io.ByteArrayOutputStream text = new java.io.ByteArrayOutputStream();
      boolean ended = false;
      for (int step = 0; step < 5000 && !ended; step++) {
        for (int i = 0; i < logits.length; i++) {
          logits[i] = (float) (2 * logitsSource.nextGaussian());
        }
        logits[eos] += 4; // a model that likes to stop once it may
        int token = sampler.sample(logits, context);
        context.accept(token);
        totalTokens++;
        if (token == eos) {
          ended = true;
        } else {
          assertThat(vocab[token]).as("token %d", token).isNotNull();
          text.write(vocab[token]);
        }
      }
      assertThat(ended).as("generation %d ended with EOS", g).isTrue();
      assertThat(constraint.isComplete(context)).isTrue();
      String json = text.toString(StandardCharsets.UTF_8);
      JsonNode node = JSON.readTree(json);
      Set<ValidationMessage> errors = validator.validate(node);
      assertThat(errors).as("generation %d: %s", g, json).isEmpty();
      assertThat(json.getBytes(StandardCharsets.UTF_8)).isEqualTo(text.toByteArray()); // valid UTF-8
      rolesSeen.add(node.get("role").toString());
    }
    assertThat(rolesSeen).containsExactlyInAnyOrder("\"admin\"", "\"user\"", "\"say \\\"hi\\\"\"", "7", "null");
    assertThat(totalTokens).isGreaterThan(10_000);
  }

  @Test
  void unsupportedSchemaFeaturesAreNamed() {
    assertThatThrownBy(() -> JsonSchemaGrammar.toGbnf(Map.of("type", "string", "pattern", "^a+$")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("keyword 'pattern' at #").hasMessageContaining("not supported");
    assertThatThrownBy(() -> JsonSchemaGrammar.toGbnf(
            Map.of("type", "object", "properties", Map.of("a", Map.of("$ref", "#/defs/x")))))
        .hasMessageContaining("'$ref' at #/properties/a");
    assertThatThrownBy(() -> JsonSchemaGrammar.toGbnf(Map.of("type", "date")))
        .hasMessageContaining("type 'date' at #");
    assertThatThrownBy(() -> JsonSchemaGrammar.toGbnf(Map.of("type", "object", "additionalProperties", true)))
        .hasMessageContaining("'additionalProperties'");
    assertThatThrownBy(() -> JsonSchemaGrammar.toGbnf(Map.of("type", "object", "properties", Map.of(),
            "required", List.of("x"))))
        .hasMessageContaining("names 'x'");
  }

  @Test
  void optionalPropertiesInOrderWithCommasRight() {
    Grammar g = JsonSchemaGrammar.toGrammar(Map.of("type", "object", "properties",
        new java.util.LinkedHashMap<>(Map.of("a", Map.of("type", "integer"))) {{
          put("b", Map.of("type", "boolean"));
          put("c", Map.of("type", "null"));
        }}));
    assertThat(GrammarTest.accepts(g, "{}")).isTrue();
    assertThat(GrammarTest.accepts(g, "{\"b\": true}")).isTrue();
    assertThat(GrammarTest.accepts(g, "{\"a\": 1, \"c\": null}")).isTrue();
    assertThat(GrammarTest.accepts(g, "{\"a\":1,\"b\":false,\"c\":null}")).isTrue();
    assertThat(GrammarTest.accepts(g, "{,\"b\": true}")).isFalse();
    assertThat(GrammarTest.accepts(g, "{\"b\": true,}")).isFalse();
    assertThat(GrammarTest.accepts(g, "{\"c\": null, \"a\": 1}")).isFalse(); // schema order
    assertThat(GrammarTest.accepts(g, "{\"d\": 1}")).isFalse();
    assertThat(GrammarTest.accepts(g, "{\"a\": 01}")).isFalse();
  }

  @Test
  void theConstraintRejectsAForcedTokenAndMasksSpecialTokens() {
    byte[][] vocab = {"{".getBytes(), "}".getBytes(), "x".getBytes(), null};
    GrammarConstraint c = new GrammarConstraint(Grammar.parse("root ::= \"{\" \"}\""), vocab, 3);
    SamplingContext ctx = new SamplingContext(1);
    float[] logits = {0, 0, 0, 0};
    c.process(logits, ctx);
    assertThat(logits).containsExactly(0f, Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY);
    ctx.accept(0);
    logits = new float[] {0, 1, 2, 3};
    c.process(logits, ctx);
    assertThat(logits).containsExactly(Float.NEGATIVE_INFINITY, 1f, Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY);
    ctx.accept(1);
    logits = new float[] {0, 1, 2, 3};
    c.process(logits, ctx);
    assertThat(logits).containsExactly(Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY, 3f);
    ctx.accept(2);
    assertThatThrownBy(() -> c.process(new float[4], ctx))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("token 2 ('x')");
  }
}
