package dev.llmkit.training.finetune;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads fine-tuning data sets in JSON Lines: one JSON object per line, blank lines skipped.
 * Supervised examples have string fields {@code prompt} and {@code response}; preference examples
 * {@code prompt}, {@code chosen} and {@code rejected}. Other fields are ignored.
 */
public final class Jsonl {

  /** Strict: duplicate keys and anything after the object are errors; nesting is bounded. */
  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
      .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  static {
    JSON.getFactory().setStreamReadConstraints(
        com.fasterxml.jackson.core.StreamReadConstraints.builder().maxNestingDepth(100).build());
  }

  private Jsonl() {}

  /**
   * Reads prompt/response pairs.
   *
   * @throws IllegalArgumentException naming the file and line of a malformed record
   * @throws IOException when the file cannot be read
   */
  public static List<PromptResponse> readPromptResponses(Path file) throws IOException {
    List<PromptResponse> out = new ArrayList<>();
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    for (int i = 0; i < lines.size(); i++) {
      JsonNode n = parse(file, i + 1, lines.get(i));
      if (n != null) {
        try {
          out.add(new PromptResponse(field(file, i + 1, n, "prompt"), field(file, i + 1, n, "response")));
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(file + " line " + (i + 1) + ": " + e.getMessage(), e);
        }
      }
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException(file + " holds no prompt/response records");
    }
    return out;
  }

  /**
   * Reads (prompt, chosen, rejected) triples.
   *
   * @throws IllegalArgumentException naming the file and line of a malformed record
   * @throws IOException when the file cannot be read
   */
  public static List<PreferencePair> readPreferences(Path file) throws IOException {
    List<PreferencePair> out = new ArrayList<>();
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    for (int i = 0; i < lines.size(); i++) {
      JsonNode n = parse(file, i + 1, lines.get(i));
      if (n != null) {
        try {
          out.add(new PreferencePair(field(file, i + 1, n, "prompt"), field(file, i + 1, n, "chosen"),
              field(file, i + 1, n, "rejected")));
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(file + " line " + (i + 1) + ": " + e.getMessage(), e);
        }
      }
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException(file + " holds no prompt/chosen/rejected records");
    }
    return out;
  }

  /**
   * Appends (prompt, chosen, rejected) records to a JSONL file, one object per line, creating it when
   * missing: the format {@link #readPreferences} reads.
   *
   * @throws IOException when the file cannot be written
   */
  public static void appendPreferences(Path file, List<PreferencePair> pairs) throws IOException {
    StringBuilder sb = new StringBuilder();
    for (PreferencePair p : pairs) {
      com.fasterxml.jackson.databind.node.ObjectNode o = JSON.createObjectNode();
      o.put("prompt", p.prompt());
      o.put("chosen", p.chosen());
      o.put("rejected", p.rejected());
      sb.append(JSON.writeValueAsString(o)).append('\n');
    }
    Files.writeString(file, sb.toString(), StandardCharsets.UTF_8,
        java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
  }

  private static JsonNode parse(Path file, int line, String text) {
    if (text.isBlank()) {
      return null;
    }
    try {
      JsonNode n = JSON.readTree(text);
      if (!n.isObject()) {
        throw new IllegalArgumentException(file + " line " + line + ": expected a JSON object, found "
            + n.getNodeType());
      }
      return n;
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(dev.llmkit.tokenizer.UntrustedText.message(
          file + " line " + line + ": not valid JSON: " + e.getOriginalMessage()), e);
    }
  }

  private static String field(Path file, int line, JsonNode n, String name) {
    JsonNode v = n.get(name);
    if (v == null || !v.isTextual()) {
      // the caller names the file and line
      throw new IllegalArgumentException("expected a string field \"" + name + "\"");
    }
    return v.asText();
  }
}
