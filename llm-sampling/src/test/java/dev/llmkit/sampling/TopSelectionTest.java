package dev.llmkit.sampling;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class TopSelectionTest {

  @Test
  void matchesAFullSortIncludingTiesAndExcludedValues() {
    SplittableRandom random = new SplittableRandom(5);
    for (int round = 0; round < 200; round++) {
      int n = 1 + random.nextInt(300);
      float[] values = new float[n];
      for (int i = 0; i < n; i++) {
        // few distinct values, so ties are common; some excluded entries
        int r = random.nextInt(12);
        values[i] = r == 0 ? Float.NEGATIVE_INFINITY : r == 1 ? Float.NaN : random.nextInt(8);
      }
      int k = random.nextInt(n + 3);
      int[] ids = new int[Math.max(k, 1)];
      float[] selected = new float[ids.length];
      int count = TopSelection.top(values, n, k, Float.NEGATIVE_INFINITY, ids, selected);

      int[] expected =
          IntStream.range(0, n)
              .filter(i -> values[i] > Float.NEGATIVE_INFINITY)
              .boxed()
              .sorted(Comparator.comparing((Integer i) -> -values[i]).thenComparing(i -> i))
              .mapToInt(Integer::intValue)
              .limit(k)
              .toArray();
      assertThat(Arrays.copyOf(ids, count)).containsExactly(expected);
      for (int j = 0; j < count; j++) {
        assertThat(selected[j]).isEqualTo(values[expected[j]]);
      }
    }
  }

  @Test
  void selectsOnlyAboveTheFloor() {
    float[] values = {0f, 0.5f, 0f, 0.25f};
    int[] ids = new int[4];
    assertThat(TopSelection.top(values, 4, 4, 0f, ids, null)).isEqualTo(2);
    assertThat(ids[0]).isEqualTo(1);
    assertThat(ids[1]).isEqualTo(3);
  }
}
