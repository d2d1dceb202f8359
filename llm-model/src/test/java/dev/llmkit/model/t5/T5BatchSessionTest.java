package dev.llmkit.model.t5;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmkit.model.BatchSession;
import dev.llmkit.model.InferenceSession;
import dev.llmkit.model.SessionBatch;
import dev.llmkit.model.generate.BeamHypothesis;
import dev.llmkit.model.generate.BeamSearch;
import dev.llmkit.model.generate.BeamSearchOptions;
import dev.llmkit.model.io.Fixtures;
import dev.llmkit.model.nn.BatchSessionTest;
import dev.llmkit.tensor.DecodeMatrices;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * The T5 decoder's batched session (beam search's rows): every row's logits equal, bit for bit,
 * those of a single {@link T5Session} fed the same tokens, through steps of any subset of rows,
 * copies and reorders; beam search over it returns the hypotheses of beam search over independent
 * sessions ({@link SessionBatch}).
 */
class T5BatchSessionTest {

  static T5Decoder decoder(String fixture, DecodeMatrices mode) throws Exception {
    T5Model model = new T5Model(T5Weights.load(Fixtures.fixture(fixture)), mode);
    return model.conditionedOn(new int[] {9, 4, 71, 30, 2, 17, 5});
  }

  /** The logits of a lone session fed {@code prompt} as one chunk, then {@code steps} one at a time. */
  static float[] alone(T5Decoder d, int[] prompt, int... steps) {
    try (InferenceSession s = d.newSession()) {
      float[] out = s.forward(prompt, 0, prompt.length);
      for (int i = 0; i < steps.length; i++) {
        out = s.forward(steps, i, 1);
      }
      return out.clone();
    }
  }

  @ParameterizedTest
  @CsvSource({"t5-relu-tied, HEAP_COPY", "t5-gated-untied, HEAP_COPY", "t5-relu-tied, SHARED"})
  void batchedStepsCopiesAndReordersMatchLoneSessionsBitForBit(String fixture, DecodeMatrices mode)
      throws Exception {
    T5Decoder d = decoder(fixture, mode);
    int start = d.startIds()[0];
    try (BatchSession b = d.newBatchSession(3)) {
      assertThat(b).isInstanceOf(T5BatchSession.class);
      b.prefill(0, new int[] {start}, 0, 1);
      b.prefill(1, new int[] {start, 12, 40}, 0, 3);
      b.prefill(2, new int[] {start, 7}, 0, 2);
      // rows at different positions in one step
      float[][] out = b.step(new int[] {0, 1, 2}, new int[] {33, 8, 61}, 3);
      assertThat(out[0]).containsExactly(alone(d, new int[] {start}, 33));
      assertThat(out[1]).containsExactly(alone(d, new int[] {start, 12, 40}, 8));
      assertThat(out[2]).containsExactly(alone(d, new int[] {start, 7}, 61));
      // a subset of rows, in another order
      out = b.step(new int[] {2, 0}, new int[] {5, 6}, 2);
      assertThat(out[0]).containsExactly(alone(d, new int[] {start, 7}, 61, 5));
      assertThat(out[1]).containsExactly(alone(d, new int[] {start}, 33, 6));
      // beams: row 0 is the parent of rows 0 and 1, row 1's line is dropped, row 2 keeps its own
      b.reorder(new int[] {0, 0, 2});
      assertThat(b.tokens(1)).containsExactly(start, 33, 6);
      assertThat(b.logits(1)).containsExactly(alone(d, new int[] {start}, 33, 6));
      out = b.step(new int[] {0, 1, 2}, new int[] {10, 11, 12}, 3);
      assertThat(out[0]).containsExactly(alone(d, new int[] {start}, 33, 6, 10));
      assertThat(out[1]).containsExactly(alone(d, new int[] {start}, 33, 6, 11));
      assertThat(out[2]).containsExactly(alone(d, new int[] {start, 7}, 61, 5, 12));
      b.copy(2, 0);
      assertThat(b.position(0)).isEqualTo(5);
      out = b.step(new int[] {0}, new int[] {3}, 1);
      assertThat(out[0]).containsExactly(alone(d, new int[] {start, 7}, 61, 5, 12, 3));
      b.reset(1);
      assertThat(b.position(1)).isZero();
    }
  }

  @ParameterizedTest
  @CsvSource({"t5-relu-tied, 1.0, 0", "t5-gated-untied, 0.6, 2"})
  void beamSearchOverTheBatchedRowsEqualsBeamSearchOverLoneSessions(String fixture, double penalty,
      int noRepeat) throws Exception {
    T5Decoder d = decoder(fixture, DecodeMatrices.AUTO);
    BeamSearchOptions o = BeamSearchOptions.of(4, 12).withLengthPenalty(penalty)
        .withNoRepeatNgramSize(noRepeat).withNumReturnSequences(3)
        .withEosTokens(Set.of(d.config().eosTokenId()));
    List<BeamHypothesis> batched = new BeamSearch(d).search(d.startIds(), o);
    List<BeamHypothesis> lone = new BeamSearch(BatchSessionTest.plain(d)).search(d.startIds(), o);
    assertThat(batched).hasSize(3);
    for (int i = 0; i < batched.size(); i++) {
      assertThat(batched.get(i).tokens()).containsExactly(lone.get(i).tokens());
      assertThat(batched.get(i).score()).isEqualTo(lone.get(i).score());
    }
  }

  @Test
  void aChunkAfterOneTokenStepsReadsTheCacheTheStepsWrote() throws Exception {
    T5Decoder d = decoder("t5-gated-untied", DecodeMatrices.AUTO);
    int[] ids = {d.startIds()[0], 12, 40, 8, 61, 5};
    // the reference: the whole sequence as one teacher-forced chunk
    float[] whole = d.t5().logits(new int[] {9, 4, 71, 30, 2, 17, 5}, ids).toArray();
    int v = d.config().vocabSize();
    try (T5Session s = d.newSession()) {
      s.forward(ids, 0, 1);
      s.forward(ids, 1, 1);
      // positions 2..5 as one chunk over the two cached positions (grown past the first capacity)
      float[] chunk = s.forwardAll(ids, 2, 4).toArray();
      double[] expected = new double[4 * v];
      for (int i = 0; i < expected.length; i++) {
        expected[i] = whole[2 * v + i];
      }
      assertThat(T5GoldenTest.relativeError(chunk, expected)).isLessThanOrEqualTo(1e-5);
      assertThat(s.tokens()).containsExactly(ids);
    }
  }

  @Test
  void badRowsAndAClosedSessionAreClearErrors() throws Exception {
    T5Decoder d = decoder("t5-relu-tied", DecodeMatrices.AUTO);
    assertThatThrownBy(() -> d.newBatchSession(0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least 1 row");
    BatchSession b = d.newBatchSession(2);
    assertThatThrownBy(() -> b.step(new int[] {0, 0}, new int[] {1, 2}, 2))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> b.prefill(2, new int[] {0}, 0, 1))
        .isInstanceOf(IllegalArgumentException.class);
    b.close();
    assertThatThrownBy(() -> b.logits(0)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
  }
}
