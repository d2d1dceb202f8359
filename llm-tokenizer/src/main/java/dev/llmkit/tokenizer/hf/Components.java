package dev.llmkit.tokenizer.hf;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The pipeline components of a {@code tokenizer.json} ({@code normalizer}, {@code pre_tokenizer},
 * {@code decoder}, {@code post_processor}) and the type names Hugging Face {@code tokenizers}
 * defines for each. A component whose {@code type} is not one of them is an error (not ignored);
 * whether a known type is supported with a given model is decided where the model is built. A new
 * component type is added to its kind's list here and handled where the model is built.
 */
enum Components {
  NORMALIZER("normalizer", "normalizers", Set.of(
      "BertNormalizer", "Strip", "StripAccents", "NFC", "NFD", "NFKC", "NFKD", "Lowercase", "Nmt",
      "Precompiled", "Replace", "Prepend", "ByteLevel")),
  PRE_TOKENIZER("pre_tokenizer", "pretokenizers", Set.of(
      "BertPreTokenizer", "ByteLevel", "CharDelimiterSplit", "Metaspace", "Whitespace", "Split",
      "Punctuation", "WhitespaceSplit", "Digits", "UnicodeScripts")),
  DECODER("decoder", "decoders", Set.of(
      "BPEDecoder", "ByteLevel", "WordPiece", "Metaspace", "CTC", "Replace", "Fuse", "Strip",
      "ByteFallback")),
  POST_PROCESSOR("post_processor", "processors", Set.of(
      "RobertaProcessing", "BertProcessing", "ByteLevel", "TemplateProcessing"));

  /** The field of the root object. */
  final String field;
  /** The field holding a Sequence's components. */
  final String sequenceField;
  private final Set<String> types;

  Components(String field, String sequenceField, Set<String> types) {
    this.field = field;
    this.sequenceField = sequenceField;
    this.types = types;
  }

  /**
   * The components of this kind in a {@code tokenizer.json}, Sequences flattened, every one an
   * object with a known {@code type}; empty when the field is absent or null.
   */
  List<JsonNode> of(JsonNode root, StrictJson json) {
    List<JsonNode> out = new ArrayList<>();
    JsonNode n = json.optObject(root, field, field);
    if (n != null) {
      flatten(n, field, json, out);
    }
    return out;
  }

  private void flatten(JsonNode n, String path, StrictJson json, List<JsonNode> out) {
    if (!n.isObject()) {
      throw json.error(path, "found " + StrictJson.describe(n) + ", expected a " + field + " object");
    }
    String type = json.string(n, "type", path + ".type");
    if (type.equals("Sequence")) {
      JsonNode items = json.array(n, sequenceField, path + "." + sequenceField);
      for (int i = 0; i < items.size(); i++) {
        flatten(items.get(i), path + "." + sequenceField + "[" + i + "]", json, out);
      }
    } else if (types.contains(type)) {
      out.add(n);
    } else {
      throw json.error(path + " type '" + type + "'", "not a " + field + " type of Hugging Face "
          + "tokenizers (expected one of " + new TreeSet<>(types) + " or Sequence)");
    }
  }
}
