package dev.llmkit.training.encoder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * BERT's masking, counted over many draws: 15% of the maskable tokens of each sequence chosen,
 * uniformly over positions; of those 80% [MASK], 10% a random ordinary token, 10% unchanged;
 * special tokens and padding never chosen; the same seed gives the same masks.
 */
class MlmMaskingTest {

  static final int V = 50;
  static final int PAD = 0;
  static final int CLS = 1;
  static final int SEP = 2;
  static final int MASK = 3;
  static final int B = 4;
  static final int T = 24;
  static final int[] LENGTHS = {24, 17, 22, 3};

  /** A padded batch: [CLS] ordinary tokens [SEP], then [PAD]. */
  static int[] batch(SplittableRandom rng) {
    int[] ids = new int[B * T];
    for (int b = 0; b < B; b++) {
      ids[b * T] = CLS;
      for (int t = 1; t < LENGTHS[b] - 1; t++) {
        ids[b * T + t] = 4 + rng.nextInt(V - 4);
      }
      ids[b * T + LENGTHS[b] - 1] = SEP;
    }
    return ids;
  }

  @Test
  void fifteenPercentChosenAndTheEightyTenTenRule() {
    MlmMasking masking = new MlmMasking(V, MASK, PAD, CLS, SEP);
    SplittableRandom rng = new SplittableRandom(42);
    long chosen = 0;
    long masked = 0;
    long random = 0;
    long unchanged = 0;
    long[] perPosition = new long[T];
    int draws = 20_000;
    for (int d = 0; d < draws; d++) {
      int[] ids = batch(rng);
      MlmMasking.Masked m = masking.apply(ids, LENGTHS, T, rng);
      for (int b = 0; b < B; b++) {
        int maskable = LENGTHS[b] - 2;
        int inSequence = 0;
        for (int t = 0; t < T; t++) {
          int r = b * T + t;
          if (m.labels()[r] < 0) {
            assertThat(m.input()[r]).isEqualTo(ids[r]);
            continue;
          }
          inSequence++;
          assertThat(t).as("never a special token or padding").isBetween(1, LENGTHS[b] - 2);
          assertThat(m.labels()[r]).isEqualTo(ids[r]);
          if (b == 0) {
            perPosition[t]++;
          }
          int in = m.input()[r];
          if (in == MASK) {
            masked++;
          } else if (in != ids[r]) {
            random++;
            assertThat(in).as("a random replacement is an ordinary token").isGreaterThanOrEqualTo(4);
          } else {
            unchanged++;
          }
        }
        assertThat(inSequence).isEqualTo(Math.max(1, (int) Math.round(0.15 * maskable)));
        chosen += inSequence;
      }
      assertThat(m.positions()).isSorted().hasSize(
          (int) java.util.Arrays.stream(m.labels()).filter(l -> l >= 0).count());
    }
    // a random draw equal to the original (1 in 46) counts as unchanged
    double pSame = 1.0 / (V - 4);
    assertThat((double) masked / chosen).isCloseTo(0.8, org.assertj.core.data.Offset.offset(0.01));
    assertThat((double) random / chosen).isCloseTo(0.1 * (1 - pSame), org.assertj.core.data.Offset.offset(0.01));
    assertThat((double) unchanged / chosen).isCloseTo(0.1 + 0.1 * pSame, org.assertj.core.data.Offset.offset(0.01));
    // sequence 0: 22 maskable tokens, round(3.3) = 3 chosen, each position with probability 3/22
    for (int t = 1; t <= 22; t++) {
      assertThat((double) perPosition[t] / draws).as("position %d", t)
          .isCloseTo(3.0 / 22, org.assertj.core.data.Offset.offset(0.015));
    }
    assertThat(perPosition[0]).isZero();
    assertThat(perPosition[23]).isZero();
  }

  @Test
  void theSameSeedGivesTheSameMasksAndAnotherSeedOthers() {
    MlmMasking masking = new MlmMasking(V, MASK, PAD, CLS, SEP);
    int[] ids = batch(new SplittableRandom(1));
    MlmMasking.Masked a = masking.apply(ids, LENGTHS, T, new SplittableRandom(7));
    MlmMasking.Masked b = masking.apply(ids, LENGTHS, T, new SplittableRandom(7));
    MlmMasking.Masked c = masking.apply(ids, LENGTHS, T, new SplittableRandom(8));
    assertThat(a.input()).isEqualTo(b.input());
    assertThat(a.labels()).isEqualTo(b.labels());
    assertThat(a.labels()).isNotEqualTo(c.labels());
    // dynamic: consecutive draws from one generator differ
    SplittableRandom rng = new SplittableRandom(7);
    assertThat(masking.apply(ids, LENGTHS, T, rng).labels())
        .isNotEqualTo(masking.apply(ids, LENGTHS, T, rng).labels());
  }

  @Test
  void badInputIsRejectedNamingIt() {
    assertThatThrownBy(() -> new MlmMasking(V, V)).hasMessageContaining("[MASK] id 50");
    assertThatThrownBy(() -> new MlmMasking(V, MASK, 60)).hasMessageContaining("special id 60");
    assertThatThrownBy(() -> new MlmMasking(4, MASK, 0, 1, 2)).hasMessageContaining("every token");
    MlmMasking m = new MlmMasking(V, MASK, PAD, CLS, SEP);
    assertThatThrownBy(() -> m.apply(new int[] {1, 70, 2}, new int[] {3}, 3, new SplittableRandom(1)))
        .hasMessageContaining("sequence 0 token 1 has id 70");
  }
}
