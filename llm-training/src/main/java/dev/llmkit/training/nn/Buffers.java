package dev.llmkit.training.nn;

import dev.llmkit.tensor.Parallel;
import dev.llmkit.tensor.Tensor;
import java.nio.FloatBuffer;

/** Buffer helpers of the training layers. */
final class Buffers {

  private Buffers() {}

  /**
   * Sets every element to +0 (NaN and infinities included) with a plain parallel loop: the gradient
   * scratch of every layer is cleared each step, and one native ND4J call per small tensor costs more
   * than the loop.
   */
  static void zero(Tensor t) {
    FloatBuffer b = t.buffer();
    Parallel.forRange(t.length(), 1, (from, to) -> {
      for (int i = from; i < to; i++) {
        b.put(i, 0f);
      }
    });
  }
}
