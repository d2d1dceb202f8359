package dev.llmkit.tokenizer.hf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmkit.tokenizer.Tokenizer;
import dev.llmkit.tokenizer.encoding.TemplateEncoder;
import dev.llmkit.tokenizer.encoding.TemplateEncoder.Piece;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A {@link TemplateEncoder} from a {@code tokenizer.json}: its tokenizer and its
 * {@code post_processor} ({@code TemplateProcessing}, {@code BertProcessing},
 * {@code RobertaProcessing} without offsets, or none), with the pad id of its {@code padding}
 * section or its {@code [PAD]}/{@code <pad>} token. Malformed templates are rejected naming the
 * field.
 */
public final class HfTemplateEncoder {
  private HfTemplateEncoder() {}

  /**
   * Loads a {@code tokenizer.json} with its post-processor.
   *
   * @param file the file
   * @return the encoder
   * @throws IOException if the file cannot be read
   * @throws IllegalArgumentException if the file is malformed, naming the field
   */
  public static TemplateEncoder load(Path file) throws IOException {
    JsonNode root = new ObjectMapper().readTree(Files.readString(file));
    return fromJson(root, file.toString());
  }

  /**
   * Builds the encoder from a parsed {@code tokenizer.json}.
   *
   * @param root the document
   * @param fileName the file, for messages
   * @return the encoder
   */
  public static TemplateEncoder fromJson(JsonNode root, String fileName) {
    Tokenizer tok = HfTokenizerJson.fromJson(root, fileName);
    Map<String, Integer> specials = tok.specialTokens();
    JsonNode pp = root.get("post_processor");
    List<Piece> single;
    List<Piece> pair;
    if (pp == null || pp.isNull()) {
      single = List.of(Piece.sequence(0, 0));
      pair = List.of(Piece.sequence(0, 0), Piece.sequence(1, 1));
    } else {
      String type = pp.path("type").asText("");
      switch (type) {
        case "TemplateProcessing":
          single = template(pp, "single", specialsOf(pp, fileName), fileName);
          pair = template(pp, "pair", specialsOf(pp, fileName), fileName);
          break;
        case "BertProcessing":
        case "RobertaProcessing": {
          int cls = pairId(pp, "cls", fileName);
          int sep = pairId(pp, "sep", fileName);
          single = List.of(Piece.special(0, cls), Piece.sequence(0, 0), Piece.special(0, sep));
          pair = type.equals("BertProcessing")
              ? List.of(Piece.special(0, cls), Piece.sequence(0, 0), Piece.special(0, sep),
                  Piece.sequence(1, 1), Piece.special(1, sep))
              : List.of(Piece.special(0, cls), Piece.sequence(0, 0), Piece.special(0, sep),
                  Piece.special(0, sep), Piece.sequence(1, 0), Piece.special(0, sep));
          break;
        }
        default:
          throw new IllegalArgumentException(
              fileName + ": post_processor type '" + type + "' is not supported (expected"
                  + " TemplateProcessing, BertProcessing or RobertaProcessing)");
      }
    }
    int padId;
    JsonNode padding = root.get("padding");
    if (padding != null && padding.isObject()) {
      JsonNode p = padding.get("pad_id");
      if (p == null || !p.isIntegralNumber()) {
        throw new IllegalArgumentException(fileName + ": padding.pad_id must be an integer id");
      }
      padId = p.asInt();
    } else {
      padId = specials.getOrDefault("[PAD]", specials.getOrDefault("<pad>", 0));
    }
    try {
      return new TemplateEncoder(tok, single, pair, padId);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(fileName + ": post_processor: " + e.getMessage(), e);
    }
  }

  private static int pairId(JsonNode pp, String field, String fileName) {
    JsonNode v = pp.get(field);
    if (v == null || !v.isArray() || v.size() != 2 || !v.get(1).isIntegralNumber()) {
      throw new IllegalArgumentException(
          fileName + ": post_processor." + field + " must be [token, id], got " + v);
    }
    return v.get(1).asInt();
  }

  private static Map<String, int[]> specialsOf(JsonNode pp, String fileName) {
    JsonNode st = pp.get("special_tokens");
    Map<String, int[]> out = new java.util.HashMap<>();
    if (st == null || st.isNull()) {
      return out;
    }
    if (!st.isObject()) {
      throw new IllegalArgumentException(
          fileName + ": post_processor.special_tokens must be an object");
    }
    st.fields().forEachRemaining(e -> {
      JsonNode ids = e.getValue().get("ids");
      if (ids == null || !ids.isArray()) {
        throw new IllegalArgumentException(
            fileName + ": post_processor.special_tokens['" + e.getKey() + "'].ids must be an array");
      }
      int[] r = new int[ids.size()];
      for (int i = 0; i < r.length; i++) {
        if (!ids.get(i).isIntegralNumber()) {
          throw new IllegalArgumentException(
              fileName + ": post_processor.special_tokens['" + e.getKey() + "'].ids[" + i
                  + "] must be an integer id");
        }
        r[i] = ids.get(i).asInt();
      }
      out.put(e.getKey(), r);
    });
    return out;
  }

  private static List<Piece> template(
      JsonNode pp, String field, Map<String, int[]> specials, String fileName) {
    JsonNode items = pp.get(field);
    String path = "post_processor." + field;
    if (items == null || !items.isArray()) {
      throw new IllegalArgumentException(fileName + ": " + path + " must be an array");
    }
    List<Piece> out = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      JsonNode it = items.get(i);
      String p = path + "[" + i + "]";
      if (it.has("Sequence")) {
        JsonNode s = it.get("Sequence");
        String id = s.path("id").asText("");
        if (!id.equals("A") && !id.equals("B")) {
          throw new IllegalArgumentException(
              fileName + ": " + p + ".Sequence.id must be \"A\" or \"B\", got " + s.get("id"));
        }
        out.add(Piece.sequence(id.equals("A") ? 0 : 1, typeId(s, p + ".Sequence", fileName)));
      } else if (it.has("SpecialToken")) {
        JsonNode s = it.get("SpecialToken");
        String id = s.path("id").asText("");
        int[] ids = specials.get(id);
        if (ids == null) {
          throw new IllegalArgumentException(
              fileName + ": " + p + ".SpecialToken.id '" + id
                  + "' is not in post_processor.special_tokens");
        }
        out.add(Piece.special(typeId(s, p + ".SpecialToken", fileName), ids));
      } else {
        throw new IllegalArgumentException(
            fileName + ": " + p + " must be {\"Sequence\": ...} or {\"SpecialToken\": ...}");
      }
    }
    return out;
  }

  private static int typeId(JsonNode s, String path, String fileName) {
    JsonNode t = s.get("type_id");
    if (t == null || !t.isIntegralNumber() || t.asInt() < 0) {
      throw new IllegalArgumentException(
          fileName + ": " + path + ".type_id must be a non-negative integer, got " + t);
    }
    return t.asInt();
  }
}
