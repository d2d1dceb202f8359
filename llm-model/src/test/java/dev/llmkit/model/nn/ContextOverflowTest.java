package dev.llmkit.model.nn;

import static dev.llmkit.model.nn.TransformerTest.randomIds;
import static dev.llmkit.model.nn.TransformerTest.weights;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmkit.model.ContextOverflow;
import dev.llmkit.model.InferenceSession;
import dev.llmkit.model.SessionOptions;
import dev.llmkit.model.config.ModelConfig;
import dev.llmkit.tensor.RopeStyle;
import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/**
 * Sessions past the context window: SHIFT (llama.cpp's context shift: cache rows moved and their
 * keys re-rotated, nothing recomputed) and SLIDE (the kept tokens recomputed from position 0).
 *
 * <p>What the shift equals: the first layer's keys and values depend only on a token and its
 * position, so re-rotating them gives exactly the cache a fresh forward over the kept tokens at
 * their new positions would write. Later layers' rows also carry what attention to the forgotten
 * tokens put in them, which no fresh forward reproduces. So a one-layer model's logits after any
 * number of shifts equal a fresh forward over the tokens the session holds (asserted to 1e-4); a
 * deeper model's do not (asserted too, so the test would notice a shift that secretly recomputes).
 */
class ContextOverflowTest {

  static float maxAbsDiff(float[] a, float[] b) {
    float m = 0;
    for (int i = 0; i < a.length; i++) {
      m = Math.max(m, Math.abs(a[i] - b[i]));
    }
    return m;
  }

  static float[] fresh(Transformer model, int[] ids) {
    try (InferenceSession s = model.newSession()) {
      return s.forward(ids).clone();
    }
  }

  @ParameterizedTest
  @EnumSource(RopeStyle.class)
  void aShiftedOneLayerCacheGivesTheLogitsOfAFreshForwardOverTheKeptTokens(RopeStyle style) {
    ModelConfig c = ModelConfig.llama(53, 16, 1, 4, 2, 16, 40).toBuilder()
        .ropeStyle(style).ropeTheta(100.0).build();
    Transformer model = new Transformer(weights(c, 4));
    int[] ids = randomIds(60, 53, 7);
    try (InferenceSession s = model.newSession(new SessionOptions(ContextOverflow.SHIFT, 3, 0, 0))) {
      s.forward(ids, 0, 16);
      int shifts = 0;
      for (int t = 16; t < ids.length; t++) {
        int before = s.position();
        float[] logits = s.forward(ids, t, 1);
        if (s.position() <= before) {
          shifts++;
        }
        int[] held = s.tokens();
        // the first 3 tokens stay, then the most recent ones, the new one last
        assertThat(Arrays.copyOf(held, 3)).containsExactly(ids[0], ids[1], ids[2]);
        assertThat(held[held.length - 1]).isEqualTo(ids[t]);
        assertThat(held.length).isLessThanOrEqualTo(16);
        assertThat(maxAbsDiff(logits, fresh(model, held))).as("token %d", t).isLessThan(1e-4f);
      }
      assertThat(shifts).isGreaterThanOrEqualTo(5);
    }
  }

  @Test
  void aShiftKeepsTheFirstTokensAndTheRecentHalfOfTheRest() {
    ModelConfig c = ModelConfig.llama(53, 16, 1, 4, 2, 16, 40);
    Transformer model = new Transformer(weights(c, 4));
    int[] ids = randomIds(17, 53, 8);
    try (InferenceSession s = model.newSession(new SessionOptions(ContextOverflow.SHIFT, 3, 0, 0))) {
      s.forward(ids, 0, 16);
      s.forward(ids, 16, 1);
      // n_keep 3, the rest 13: the oldest 7 dropped, 6 kept (llama.cpp: n_discard = (16 - 3) / 2)
      int[] expected = new int[10];
      System.arraycopy(ids, 0, expected, 0, 3);
      System.arraycopy(ids, 10, expected, 3, 7);
      assertThat(s.tokens()).containsExactly(expected);
    }
  }

  @Test
  void aDeeperModelsShiftIsNotARecompute() {
    ModelConfig c = ModelConfig.llama(53, 16, 2, 4, 2, 16, 40);
    Transformer model = new Transformer(weights(c, 5));
    int[] ids = randomIds(17, 53, 9);
    try (InferenceSession shift = model.newSession(new SessionOptions(ContextOverflow.SHIFT, 0, 0, 0));
        InferenceSession slide = model.newSession(new SessionOptions(ContextOverflow.SLIDE, 0, 0, 0))) {
      shift.forward(ids, 0, 16);
      slide.forward(ids, 0, 16);
      float[] shifted = shift.forward(ids, 16, 1).clone();
      float[] slid = slide.forward(ids, 16, 1);
      assertThat(shift.tokens()).containsExactly(slide.tokens());
      // SLIDE recomputes: exactly a fresh forward; SHIFT keeps what layer 2 saw of the dropped tokens
      assertThat(maxAbsDiff(slid, fresh(model, slide.tokens()))).isLessThan(1e-4f);
      assertThat(maxAbsDiff(shifted, slid)).isGreaterThan(1e-3f);
    }
  }

  @Test
  void aSlideKeepsTheFirstTokensAndRecomputesExactly() {
    ModelConfig c = ModelConfig.gpt2(53, 16, 2, 4, 16);
    Transformer model = new Transformer(weights(c, 6));
    int[] ids = randomIds(50, 53, 10);
    try (InferenceSession s = model.newSession(new SessionOptions(ContextOverflow.SLIDE, 2, 0, 0))) {
      for (int t = 0; t < ids.length; t++) {
        float[] logits = s.forward(ids, t, 1);
        int[] held = s.tokens();
        assertThat(held[held.length - 1]).isEqualTo(ids[t]);
        if (t >= 2) {
          assertThat(Arrays.copyOf(held, 2)).containsExactly(ids[0], ids[1]);
        }
        assertThat(maxAbsDiff(logits, fresh(model, held))).isLessThan(1e-4f);
      }
      // a chunk longer than the context keeps the first 2 tokens of the whole text and its last 7
      s.reset();
      s.forward(ids, 0, 30);
      int[] expected = new int[9];
      System.arraycopy(ids, 0, expected, 0, 2);
      System.arraycopy(ids, 23, expected, 2, 7);
      assertThat(s.tokens()).containsExactly(expected);
    }
  }

  @Test
  void aShiftNeedsRotaryPositions() {
    Transformer model = new Transformer(weights(ModelConfig.gpt2(53, 16, 1, 4, 16), 1));
    assertThatThrownBy(() -> model.newSession(new SessionOptions(ContextOverflow.SHIFT, 0, 0, 0)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("SHIFT")
        .hasMessageContaining("LEARNED")
        .hasMessageContaining("SLIDE");
    assertThat(ContextOverflow.continuing(model.config())).isEqualTo(ContextOverflow.SLIDE);
    assertThat(ContextOverflow.continuing(ModelConfig.llama(53, 16, 1, 4, 2, 16, 40)))
        .isEqualTo(ContextOverflow.SHIFT);
  }

  @Test
  void keepFirstAndKeepOnShiftMustLeaveRoom() {
    Transformer model = new Transformer(weights(ModelConfig.llama(53, 16, 1, 4, 2, 16, 40), 1));
    assertThatThrownBy(() -> model.newSession(new SessionOptions(ContextOverflow.SHIFT, 10, 6, 0)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("keepFirst 10 + keepOnShift 6")
        .hasMessageContaining("context length 16");
  }
}
