package dev.llmkit.training.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ShardedBatchesTest {

  private static TokenSequence tokens() {
    int[] ids = new int[500];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = (i * 7919) % 101;
    }
    return TokenSequence.of(ids);
  }

  @Test
  void replicasTogetherSeeTheGlobalBatchInOrder() {
    int world = 3;
    int b = 2;
    int block = 5;
    RandomWindowBatches whole = new RandomWindowBatches(tokens(), world * b, block, 42);
    ShardedBatches[] shards = new ShardedBatches[world];
    for (int r = 0; r < world; r++) {
      shards[r] = new ShardedBatches(new RandomWindowBatches(tokens(), world * b, block, 42), r, world);
      assertThat(shards[r].batch()).isEqualTo(b);
    }
    for (int step = 0; step < 4; step++) {
      int[] in = new int[world * b * block];
      int[] tg = new int[in.length];
      whole.next(in, tg);
      for (int r = 0; r < world; r++) {
        int[] i2 = new int[b * block];
        int[] t2 = new int[i2.length];
        shards[r].next(i2, t2);
        assertThat(i2).containsExactly(Arrays.copyOfRange(in, r * b * block, (r + 1) * b * block));
        assertThat(t2).containsExactly(Arrays.copyOfRange(tg, r * b * block, (r + 1) * b * block));
        assertThat(shards[r].rngState()).isEqualTo(whole.rngState());
      }
    }
  }

  @Test
  void aGlobalBatchThatDoesNotSplitIsNamed() {
    assertThatThrownBy(() -> new ShardedBatches(new RandomWindowBatches(tokens(), 5, 4, 1), 0, 2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("5 rows does not split evenly into 2 replicas");
    assertThatThrownBy(() -> new ShardedBatches(new RandomWindowBatches(tokens(), 4, 4, 1), 2, 2))
        .hasMessageContaining("rank must be in [0, 2), got 2");
  }
}
