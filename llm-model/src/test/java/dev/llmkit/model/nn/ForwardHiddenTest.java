package dev.llmkit.model.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.llmkit.model.InferenceSession;
import dev.llmkit.model.SessionOptions;
import dev.llmkit.model.config.ModelConfig;
import dev.llmkit.model.weights.ModelWeights;
import dev.llmkit.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * {@code forwardHidden} returns the final-norm rows the head multiplies: times the head's weight
 * (V, C) they must give {@code forwardAll}'s logits, position by position, in one chunk and across
 * the session's chunking (a prompt longer than one chunk), and the KV cache advances as with any
 * forward (the next token's logits agree with a plain session's).
 */
class ForwardHiddenTest {

  private static void checkAgainstLogits(ModelConfig c, int n) {
    ModelWeights w = ModelWeights.init(c, 3, 0.2f);
    Transformer t = new Transformer(w);
    int[] ids = new int[n];
    for (int i = 0; i < n; i++) {
      ids[i] = (i * 7 + 3) % c.vocabSize();
    }
    Tensor hidden;
    Tensor logits;
    float[] nextA;
    float[] nextB;
    try (InferenceSession a = t.newSession(SessionOptions.DEFAULT);
        InferenceSession b = t.newSession(SessionOptions.DEFAULT)) {
      hidden = a.forwardHidden(ids, 0, n);
      logits = b.forwardAll(ids, 0, n);
      nextA = a.forward(1).clone();
      nextB = b.forward(1).clone();
    }
    assertThat(hidden.shape()).containsExactly(n, c.dim());
    Tensor head = w.lmHead(); // (V, C)
    for (int p = 0; p < n; p += Math.max(1, n / 17)) {
      for (int v = 0; v < c.vocabSize(); v += 5) {
        double dot = 0;
        for (int k = 0; k < c.dim(); k++) {
          dot += (double) hidden.get(p, k) * head.get(v, k);
        }
        assertThat(dot).as("position %d, token %d", p, v).isCloseTo(logits.get(p, v), within(1e-3));
      }
    }
    assertThat(nextA).containsExactly(nextB, org.assertj.core.data.Offset.offset(1e-5f));
  }

  @Test
  void hiddenTimesTheHeadIsTheLogits() {
    checkAgainstLogits(ModelConfig.gpt2(61, 64, 2, 2, 16), 9);
  }

  @Test
  void acrossChunksToo() {
    int n = TransformerSession.MAX_CHUNK + 37;
    checkAgainstLogits(ModelConfig.gpt2(29, n + 8, 1, 2, 8), n);
  }
}
