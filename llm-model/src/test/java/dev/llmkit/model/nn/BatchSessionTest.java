package dev.llmkit.model.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmkit.model.BatchSession;
import dev.llmkit.model.InferenceSession;
import dev.llmkit.model.LanguageModel;
import dev.llmkit.model.SessionBatch;
import dev.llmkit.model.SessionOptions;
import dev.llmkit.model.config.ModelConfig;
import dev.llmkit.model.io.Checkpoints;
import dev.llmkit.tensor.DecodeMatrices;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Batched decoding: every row's logits equal, bit for bit, those of a single-sequence session fed
 * the same tokens, for the Transformer's batched session (heap copies, in-place F32, quantized) and
 * for the generic {@link SessionBatch}; copies and reorders keep that.
 */
public class BatchSessionTest {

  static final int[][] PROMPTS = {{1, 5, 17, 42}, {1, 9}, {1, 3, 3, 60, 61, 62, 7}, {1, 88, 2}};

  static Transformer model(String fixture, DecodeMatrices mode) throws Exception {
    return new Transformer(Checkpoints.load(GoldenLogitsTest.fixture(fixture)).weights(), mode);
  }

  /** A model that has only the inference view, so it gets the generic batch session. */
  public static LanguageModel plain(LanguageModel m) {
    return new LanguageModel() {
      @Override
      public ModelConfig config() {
        return m.config();
      }

      @Override
      public InferenceSession newSession(SessionOptions options) {
        return m.newSession(options);
      }
    };
  }

  static int argmax(float[] x) {
    int best = 0;
    for (int i = 1; i < x.length; i++) {
      if (x[i] > x[best]) {
        best = i;
      }
    }
    return best;
  }

  @ParameterizedTest
  @CsvSource({"gpt2-tiny, HEAP_COPY, false, false", "gpt2-tiny, SHARED, false, false",
      "llama-gqa-tiny, HEAP_COPY, false, false", "llama-gqa-tiny, Q8_0, false, false",
      "gpt2-tiny, HEAP_COPY, false, true", "llama-gqa-tiny, Q8_0, false, true",
      "gpt2-tiny, HEAP_COPY, true, false", "llama-gqa-tiny, SHARED, true, false"})
  void stepsEqualSingleSessions(String fixture, DecodeMatrices mode, boolean generic, boolean split)
      throws Exception {
    Transformer t = model(fixture, mode);
    LanguageModel m = generic ? plain(t) : t;
    int b = PROMPTS.length;
    List<InferenceSession> singles = new ArrayList<>();
    try (BatchSession batch = generic ? m.newBatchSession(b)
        : new TransformerBatchSession(t, b, SessionOptions.DEFAULT, split)) {
      assertThat(batch instanceof SessionBatch).isEqualTo(generic);
      int[] next = new int[b];
      for (int r = 0; r < b; r++) {
        InferenceSession s = t.newSession();
        singles.add(s);
        float[] expected = s.forward(PROMPTS[r]);
        assertThat(batch.prefill(r, PROMPTS[r], 0, PROMPTS[r].length)).containsExactly(expected);
        next[r] = argmax(expected);
      }
      int[] rows = {0, 1, 2, 3};
      for (int step = 0; step < 10; step++) {
        // every third step only some rows take part, in another order
        int[] active = step % 3 == 2 ? new int[] {3, 1} : rows;
        int[] ids = new int[active.length];
        for (int i = 0; i < active.length; i++) {
          ids[i] = next[active[i]];
        }
        float[][] out = batch.step(active, ids, active.length);
        for (int i = 0; i < active.length; i++) {
          int r = active[i];
          float[] expected = singles.get(r).forward(ids[i]);
          assertThat(out[i]).as("%s %s row %d step %d", fixture, mode, r, step)
              .containsExactly(expected);
          assertThat(batch.position(r)).isEqualTo(singles.get(r).position());
          next[r] = argmax(expected);
        }
      }
      for (int r = 0; r < b; r++) {
        assertThat(batch.tokens(r)).containsExactly(singles.get(r).tokens());
      }
      // beams: rows become copies of others; continuing them equals sessions fed those tokens
      int[] sources = {2, 2, 0, 1};
      int[][] before = new int[b][];
      for (int r = 0; r < b; r++) {
        before[r] = batch.tokens(r);
      }
      batch.reorder(sources);
      int[] ids = new int[b];
      for (int r = 0; r < b; r++) {
        assertThat(batch.tokens(r)).containsExactly(before[sources[r]]);
        ids[r] = (r * 7 + 3) % m.vocabSize();
      }
      float[][] out = batch.step(rows, ids, b);
      for (int r = 0; r < b; r++) {
        try (InferenceSession s = t.newSession()) {
          // the same way the row got there: its prompt in one chunk, then one token at a time
          int[] h = before[sources[r]];
          int p = PROMPTS[sources[r]].length;
          s.forward(h, 0, p);
          for (int i = p; i < h.length; i++) {
            s.forward(h, i, 1);
          }
          float[] expected = s.forward(ids[r]);
          if (generic && sources[r] != r) {
            // the generic batch re-ran the other prompt one token at a time: rounding differs
            double[] e = new double[expected.length];
            for (int j = 0; j < e.length; j++) {
              e[j] = expected[j];
            }
            assertThat(TransformerTest.relativeError(out[r], e)).isLessThan(1e-5);
          } else {
            assertThat(out[r]).as("row %d after reorder", r).containsExactly(expected);
          }
        }
      }
      batch.copy(3, 0);
      assertThat(batch.tokens(0)).containsExactly(batch.tokens(3));
      assertThat(batch.logits(0)).containsExactly(batch.logits(3));
    } finally {
      singles.forEach(InferenceSession::close);
    }
  }

  @ParameterizedTest
  @CsvSource({"gpt2-tiny, 9, false", "llama-gqa-tiny, 17, false", "gpt2-tiny, 8, false",
      "gpt2-tiny, 9, true", "llama-gqa-tiny, 17, true", "gpt2-tiny, 8, true", "llama-gqa-tiny, 7, true"})
  void eightOrMoreRowsEqualSingleSessions(String fixture, int b, boolean split) throws Exception {
    // groups of 8 rows take the packed several-rows kernel, the rest the pairs: each row still
    // equals its sequence alone, at every batch size the active rows pass through; split: the
    // step's rows in one part per thread, each part through the whole forward on its thread
    Transformer t = model(fixture, DecodeMatrices.HEAP_COPY);
    List<InferenceSession> singles = new ArrayList<>();
    try (BatchSession batch = new TransformerBatchSession(t, b, SessionOptions.DEFAULT, split)) {
      int[] next = new int[b];
      int[] rows = new int[b];
      for (int r = 0; r < b; r++) {
        InferenceSession s = t.newSession();
        singles.add(s);
        int[] prompt = PROMPTS[r % PROMPTS.length].clone();
        prompt[0] = 1 + r;
        float[] expected = s.forward(prompt);
        assertThat(batch.prefill(r, prompt, 0, prompt.length)).containsExactly(expected);
        next[r] = argmax(expected);
        rows[r] = r;
      }
      for (int step = 0; step < 6; step++) {
        // rows leave the batch: b, b-1, ... active rows
        int n = b - step;
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
          ids[i] = next[rows[i]];
        }
        float[][] out = batch.step(rows, ids, n);
        for (int i = 0; i < n; i++) {
          float[] expected = singles.get(rows[i]).forward(ids[i]);
          assertThat(out[i]).as("%s row %d of %d, step %d", fixture, rows[i], n, step)
              .containsExactly(expected);
          next[rows[i]] = argmax(expected);
        }
      }
    } finally {
      singles.forEach(InferenceSession::close);
    }
  }

  @Test
  void badRowsAndIdsAreClearErrors() throws Exception {
    Transformer t = model("gpt2-tiny", DecodeMatrices.HEAP_COPY);
    try (BatchSession batch = t.newBatchSession(2)) {
      batch.prefill(0, new int[] {1}, 0, 1);
      batch.prefill(1, new int[] {1}, 0, 1);
      assertThatThrownBy(() -> batch.step(new int[] {0, 0}, new int[] {1, 2}, 2))
          .hasMessageContaining("row 0 appears twice");
      assertThatThrownBy(() -> batch.step(new int[] {2}, new int[] {1}, 1))
          .hasMessageContaining("row 2 is outside");
      assertThatThrownBy(() -> batch.step(new int[] {1}, new int[] {96}, 1))
          .hasMessageContaining("token id 96");
      assertThatThrownBy(() -> batch.reorder(new int[] {0}))
          .hasMessageContaining("expected 2 sources");
    }
    assertThatThrownBy(() -> t.newBatchSession(0)).hasMessageContaining("at least 1 row");
  }
}
