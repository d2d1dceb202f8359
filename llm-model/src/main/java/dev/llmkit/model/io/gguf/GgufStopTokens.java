package dev.llmkit.model.io.gguf;

import dev.llmkit.model.io.CheckpointFormatException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The end-of-generation ids of a GGUF file beside its EOS, as llama.cpp collects them: the
 * end-of-turn and end-of-message ids ({@code tokenizer.ggml.eot_token_id},
 * {@code tokenizer.ggml.eom_token_id}), and control tokens whose text is one of the end-of-turn
 * markers llama.cpp recognises by name (for files written before those keys existed).
 */
final class GgufStopTokens {

  /** Texts llama.cpp's vocabulary loader takes for end-of-turn tokens (llama-vocab.cpp). */
  static final List<String> END_OF_TURN_TEXTS = List.of(
      "<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<EOT>",
      "<|eom_id|>");

  /** llama.cpp's token type CONTROL. */
  private static final int CONTROL = 3;

  private GgufStopTokens() {}

  /** The stop ids other than tokenizer.ggml.eos_token_id, within the vocabulary. */
  static List<Integer> of(GgufFile g, int vocab) throws CheckpointFormatException {
    Set<Integer> ids = new LinkedHashSet<>();
    for (String key : List.of("tokenizer.ggml.eot_token_id", "tokenizer.ggml.eom_token_id")) {
      long id = g.integer(key, -1);
      if (id >= 0 && id < vocab) {
        ids.add((int) id);
      }
    }
    Map<String, Object> md = g.metadata();
    if (md.get("tokenizer.ggml.tokens") instanceof String[] tokens
        && md.get("tokenizer.ggml.token_type") instanceof int[] types
        && types.length == tokens.length) {
      for (int id = 0; id < Math.min(tokens.length, vocab); id++) {
        if (types[id] == CONTROL && END_OF_TURN_TEXTS.contains(tokens[id])) {
          ids.add(id);
        }
      }
    }
    ids.remove((int) g.integer("tokenizer.ggml.eos_token_id", -1));
    return new ArrayList<>(ids);
  }
}
