package dev.llmkit.training.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmkit.model.config.ModelConfig;
import dev.llmkit.model.weights.ModelWeights;
import dev.llmkit.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The reducer's arithmetic and wire format, with an in-process all-gather of threads (no Spark). */
class AllGatherReducerTest {

  private static final ModelConfig TINY = ModelConfig.gpt2(11, 8, 1, 2, 8);

  /** Runs one reduction on {@code grads.size()} threads; returns the mean losses. */
  private static float[] reduce(List<ModelWeights> grads, float[] losses, GradientPrecision p,
      int bucket) throws Exception {
    int n = grads.size();
    ThreadAllGather comm = new ThreadAllGather(n);
    float[] out = new float[n];
    List<Thread> threads = new ArrayList<>();
    for (int r = 0; r < n; r++) {
      int rank = r;
      AllGatherReducer red = new AllGatherReducer(comm.forRank(rank), n, p, bucket);
      threads.add(new Thread(() -> out[rank] = red.allReduceMean(grads.get(rank), losses[rank])));
    }
    threads.forEach(Thread::start);
    for (Thread t : threads) {
      t.join();
    }
    return out;
  }

  @Test
  void float32MeanIsTheArithmeticMeanOnEveryReplicaWhateverTheBuckets() throws Exception {
    for (int bucket : new int[] {1 << 20, 7}) {
      List<ModelWeights> grads = List.of(ModelWeights.init(TINY, 1, 1f),
          ModelWeights.init(TINY, 2, 1f), ModelWeights.init(TINY, 3, 1f));
      List<Map<String, float[]>> before = new ArrayList<>();
      for (ModelWeights g : grads) {
        Map<String, float[]> m = new java.util.LinkedHashMap<>();
        g.named().forEach((k, t) -> m.put(k, t.toArray()));
        before.add(m);
      }
      float[] losses = reduce(grads, new float[] {1f, 2f, 6f}, GradientPrecision.FLOAT32, bucket);
      assertThat(losses).containsExactly(3f, 3f, 3f);
      for (Map.Entry<String, Tensor> e : grads.get(0).named().entrySet()) {
        float[] got = e.getValue().toArray();
        for (int i = 0; i < got.length; i++) {
          float want = (before.get(0).get(e.getKey())[i] + before.get(1).get(e.getKey())[i]
              + before.get(2).get(e.getKey())[i]) / 3;
          assertThat(got[i]).as("%s[%d], bucket %d", e.getKey(), i, bucket).isEqualTo(want);
        }
        assertThat(grads.get(1).named().get(e.getKey()).toArray()).containsExactly(got);
        assertThat(grads.get(2).named().get(e.getKey()).toArray()).containsExactly(got);
      }
    }
  }

  @Test
  void bf16RoundsToNearestEvenAndKeepsReplicasIdentical() throws Exception {
    // 1 + 2^-8 lies halfway between two bf16 values: rounds to the even one, 1.0
    assertThat(GradientCodec.fromBf16(GradientCodec.toBf16(1f + 0x1p-8f))).isEqualTo(1f);
    assertThat(GradientCodec.fromBf16(GradientCodec.toBf16(1f + 0x1p-7f))).isEqualTo(1f + 0x1p-7f);
    assertThat(GradientCodec.fromBf16(GradientCodec.toBf16(-3.0e-5f)))
        .isCloseTo(-3.0e-5f, org.assertj.core.api.Assertions.withinPercentage(0.4));
    List<ModelWeights> grads = List.of(ModelWeights.init(TINY, 1, 1f), ModelWeights.init(TINY, 2, 1f));
    float[] a = grads.get(0).named().get("tok_embeddings.weight").toArray();
    float[] b = grads.get(1).named().get("tok_embeddings.weight").toArray();
    float[] losses = reduce(grads, new float[] {1.5f, 2.5f}, GradientPrecision.BF16, 1 << 20);
    assertThat(losses).containsExactly(2f, 2f);
    for (String k : grads.get(0).named().keySet()) {
      assertThat(grads.get(1).named().get(k).toArray())
          .containsExactly(grads.get(0).named().get(k).toArray());
    }
    float[] got = grads.get(0).named().get("tok_embeddings.weight").toArray();
    for (int i = 0; i < got.length; i++) {
      float want = (GradientCodec.fromBf16(GradientCodec.toBf16(a[i]))
          + GradientCodec.fromBf16(GradientCodec.toBf16(b[i]))) / 2;
      assertThat(got[i]).isEqualTo(want);
      assertThat(got[i]).isCloseTo((a[i] + b[i]) / 2, org.assertj.core.api.Assertions.within(
          0.01f * (Math.abs(a[i]) + Math.abs(b[i])) + 1e-30f));
    }
  }

  @Test
  void aMessageOfAnotherSizeIsNamed() {
    ModelWeights g = ModelWeights.init(TINY, 1, 1f);
    AllGatherReducer red = new AllGatherReducer(
        m -> new String[] {m, new GradientCodec(GradientPrecision.FLOAT32).encode(0f, new float[3], 0, 3)},
        2, GradientPrecision.FLOAT32, 1 << 20);
    assertThatThrownBy(() -> red.allReduceMean(g, 1f))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("rank 1")
        .hasMessageContaining("do not hold the same model");
  }
}
