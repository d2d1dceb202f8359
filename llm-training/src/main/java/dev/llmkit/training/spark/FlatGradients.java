package dev.llmkit.training.spark;

import dev.llmkit.model.weights.ModelWeights;
import dev.llmkit.tensor.Tensor;
import java.nio.FloatBuffer;
import java.util.List;

/**
 * The gradients of a model as one float vector, in the canonical order of
 * {@link ModelWeights#named()}: what every replica exchanges, so all of them agree on which value
 * is which.
 */
final class FlatGradients {

  private FlatGradients() {}

  /** The gradient tensors in canonical order. */
  static List<Tensor> tensors(ModelWeights gradients) {
    return List.copyOf(gradients.named().values());
  }

  /** Values in all of {@code tensors}. */
  static int length(List<Tensor> tensors) {
    int total = 0;
    for (Tensor t : tensors) {
      total += t.length();
    }
    return total;
  }

  /** Copies {@code tensors}, one after the other, into {@code flat}. */
  static void flatten(List<Tensor> tensors, float[] flat) {
    int pos = 0;
    for (Tensor t : tensors) {
      t.buffer().get(0, flat, pos, t.length());
      pos += t.length();
    }
  }

  /** Sets each tensor to its span of {@code sum} divided by {@code n}: the mean of n replicas. */
  static void writeMean(List<Tensor> tensors, float[] sum, int n) {
    int pos = 0;
    for (Tensor t : tensors) {
      FloatBuffer b = t.buffer();
      for (int i = 0; i < t.length(); i++) {
        b.put(i, sum[pos + i] / n);
      }
      pos += t.length();
    }
  }
}
