package dev.llmkit.tokenizer.hf;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmkit.tokenizer.Tokenizer;
import dev.llmkit.tokenizer.TokenizerFormatException;
import dev.llmkit.tokenizer.UntrustedText;
import dev.llmkit.tokenizer.encoding.TemplateEncoder;
import dev.llmkit.tokenizer.encoding.TemplateEncoder.Piece;
import java.io.IOException;
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
   * @throws TokenizerFormatException if the file is malformed, naming the file and the field
   */
  public static TemplateEncoder load(Path file) throws IOException {
    return fromJson(JsonFiles.readObject(file), file.toString());
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
    StrictJson json = new StrictJson(fileName);
    Map<String, Integer> specials = tok.specialTokens();
    JsonNode pp = root.get("post_processor");
    List<List<Piece>> templates = pp == null || pp.isNull()
        ? List.of(List.of(Piece.sequence(0, 0)), List.of(Piece.sequence(0, 0), Piece.sequence(1, 1)))
        : templates(pp, json);
    int padId;
    JsonNode padding = root.get("padding");
    if (padding != null && padding.isObject()) {
      padId = json.id(padding.get("pad_id"), "padding.pad_id");
    } else {
      padId = specials.getOrDefault("[PAD]", specials.getOrDefault("<pad>", 0));
    }
    try {
      return new TemplateEncoder(tok, templates.get(0), templates.get(1), padId);
    } catch (IllegalArgumentException e) {
      throw new TokenizerFormatException(fileName, "post_processor: " + e.getMessage(), e);
    }
  }

  /**
   * The single and pair templates of a post-processor, read strictly as Hugging Face
   * {@code tokenizers} deserialises them: {@code TemplateProcessing} needs {@code single},
   * {@code pair} and {@code special_tokens} (each with {@code id}, and {@code ids} and
   * {@code tokens} of one length), every template item is {@code {"Sequence": {"id": "A"|"B",
   * "type_id": n}}} or {@code {"SpecialToken": {"id": name, "type_id": n}}} naming a listed special
   * token; {@code BertProcessing} and {@code RobertaProcessing} need {@code cls} and {@code sep} as
   * {@code [token, id]}. Ids are checked against the vocabulary by {@link HfTokenizerJson}.
   *
   * @param pp the post_processor node
   * @param json the strict reader of the file
   * @return the single template, then the pair template
   */
  static List<List<Piece>> templates(JsonNode pp, StrictJson json) {
    if (!pp.isObject()) {
      throw json.error("post_processor", "found " + StrictJson.describe(pp) + ", expected an object");
    }
    String type = json.string(pp, "type", "post_processor.type");
    switch (type) {
      case "TemplateProcessing": {
        Map<String, int[]> specials = specialsOf(pp, json);
        return List.of(template(pp, "single", specials, json), template(pp, "pair", specials, json));
      }
      case "BertProcessing":
      case "RobertaProcessing": {
        int cls = pairId(pp, "cls", json);
        int sep = pairId(pp, "sep", json);
        List<Piece> single =
            List.of(Piece.special(0, cls), Piece.sequence(0, 0), Piece.special(0, sep));
        List<Piece> pair = type.equals("BertProcessing")
            ? List.of(Piece.special(0, cls), Piece.sequence(0, 0), Piece.special(0, sep),
                Piece.sequence(1, 1), Piece.special(1, sep))
            : List.of(Piece.special(0, cls), Piece.sequence(0, 0), Piece.special(0, sep),
                Piece.special(0, sep), Piece.sequence(1, 0), Piece.special(0, sep));
        return List.of(single, pair);
      }
      default:
        throw json.error("post_processor.type", "'" + UntrustedText.name(type) + "' is not supported"
            + " (expected TemplateProcessing, BertProcessing or RobertaProcessing)");
    }
  }

  private static int pairId(JsonNode pp, String field, StrictJson json) {
    String path = "post_processor." + field;
    JsonNode v = json.array(pp, field, path);
    if (v.size() != 2) {
      throw json.error(path, "found " + StrictJson.describe(v) + ", expected [token, id]");
    }
    json.text(v.get(0), path + "[0]");
    return json.id(v.get(1), path + "[1]");
  }

  private static Map<String, int[]> specialsOf(JsonNode pp, StrictJson json) {
    JsonNode st = json.object(pp, "special_tokens", "post_processor.special_tokens");
    Map<String, int[]> out = new java.util.HashMap<>();
    for (java.util.Iterator<Map.Entry<String, JsonNode>> it = st.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String path = "post_processor.special_tokens" + StrictJson.key(e.getKey());
      JsonNode t = e.getValue();
      if (!t.isObject()) {
        throw json.error(path, "found " + StrictJson.describe(t) + ", expected an object");
      }
      json.string(t, "id", path + ".id");
      JsonNode ids = json.array(t, "ids", path + ".ids");
      JsonNode tokens = json.array(t, "tokens", path + ".tokens");
      if (ids.size() != tokens.size()) {
        throw json.error(path, ids.size() + " ids but " + tokens.size()
            + " tokens (ids and tokens must be of the same length)");
      }
      int[] r = new int[ids.size()];
      for (int i = 0; i < r.length; i++) {
        r[i] = json.id(ids.get(i), path + ".ids[" + i + "]");
        json.text(tokens.get(i), path + ".tokens[" + i + "]");
      }
      out.put(e.getKey(), r);
    }
    return out;
  }

  private static List<Piece> template(
      JsonNode pp, String field, Map<String, int[]> specials, StrictJson json) {
    String path = "post_processor." + field;
    JsonNode items = json.array(pp, field, path);
    List<Piece> out = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      JsonNode it = items.get(i);
      String p = path + "[" + i + "]";
      if (it.isObject() && it.size() == 1 && it.has("Sequence")) {
        JsonNode s = json.object(it, "Sequence", p + ".Sequence");
        String id = json.string(s, "id", p + ".Sequence.id");
        if (!id.equals("A") && !id.equals("B")) {
          throw json.error(p + ".Sequence.id", "found '" + UntrustedText.name(id)
              + "', expected \"A\" or \"B\"");
        }
        out.add(Piece.sequence(id.equals("A") ? 0 : 1, json.id(s.get("type_id"),
            p + ".Sequence.type_id")));
      } else if (it.isObject() && it.size() == 1 && it.has("SpecialToken")) {
        JsonNode s = json.object(it, "SpecialToken", p + ".SpecialToken");
        String id = json.string(s, "id", p + ".SpecialToken.id");
        int[] ids = specials.get(id);
        if (ids == null) {
          throw json.error(p + ".SpecialToken.id", "'" + UntrustedText.name(id)
              + "' is not in post_processor.special_tokens");
        }
        out.add(Piece.special(json.id(s.get("type_id"), p + ".SpecialToken.type_id"), ids));
      } else {
        throw json.error(p, "found " + StrictJson.describe(it)
            + ", expected {\"Sequence\": ...} or {\"SpecialToken\": ...}");
      }
    }
    return out;
  }
}
