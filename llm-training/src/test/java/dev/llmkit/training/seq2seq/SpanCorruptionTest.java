package dev.llmkit.training.seq2seq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class SpanCorruptionTest {

  static final int SENTINEL = 999;
  static final int EOS = 1;

  /** Re-inserts each sentinel's target span into the input: the original sequence. */
  static int[] restore(SpanCorruption.Example e) {
    List<Integer> out = new ArrayList<>();
    for (int id : e.input()) {
      if (id == EOS) {
        break;
      }
      if (id > SENTINEL - 100) {
        int at = indexOf(e.target(), id) + 1;
        while (e.target()[at] != EOS && e.target()[at] <= SENTINEL - 100) {
          out.add(e.target()[at++]);
        }
      } else {
        out.add(id);
      }
    }
    return out.stream().mapToInt(Integer::intValue).toArray();
  }

  static int indexOf(int[] a, int v) {
    for (int i = 0; i < a.length; i++) {
      if (a[i] == v) {
        return i;
      }
    }
    throw new AssertionError("sentinel " + v + " not in target");
  }

  @Test
  void inputAndTargetTogetherRestoreTheSequenceWithT5sDensityAndSpans() {
    SpanCorruption sc = new SpanCorruption(0.15, 3, SENTINEL, EOS);
    SplittableRandom rng = new SplittableRandom(3);
    int[] tokens = IntStream.range(10, 110).toArray(); // 100 tokens
    for (int trial = 0; trial < 50; trial++) {
      SpanCorruption.Example e = sc.apply(tokens, rng);
      assertThat(restore(e)).containsExactly(tokens);
      long sentinels = IntStream.of(e.input()).filter(id -> id > SENTINEL - 100).count();
      assertThat(sentinels).isEqualTo(5); // round(15 / 3)
      // 15 noise tokens + 5 sentinels + EOS in the target; 85 kept + 5 sentinels + EOS in the input
      assertThat(e.target()).hasSize(21);
      assertThat(e.input()).hasSize(91);
      assertThat(e.input()[0]).isEqualTo(10); // starts with kept tokens
      assertThat(e.target()[0]).isEqualTo(SENTINEL);
      assertThat(e.input()[e.input().length - 1]).isEqualTo(EOS);
    }
  }

  @Test
  void theSameSeedGivesTheSameLayoutAndShortSequencesStillGetOneSpan() {
    SpanCorruption sc = new SpanCorruption(0.15, 3, SENTINEL, EOS);
    int[] tokens = {20, 21, 22};
    SpanCorruption.Example a = sc.apply(tokens, new SplittableRandom(9));
    SpanCorruption.Example b = sc.apply(tokens, new SplittableRandom(9));
    assertThat(a.input()).containsExactly(b.input());
    assertThat(restore(a)).containsExactly(tokens);
    assertThat(a.target()).hasSize(3); // sentinel, one token, EOS
  }

  @Test
  void badSettingsAreNamed() {
    assertThatThrownBy(() -> new SpanCorruption(1.5, 3, SENTINEL, EOS)).hasMessageContaining("noiseDensity");
    assertThatThrownBy(() -> new SpanCorruption(0.15, 0.5, SENTINEL, EOS)).hasMessageContaining("meanSpanLength");
    assertThatThrownBy(() -> new SpanCorruption(0.15, 3, SENTINEL, EOS).apply(new int[] {4}, new SplittableRandom(1)))
        .hasMessageContaining("at least 2 tokens");
  }
}
