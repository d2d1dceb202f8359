package dev.llmkit.training.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.llmkit.model.config.ModelConfig;
import dev.llmkit.model.weights.ModelWeights;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The ring all-reduce over real loopback TCP connections, replicas as threads of this JVM and the
 * address exchange through {@link ThreadAllGather} (no Spark); the reference is the mean computed
 * here in double precision.
 */
class RingAllReduceTest {

  /** 11 x 8 embeddings, one block: a gradient whose length is not a multiple of 3 (uneven chunks). */
  private static final ModelConfig TINY = ModelConfig.gpt2(11, 8, 1, 2, 8);

  private final ExecutorService pool = Executors.newCachedThreadPool();

  @AfterEach
  void stop() {
    pool.shutdownNow();
  }

  /** Builds a ring of {@code n} replicas on loopback, one thread each. */
  private List<RingAllReduce> ring(int n, GradientPrecision p, long timeoutMillis) throws Exception {
    ThreadAllGather comm = new ThreadAllGather(n);
    List<Future<RingAllReduce>> f = new ArrayList<>();
    for (int r = 0; r < n; r++) {
      int rank = r;
      f.add(pool.submit(() -> RingAllReduce.connect(comm.forRank(rank), rank, n, "127.0.0.1", p,
          timeoutMillis, () -> false)));
    }
    List<RingAllReduce> out = new ArrayList<>();
    for (Future<RingAllReduce> x : f) {
      out.add(x.get(30, TimeUnit.SECONDS));
    }
    return out;
  }

  /** One reduction on every replica at once; returns the mean losses. */
  private float[] reduce(List<RingAllReduce> ring, List<ModelWeights> grads, float[] losses)
      throws Exception {
    List<Future<Float>> f = new ArrayList<>();
    for (int r = 0; r < ring.size(); r++) {
      int rank = r;
      f.add(pool.submit(() -> ring.get(rank).allReduceMean(grads.get(rank), losses[rank])));
    }
    float[] out = new float[ring.size()];
    for (int r = 0; r < out.length; r++) {
      out[r] = f.get(r).get(30, TimeUnit.SECONDS);
    }
    return out;
  }

  private static List<float[]> flatten(List<ModelWeights> grads) {
    List<float[]> out = new ArrayList<>();
    for (ModelWeights g : grads) {
      int total = (int) g.parameterCount();
      float[] f = new float[total];
      int pos = 0;
      for (var t : g.named().values()) {
        float[] a = t.toArray();
        System.arraycopy(a, 0, f, pos, a.length);
        pos += a.length;
      }
      out.add(f);
    }
    return out;
  }

  @Test
  void twoReplicasGetTheExactMeanAndSendOneGradientPerStep() throws Exception {
    List<RingAllReduce> ring = ring(2, GradientPrecision.FLOAT32, 30_000);
    try {
      List<ModelWeights> grads = List.of(ModelWeights.init(TINY, 1, 1f), ModelWeights.init(TINY, 2, 1f));
      List<float[]> before = flatten(grads);
      float[] losses = reduce(ring, grads, new float[] {1.25f, 2.5f});
      assertThat(losses).containsExactly(1.875f, 1.875f);
      List<float[]> after = flatten(grads);
      for (int i = 0; i < after.get(0).length; i++) {
        // a + b == b + a in IEEE arithmetic: the mean of two is exact whoever adds
        assertThat(after.get(0)[i]).as("value %d", i)
            .isEqualTo((before.get(0)[i] + before.get(1)[i]) / 2);
      }
      assertThat(after.get(1)).containsExactly(after.get(0));
      long params = grads.get(0).parameterCount();
      // one reduce-scatter message (8-byte header + one half) and one all-gather message (the other)
      for (RingAllReduce r : ring) {
        assertThat(r.bytesSent()).isEqualTo(RingAllReduce.HEADER + 4 * params);
        assertThat(r.steps()).isOne();
        assertThat(r.seconds()).isPositive();
      }
    } finally {
      ring.forEach(RingAllReduce::close);
    }
  }

  @Test
  void threeReplicasAgreeBitForBitOnTheMeanOverManySteps() throws Exception {
    List<RingAllReduce> ring = ring(3, GradientPrecision.FLOAT32, 30_000);
    try {
      for (int step = 0; step < 5; step++) {
        List<ModelWeights> grads = List.of(ModelWeights.init(TINY, 10 + step, 1f),
            ModelWeights.init(TINY, 20 + step, 1f), ModelWeights.init(TINY, 30 + step, 1f));
        List<float[]> before = flatten(grads);
        float[] losses = reduce(ring, grads, new float[] {1f, 2f, 6f + step});
        float want = (float) ((1.0 + 2.0 + 6.0 + step) / 3);
        assertThat(losses).containsExactly(want, want, want);
        List<float[]> after = flatten(grads);
        for (int i = 0; i < after.get(0).length; i++) {
          double mean = ((double) before.get(0)[i] + before.get(1)[i] + before.get(2)[i]) / 3;
          assertThat((double) after.get(0)[i]).as("step %d value %d", step, i)
              .isCloseTo(mean, within(1e-6 * (Math.abs(before.get(0)[i])
                  + Math.abs(before.get(1)[i]) + Math.abs(before.get(2)[i])) + 1e-30));
        }
        assertThat(after.get(1)).containsExactly(after.get(0));
        assertThat(after.get(2)).containsExactly(after.get(0));
      }
      long params = ModelWeights.init(TINY, 1, 1f).parameterCount();
      // per step, replica r sends chunks r and r-1 (reduce-scatter, with headers), then r+1 and r
      for (int r = 0; r < 3; r++) {
        long chunks = 0;
        for (int c : new int[] {r, r + 2, r + 1, r}) {
          int k = c % 3;
          chunks += params * (k + 1) / 3 - params * k / 3;
        }
        assertThat(ring.get(r).bytesSent()).as("rank %d", r)
            .isEqualTo(5 * (2 * RingAllReduce.HEADER + 4 * chunks));
      }
    } finally {
      ring.forEach(RingAllReduce::close);
    }
  }

  @Test
  void bf16TravelsRoundedAndKeepsReplicasIdentical() throws Exception {
    List<RingAllReduce> ring = ring(3, GradientPrecision.BF16, 30_000);
    try {
      List<ModelWeights> grads = List.of(ModelWeights.init(TINY, 1, 1f),
          ModelWeights.init(TINY, 2, 1f), ModelWeights.init(TINY, 3, 1f));
      List<float[]> before = flatten(grads);
      float[] losses = reduce(ring, grads, new float[] {1.5f, 2.5f, 0.5f});
      assertThat(losses).containsExactly(1.5f, 1.5f, 1.5f); // losses travel in float32
      List<float[]> after = flatten(grads);
      for (int i = 0; i < after.get(0).length; i++) {
        double mean = ((double) before.get(0)[i] + before.get(1)[i] + before.get(2)[i]) / 3;
        double scale = Math.abs(before.get(0)[i]) + Math.abs(before.get(1)[i])
            + Math.abs(before.get(2)[i]);
        assertThat((double) after.get(0)[i]).isCloseTo(mean, within(0.01 * scale + 1e-30));
        // the sum was rounded to bfloat16 before the division: x3 comes back within float rounding
        float sum = after.get(0)[i] * 3;
        float bf = GradientCodec.fromBf16(GradientCodec.toBf16(sum));
        assertThat(sum).as("value %d", i).isCloseTo(bf, within(2 * Math.ulp(sum)));
      }
      assertThat(after.get(1)).containsExactly(after.get(0));
      assertThat(after.get(2)).containsExactly(after.get(0));
      long params = grads.get(0).parameterCount();
      assertThat(ring.get(0).bytesSent())
          .isLessThanOrEqualTo(2 * RingAllReduce.HEADER + 2 * 2 * (params / 3 + 1) * 2);
    } finally {
      ring.forEach(RingAllReduce::close);
    }
  }

  @Test
  void oneReplicaKeepsItsGradientsAndSendsNothing() throws Exception {
    RingAllReduce alone = RingAllReduce.connect(m -> {
      throw new AssertionError("no address exchange for one replica");
    }, 0, 1, "127.0.0.1", GradientPrecision.FLOAT32, 1000, () -> false);
    ModelWeights g = ModelWeights.init(TINY, 1, 1f);
    float[] before = flatten(List.of(g)).get(0);
    assertThat(alone.allReduceMean(g, 3.5f)).isEqualTo(3.5f);
    assertThat(flatten(List.of(g)).get(0)).containsExactly(before);
    assertThat(alone.bytesSent()).isZero();
    alone.close();
  }

  @Test
  void replicasOfDifferentModelsAreNamed() throws Exception {
    List<RingAllReduce> ring = ring(2, GradientPrecision.FLOAT32, 30_000);
    try {
      List<ModelWeights> grads = List.of(ModelWeights.init(TINY, 1, 1f),
          ModelWeights.init(ModelConfig.gpt2(13, 8, 1, 2, 8), 2, 1f));
      assertThatThrownBy(() -> reduce(ring, grads, new float[] {1f, 1f}))
          .rootCause()
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("do not hold the same model");
    } finally {
      ring.forEach(RingAllReduce::close);
    }
  }

  @Test
  void aReplicaThatFailsEndsItsNeighboursWaitAtOnce() throws Exception {
    List<RingAllReduce> ring = ring(2, GradientPrecision.FLOAT32, 60_000);
    try {
      ring.get(1).close(); // replica 1 failed before its exchange
      long t0 = System.nanoTime();
      assertThatThrownBy(() -> ring.get(0).allReduceMean(ModelWeights.init(TINY, 1, 1f), 1f))
          .isInstanceOf(UncheckedIOException.class)
          .hasMessageContaining("replica 0 of 2")
          .hasMessageContaining("replica 1 closed its connection");
      assertThat((System.nanoTime() - t0) / 1e9).isLessThan(10);
    } finally {
      ring.forEach(RingAllReduce::close);
    }
  }

  @Test
  void aSilentNeighbourFailsTheStepAfterTheTimeout() throws Exception {
    List<RingAllReduce> ring = ring(2, GradientPrecision.FLOAT32, 300);
    try {
      // replica 1 is alive but never reaches the exchange
      assertThatThrownBy(() -> ring.get(0).allReduceMean(ModelWeights.init(TINY, 1, 1f), 1f))
          .isInstanceOf(UncheckedIOException.class)
          .hasMessageContaining("for 300 ms");
    } finally {
      ring.forEach(RingAllReduce::close);
    }
  }

  @Test
  void aCancelledReplicaStopsWaiting() throws Exception {
    ThreadAllGather comm = new ThreadAllGather(2);
    boolean[] cancel = {false};
    Future<RingAllReduce> other = pool.submit(() -> RingAllReduce.connect(comm.forRank(1), 1, 2,
        "127.0.0.1", GradientPrecision.FLOAT32, 60_000, () -> false));
    RingAllReduce me = RingAllReduce.connect(comm.forRank(0), 0, 2, "127.0.0.1",
        GradientPrecision.FLOAT32, 60_000, () -> cancel[0]);
    try {
      cancel[0] = true; // Spark killed the task
      assertThatThrownBy(() -> me.allReduceMean(ModelWeights.init(TINY, 1, 1f), 1f))
          .isInstanceOf(UncheckedIOException.class)
          .hasMessageContaining("cancelled");
    } finally {
      me.close();
      other.get(30, TimeUnit.SECONDS).close();
    }
  }

  @Test
  void badArgumentsAreNamed() {
    assertThatThrownBy(() -> RingAllReduce.connect(m -> new String[0], 2, 2, "127.0.0.1",
        GradientPrecision.FLOAT32, 1000, () -> false))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rank 2");
    assertThatThrownBy(() -> RingAllReduce.connect(m -> new String[0], 0, 2, "127.0.0.1",
        GradientPrecision.FLOAT32, 0, () -> false))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("timeoutMillis");
    assertThatThrownBy(() -> RingAllReduce.connect(m -> new String[] {m}, 0, 2, "127.0.0.1",
        GradientPrecision.FLOAT32, 1000, () -> false))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("1 addresses for 2");
  }
}
