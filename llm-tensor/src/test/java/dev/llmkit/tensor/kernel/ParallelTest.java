package dev.llmkit.tensor.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The thread team: coverage, the fixed split, failures, nesting and concurrent callers. */
class ParallelTest {

  @Test
  void everyIndexRunsExactlyOnceInFixedChunks() {
    for (int n : new int[] {0, 1, 2, 3, 17, 1000, 100_003}) {
      AtomicIntegerArray hits = new AtomicIntegerArray(Math.max(n, 1));
      List<int[]> chunks = java.util.Collections.synchronizedList(new ArrayList<>());
      Parallel.forRange(n, Parallel.MIN_WORK_PER_TASK, (from, to) -> {
        chunks.add(new int[] {from, to});
        for (int i = from; i < to; i++) {
          hits.incrementAndGet(i);
        }
      });
      for (int i = 0; i < n; i++) {
        assertThat(hits.get(i)).as("index %d of %d", i, n).isEqualTo(1);
      }
      // the split is the fixed rule: chunk starts at chunkStart(n, c, i)
      int c = chunks.size();
      for (int[] ch : chunks) {
        boolean isAChunkOfTheRule = false;
        for (int i = 0; i < c; i++) {
          isAChunkOfTheRule |= ch[0] == Parallel.chunkStart(n, c, i) && ch[1] == Parallel.chunkStart(n, c, i + 1);
        }
        assertThat(isAChunkOfTheRule).as("chunk [%d, %d) of %d", ch[0], ch[1], n).isTrue();
      }
    }
  }

  @Test
  void blocksCoverEveryIndexOnceWithFixedBoundariesOnTheGrain() {
    for (int grain : new int[] {1, 4, 16}) {
      for (int n : new int[] {0, 1, 5, 17, 1000, 50_257}) {
        AtomicIntegerArray hits = new AtomicIntegerArray(Math.max(n, 1));
        List<int[]> blocks = java.util.Collections.synchronizedList(new ArrayList<>());
        Parallel.forBlocks(n, Parallel.MIN_WORK_PER_TASK / 8, grain, (from, to) -> {
          blocks.add(new int[] {from, to});
          for (int i = from; i < to; i++) {
            hits.incrementAndGet(i);
          }
        });
        for (int i = 0; i < n; i++) {
          assertThat(hits.get(i)).as("index %d of %d, grain %d", i, n, grain).isEqualTo(1);
        }
        // every boundary but n is a multiple of the grain, and each block is one of the fixed rule
        int b = blocks.size();
        for (int[] bl : blocks) {
          assertThat(bl[0] % grain).as("block start %d, grain %d", bl[0], grain).isZero();
          if (b > 1) {
            boolean ofTheRule = false;
            for (int i = 0; i < b; i++) {
              ofTheRule |= bl[0] == Parallel.blockStart(n, b, grain, i) && bl[1] == Parallel.blockStart(n, b, grain, i + 1);
            }
            assertThat(ofTheRule).as("block [%d, %d) of %d", bl[0], bl[1], n).isTrue();
          }
        }
        if (Parallel.threads() > 1 && n == 50_257) {
          assertThat(b).as("blocks of a large loop").isGreaterThan(Parallel.threads());
        }
      }
    }
  }

  @Test
  void aFailureInAnyChunkReachesTheCallerAndTheTeamStaysUsable() {
    int n = 1000;
    for (int bad : new int[] {0, n - 1}) { // the caller's chunk, then the last (a worker's when threads > 1)
      assertThatThrownBy(() -> Parallel.forRange(n, Parallel.MIN_WORK_PER_TASK, (from, to) -> {
        if (from <= bad && bad < to) {
          throw new IllegalStateException("chunk with index " + bad);
        }
      })).isInstanceOf(IllegalStateException.class).hasMessage("chunk with index " + bad);
    }
    AtomicIntegerArray hits = new AtomicIntegerArray(n);
    Parallel.forRange(n, Parallel.MIN_WORK_PER_TASK, (from, to) -> {
      for (int i = from; i < to; i++) {
        hits.incrementAndGet(i);
      }
    });
    for (int i = 0; i < n; i++) {
      assertThat(hits.get(i)).isEqualTo(1);
    }
  }

  @Test
  void nestedLoopsRunWholeInsideTheirChunk() {
    int n = 64;
    AtomicIntegerArray hits = new AtomicIntegerArray(n * n);
    Parallel.forRange(n, Parallel.MIN_WORK_PER_TASK, (from, to) -> {
      for (int i = from; i < to; i++) {
        int row = i;
        Parallel.forRange(n, Parallel.MIN_WORK_PER_TASK, (f2, t2) -> {
          for (int j = f2; j < t2; j++) {
            hits.incrementAndGet(row * n + j);
          }
        });
      }
    });
    for (int i = 0; i < n * n; i++) {
      assertThat(hits.get(i)).isEqualTo(1);
    }
  }

  @Test
  void manyCallingThreadsAllFinishWithTheSameResults() throws Exception {
    int n = 50_000;
    float[] expected = new float[n];
    for (int i = 0; i < n; i++) {
      expected[i] = (float) Math.sqrt(i);
    }
    ExecutorService callers = Executors.newFixedThreadPool(4);
    try {
      List<Future<float[]>> results = new ArrayList<>();
      for (int c = 0; c < 16; c++) {
        results.add(callers.submit(() -> {
          float[] out = new float[n];
          for (int rep = 0; rep < 20; rep++) {
            Parallel.forRange(n, Parallel.MIN_WORK_PER_TASK, (from, to) -> {
              for (int i = from; i < to; i++) {
                out[i] = (float) Math.sqrt(i);
              }
            });
          }
          return out;
        }));
      }
      for (Future<float[]> f : results) {
        assertThat(f.get()).containsExactly(expected);
      }
    } finally {
      callers.shutdown();
    }
  }
}
