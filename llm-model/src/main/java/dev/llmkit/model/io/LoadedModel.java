package dev.llmkit.model.io;

import dev.llmkit.model.config.ModelConfig;
import dev.llmkit.model.weights.ModelWeights;
import dev.llmkit.tokenizer.Tokenizer;
import java.util.Objects;

/**
 * A checkpoint as loaded: the weights (with their config) and, when the checkpoint carries one or the
 * caller named one, the tokenizer.
 *
 * @param weights the parameters in the canonical layout
 * @param tokenizer the model's tokenizer, or null when none was found
 */
public record LoadedModel(ModelWeights weights, Tokenizer tokenizer) {

  /** @throws NullPointerException if weights is null */
  public LoadedModel {
    Objects.requireNonNull(weights, "weights");
  }

  /** The architecture. */
  public ModelConfig config() {
    return weights.config();
  }
}
