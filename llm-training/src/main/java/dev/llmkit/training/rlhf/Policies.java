package dev.llmkit.training.rlhf;

import dev.llmkit.model.weights.ModelWeights;
import dev.llmkit.tensor.Tensor;
import java.util.Map;

/** Copies of parameters: the frozen reference of RLHF is a copy of the policy taken at the start. */
public final class Policies {

  private Policies() {}

  /** A deep copy of {@code w} (new tensors, same values; tied embeddings stay tied). */
  public static ModelWeights copyOf(ModelWeights w) {
    ModelWeights copy = ModelWeights.zeros(w.config());
    for (Map.Entry<String, Tensor> e : w.named().entrySet()) {
      copy.named().get(e.getKey()).copyFrom(e.getValue());
    }
    return copy;
  }
}
