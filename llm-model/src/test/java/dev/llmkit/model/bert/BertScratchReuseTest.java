package dev.llmkit.model.bert;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmkit.model.io.Fixtures;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * The model reuses the scratch memory of its largest batch from call to call: results must not
 * depend on what ran before (a larger batch's leftovers in the reused memory), on the scratch being
 * shared by a smaller batch, or on calls overlapping in time.
 */
class BertScratchReuseTest {

  private static BertModel load() throws IOException {
    return new BertModel(BertCheckpoint.load(Fixtures.fixture("bert-cls-tiny")).weights());
  }

  private static int[][] batch(long seed, int sequences) {
    SplittableRandom r = new SplittableRandom(seed);
    int[][] ids = new int[sequences][];
    for (int b = 0; b < sequences; b++) {
      ids[b] = r.ints(r.nextInt(1, 17), 0, 40).toArray();
    }
    return ids;
  }

  @Test
  void resultsDoNotDependOnEarlierCalls() throws IOException {
    int[][] big = batch(1, 9);
    int[][] small = batch(2, 2);
    // each batch's reference: a model that has run nothing before it
    float[] bigFresh = load().encode(big).hidden().toArray();
    float[] smallFresh = load().encode(small).hidden().toArray();
    float[][] smallEmbedFresh = load().embed(small, null, Pooling.MEAN, true);

    BertModel m = load();
    assertThat(m.encode(big).hidden().toArray()).containsExactly(bigFresh);
    // the small batch now runs in the big one's memory, over its leftovers
    assertThat(m.encode(small).hidden().toArray()).containsExactly(smallFresh);
    assertThat(m.embed(small, null, Pooling.MEAN, true)).isDeepEqualTo(smallEmbedFresh);
    assertThat(m.encode(big).hidden().toArray()).containsExactly(bigFresh);
  }

  @Test
  void embedIsPoolingOfEncode() throws IOException {
    BertModel m = load();
    int[][] ids = batch(3, 5);
    for (Pooling p : Pooling.values()) {
      for (boolean normalize : new boolean[] {false, true}) {
        assertThat(m.embed(ids, null, p, normalize))
            .isDeepEqualTo(p.apply(m.encode(ids), normalize));
      }
    }
  }

  @Test
  void returnedHiddenStatesAreNotOverwrittenByLaterCalls() throws IOException {
    BertModel m = load();
    BertOutput first = m.encode(batch(4, 3));
    float[] before = first.hidden().toArray();
    m.encode(batch(5, 6));
    m.embed(batch(6, 4), null, Pooling.CLS, false);
    assertThat(first.hidden().toArray()).containsExactly(before);
  }

  @Test
  void overlappingCallsGetTheirOwnScratch() throws Exception {
    BertModel m = load();
    List<int[][]> batches = new ArrayList<>();
    List<float[]> expected = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      batches.add(batch(100 + i, 1 + i % 5));
      expected.add(load().encode(batches.get(i)).hidden().toArray());
    }
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      for (int round = 0; round < 3; round++) {
        List<Future<float[]>> got = new ArrayList<>();
        for (int[][] b : batches) {
          got.add(pool.submit(() -> m.encode(b).hidden().toArray()));
        }
        for (int i = 0; i < got.size(); i++) {
          assertThat(got.get(i).get()).as("batch %d", i).containsExactly(expected.get(i));
        }
      }
    } finally {
      pool.shutdown();
    }
  }
}
