package dev.llmkit.model.nn;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmkit.model.InferenceSession;
import dev.llmkit.model.SessionOptions;
import dev.llmkit.model.config.ModelConfig;
import dev.llmkit.model.weights.ModelWeights;
import org.junit.jupiter.api.Test;

/**
 * A closed session passes its prefill scratch to the next session of the same model: what a session
 * computes must not depend on that memory's history (a longer prefill's leftovers, a smaller scratch
 * grown into the kept one) nor on sessions that overlap.
 */
class SessionScratchReuseTest {

  private static final ModelConfig CONFIG = ModelConfig.gpt2(61, 128, 2, 2, 32);

  private static int[] ids(int n, int seed) {
    int[] ids = new int[n];
    for (int i = 0; i < n; i++) {
      ids[i] = (i * 13 + seed * 7 + 1) % CONFIG.vocabSize();
    }
    return ids;
  }

  /** Prefill, then three decode steps; every step's logits, concatenated. */
  private static float[] run(Transformer t, int[] prompt) {
    try (InferenceSession s = t.newSession(SessionOptions.DEFAULT)) {
      return steps(s, prompt);
    }
  }

  private static float[] steps(InferenceSession s, int[] prompt) {
    int v = CONFIG.vocabSize();
    float[] out = new float[4 * v];
    System.arraycopy(s.forward(prompt, 0, prompt.length), 0, out, 0, v);
    for (int i = 1; i < 4; i++) {
      System.arraycopy(s.forward(new int[] {i * 5}, 0, 1), 0, out, i * v, v);
    }
    return out;
  }

  @Test
  void sessionsAfterOthersComputeWhatFreshOnesDo() {
    ModelWeights w = ModelWeights.init(CONFIG, 3, 0.2f);
    int[] longPrompt = ids(70, 1);
    int[] shortPrompt = ids(9, 2);
    int[] midPrompt = ids(33, 3);
    float[] longFresh = run(new Transformer(w), longPrompt);
    float[] shortFresh = run(new Transformer(w), shortPrompt);
    float[] midFresh = run(new Transformer(w), midPrompt);

    Transformer t = new Transformer(w);
    assertThat(run(t, shortPrompt)).containsExactly(shortFresh);
    assertThat(run(t, longPrompt)).containsExactly(longFresh); // grows past the kept scratch
    assertThat(run(t, shortPrompt)).containsExactly(shortFresh); // in the long one's leftovers
    assertThat(run(t, midPrompt)).containsExactly(midFresh);
    // two sessions open at once: only one can hold the kept scratch
    try (InferenceSession a = t.newSession(SessionOptions.DEFAULT);
        InferenceSession b = t.newSession(SessionOptions.DEFAULT)) {
      float[] ra = steps(a, longPrompt);
      float[] rb = steps(b, midPrompt);
      assertThat(ra).containsExactly(longFresh);
      assertThat(rb).containsExactly(midFresh);
    }
    assertThat(run(t, longPrompt)).containsExactly(longFresh);
  }
}
