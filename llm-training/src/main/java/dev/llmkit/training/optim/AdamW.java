package dev.llmkit.training.optim;

import dev.llmkit.model.weights.ModelWeights;
import dev.llmkit.tensor.Tensor;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * AdamW (Loshchilov and Hutter, "Decoupled Weight Decay Regularization"), as {@code torch.optim.AdamW}:
 * for every parameter p with gradient g, at step t (counted from 1),
 *
 * <pre>
 *   p = p - lr * weightDecay * p            (matrices and embeddings only: rank >= 2, as nanoGPT)
 *   m = beta1 * m + (1 - beta1) * g
 *   v = beta2 * v + (1 - beta2) * g * g
 *   p = p - lr * (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps)
 * </pre>
 *
 * <p>Norm weights and biases (rank 1) get no weight decay. The moments are preallocated once; a step
 * allocates nothing.
 */
public final class AdamW {

  private final List<String> names = new ArrayList<>();
  private final List<Tensor> params = new ArrayList<>();
  private final List<Tensor> grads = new ArrayList<>();
  private final List<Tensor> m = new ArrayList<>();
  private final List<Tensor> v = new ArrayList<>();
  private final AdamWConfig cfg;
  private long t;

  /**
   * An optimiser over every parameter of {@code params}, reading gradients from the tensor of the same
   * canonical name in {@code grads}.
   *
   * @throws IllegalArgumentException when the two weight sets do not have the same names and shapes
   */
  public AdamW(ModelWeights params, ModelWeights grads, AdamWConfig cfg) {
    this.cfg = Objects.requireNonNull(cfg, "cfg");
    Map<String, Tensor> g = grads.named();
    for (Map.Entry<String, Tensor> e : params.named().entrySet()) {
      Tensor p = e.getValue();
      Tensor gp = g.get(e.getKey());
      if (gp == null || !gp.sameShape(p)) {
        throw new IllegalArgumentException(
            "AdamW: gradient of " + e.getKey() + " is "
                + (gp == null ? "missing" : gp.shapeString()) + ", expected " + p.shapeString());
      }
      names.add(e.getKey());
      this.params.add(p);
      this.grads.add(gp);
      m.add(Tensor.zeros(p.shape()));
      v.add(Tensor.zeros(p.shape()));
    }
    if (g.size() != names.size()) {
      throw new IllegalArgumentException(
          "AdamW: " + g.size() + " gradients for " + names.size() + " parameters");
    }
  }

  /** The configuration. */
  public AdamWConfig config() {
    return cfg;
  }

  /** Number of steps taken so far. */
  public long stepCount() {
    return t;
  }

  /**
   * One update of every parameter from its current gradient, with bias correction; increments the
   * step count. Gradients are not modified.
   *
   * @param lr learning rate of this step (finite, >= 0)
   */
  public void step(float lr) {
    if (!(lr >= 0f) || Float.isInfinite(lr)) {
      throw new IllegalArgumentException("AdamW.step: learning rate must be finite and >= 0, got " + lr);
    }
    throw new UnsupportedOperationException("not implemented yet");
  }

  /** Writes the step count and both moments of every parameter (in canonical order). */
  public void writeState(DataOutputStream out) throws IOException {
    throw new UnsupportedOperationException("not implemented yet");
  }

  /** Reads what {@link #writeState} wrote for a model of the same configuration. */
  public void readState(DataInputStream in) throws IOException {
    throw new UnsupportedOperationException("not implemented yet");
  }
}
