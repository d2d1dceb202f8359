package dev.llmkit.model.nn;

import dev.llmkit.model.weights.ModelWeights;
import dev.llmkit.tensor.Tensor;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Where the gradient of each parameter tensor lives: a layer's training state asks it once, when it
 * is made, for the tensors its backward pass adds into. Tied parameters (one tensor under two names)
 * get one gradient tensor, so both contributions add into it.
 */
@FunctionalInterface
public interface Gradients {

  /** The gradient tensor of {@code parameter} (same shape), or null when the parameter is null. */
  Tensor of(Tensor parameter);

  /**
   * The gradients of {@code parameters} held in {@code gradients}, matched by name.
   *
   * @throws IllegalArgumentException when a name has no gradient or the shapes differ
   */
  static Gradients mirror(ModelWeights parameters, ModelWeights gradients) {
    Map<Tensor, Tensor> byTensor = new IdentityHashMap<>();
    for (Map.Entry<String, Tensor> e : parameters.named().entrySet()) {
      Tensor g = gradients.named().get(e.getKey());
      if (g == null || !g.sameShape(e.getValue())) {
        throw new IllegalArgumentException(
            "Gradients: parameter " + e.getKey() + " " + e.getValue().shapeString()
                + " has no gradient of its shape (got " + (g == null ? "none" : g.shapeString()) + ")");
      }
      byTensor.put(e.getValue(), g);
    }
    byTensor.put(parameters.lmHead(), gradients.lmHead());
    return p -> {
      if (p == null) {
        return null;
      }
      Tensor g = byTensor.get(p);
      if (g == null) {
        throw new IllegalArgumentException(
            "Gradients: no gradient for a parameter of shape " + p.shapeString());
      }
      return g;
    };
  }
}
