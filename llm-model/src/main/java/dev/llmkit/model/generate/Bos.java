package dev.llmkit.model.generate;

import dev.llmkit.model.config.ModelConfig;
import dev.llmkit.tokenizer.Tokenizer;
import java.util.OptionalInt;

/**
 * The library's one BOS rule: a prompt starts with the tokenizer's BOS id when it has one, else with
 * the model config's {@code bosTokenId} (a tokenizer.json without a BOS token for a model whose
 * config names one), else with nothing. {@link Generator}, the examples and the CLI all ask here.
 */
public final class Bos {

  private Bos() {}

  /** The BOS id of this model and tokenizer, if either has one (the tokenizer's first). */
  public static OptionalInt id(ModelConfig config, Tokenizer tokenizer) {
    if (tokenizer != null && tokenizer.bosId().isPresent()) {
      return tokenizer.bosId();
    }
    return config.bosTokenId() >= 0 ? OptionalInt.of(config.bosTokenId()) : OptionalInt.empty();
  }

  /** {@code ids} with the BOS id in front when there is one; else {@code ids} itself. */
  public static int[] prepend(ModelConfig config, Tokenizer tokenizer, int[] ids) {
    OptionalInt bos = id(config, tokenizer);
    if (bos.isEmpty()) {
      return ids;
    }
    int[] r = new int[ids.length + 1];
    r[0] = bos.getAsInt();
    System.arraycopy(ids, 0, r, 1, ids.length);
    return r;
  }
}
