package dev.llmkit.tokenizer.hf;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmkit.tokenizer.TokenizerFormatException;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Reads the JSON files of a Hugging Face tokenizer strictly: duplicate keys and trailing content
 * are errors, nesting is bounded, and every parse error names the file, line and column (Jackson's
 * nesting-limit error has no location; it is reported without one instead of failing on it).
 */
final class JsonFiles {

  /** Deepest nesting accepted; real tokenizer files nest fewer than 10 levels. */
  static final int MAX_DEPTH = 200;

  private static final ObjectMapper STRICT = new ObjectMapper()
      .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  static {
    STRICT.getFactory().setStreamReadConstraints(
        StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build());
  }

  private JsonFiles() {}

  /**
   * The root of a JSON file, which must be an object.
   *
   * @throws TokenizerFormatException naming the file, line and column of a syntax error
   */
  static JsonNode readObject(Path file) throws IOException {
    JsonNode root;
    try {
      root = STRICT.readTree(file.toFile());
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      String where = at == null ? "" : " line " + at.getLineNr() + " column " + at.getColumnNr();
      throw new TokenizerFormatException(
          file + where + ": malformed JSON: " + e.getOriginalMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new TokenizerFormatException(
          file, "expected a JSON object, found " + (root == null ? "nothing" : root.getNodeType()));
    }
    return root;
  }
}
