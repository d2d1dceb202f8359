package dev.llmkit.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import dev.llmkit.model.InferenceSession;
import dev.llmkit.model.config.ModelConfig;
import dev.llmkit.model.nn.GradCheck;
import dev.llmkit.model.config.ModelConfig.Activation;
import dev.llmkit.model.config.ModelConfig.PositionEncoding;
import dev.llmkit.model.nn.Transformer;
import dev.llmkit.model.weights.ModelWeights;
import dev.llmkit.tensor.RopeStyle;
import dev.llmkit.tensor.Tensor;
import dev.llmkit.training.optim.AdamW;
import dev.llmkit.training.optim.AdamWConfig;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class TrainableModelTest {

  private static final ModelConfig GPT2 = ModelConfig.gpt2(31, 8, 2, 2, 8);
  private static final ModelConfig LLAMA = ModelConfig.llama(37, 8, 2, 4, 2, 16, 24);

  private static int[] randomIds(long seed, int n, int vocab) {
    SplittableRandom r = new SplittableRandom(seed);
    int[] ids = new int[n];
    for (int i = 0; i < n; i++) {
      ids[i] = r.nextInt(vocab);
    }
    return ids;
  }

  static Stream<ModelConfig> families() {
    return Stream.of(GPT2, LLAMA,
        LLAMA.toBuilder().ropeStyle(RopeStyle.ADJACENT_PAIRS).build(),
        GPT2.toBuilder().positions(PositionEncoding.SINUSOIDAL).preNorm(false)
            .activation(Activation.RELU).tiedEmbeddings(false).build());
  }

  @ParameterizedTest
  @MethodSource("families")
  void logitsEqualTheInferenceForwardOfLlmModel(ModelConfig c) {
    int batch = 3;
    int block = 7;
    ModelWeights w = GradCheck.randomWeights(c, 11, 0.3f);
    TrainableModel model = new TrainableModel(w, batch, block);
    int[] inputs = randomIds(1, batch * block, c.vocabSize());
    model.forward(inputs, randomIds(2, batch * block, c.vocabSize()));
    Transformer inference = new Transformer(w);
    for (int b = 0; b < batch; b++) {
      try (InferenceSession s = inference.newSession()) {
        float[] expected = s.forwardAll(inputs, b * block, block).toArray();
        float[] actual = model.logits().slice(b * block, (b + 1) * block).toArray();
        assertThat(actual).as("sequence " + b).containsExactly(expected, offset(2e-5f));
      }
    }
  }

  @Test
  void lossIsTheMeanOfMinusTargetLogProbsOverCountedTargets() {
    TrainableModel model = new TrainableModel(GradCheck.randomWeights(GPT2, 3, 0.3f), 2, 4);
    int[] targets = {1, -1, 3, 4, -1, 6, 7, 8};
    float loss = model.forward(randomIds(3, 8, 31), targets);
    float[] lp = model.targetLogProbs();
    Tensor logits = model.logits();
    double sum = 0;
    for (int i = 0; i < 8; i++) {
      if (targets[i] < 0) {
        assertThat(lp[i]).isZero();
        continue;
      }
      double max = Double.NEGATIVE_INFINITY;
      for (int j = 0; j < 31; j++) {
        max = Math.max(max, logits.get(i, j));
      }
      double z = 0;
      for (int j = 0; j < 31; j++) {
        z += Math.exp(logits.get(i, j) - max);
      }
      double expected = logits.get(i, targets[i]) - max - Math.log(z);
      assertThat((double) lp[i]).isCloseTo(expected, offset(1e-5));
      sum -= expected;
    }
    assertThat(model.targetCount()).isEqualTo(6);
    assertThat((double) loss).isCloseTo(sum / 6, offset(1e-5));
  }

  @Test
  void weightedBackwardGeneralisesTheMeanAndAccumulates() {
    ModelWeights w = GradCheck.randomWeights(LLAMA, 4, 0.3f);
    TrainableModel model = new TrainableModel(w, 2, 5);
    int[] in = randomIds(5, 10, 37);
    int[] tg = randomIds(6, 10, 37);
    tg[2] = -1;
    model.forward(in, tg);
    model.zeroGrad();
    model.backward();
    Map<String, float[]> mean = snapshot(model.gradients());
    // the mean loss is weights -1/count on log p(target)
    float[] weights = new float[10];
    java.util.Arrays.fill(weights, -1f / 9);
    model.zeroGrad();
    model.backward(weights);
    model.backward(weights); // a second backward adds
    for (Map.Entry<String, Tensor> e : model.gradients().named().entrySet()) {
      float[] m = mean.get(e.getKey());
      float[] twice = e.getValue().toArray();
      for (int i = 0; i < m.length; i++) {
        assertThat(twice[i]).as(e.getKey()).isCloseTo(2 * m[i], offset(1e-6f + 1e-5f * Math.abs(m[i])));
      }
    }
  }

  @Test
  void weightedBackwardMatchesFiniteDifferencesOfWeightedLogProbs() {
    // DPO-like: +1 on the positions of sequence 0, -0.5 on those of sequence 1
    ModelWeights w = GradCheck.randomWeights(GPT2, 8, 0.3f);
    TrainableModel model = new TrainableModel(w, 2, 4);
    int[] in = randomIds(9, 8, 31);
    int[] tg = randomIds(10, 8, 31);
    tg[0] = -1;
    float[] weights = {1f, 1f, 1f, 1f, -0.5f, -0.5f, -0.5f, -0.5f};
    model.zeroGrad();
    model.forward(in, tg);
    model.backward(weights);
    GradCheck.Scalar f = () -> {
      model.forward(in, tg);
      double s = 0;
      for (int i = 0; i < 8; i++) {
        s += weights[i] * model.targetLogProbs()[i];
      }
      return s;
    };
    List<GradCheck.Result> bad =
        GradCheck.checkAll(w.named(), model.gradients().named(), f, 1e-3, 1e-2, 1e-3);
    assertThat(bad).isEmpty();
  }

  @Test
  void stepsReuseTheSameBuffers() {
    ModelWeights w = GradCheck.randomWeights(GPT2, 12, 0.3f);
    TrainableModel model = new TrainableModel(w, 2, 8);
    AdamW opt = new AdamW(w, model.gradients(), AdamWConfig.defaults());
    int[] in = randomIds(13, 16, 31);
    int[] tg = randomIds(14, 16, 31);
    Tensor logits = model.logits();
    float[] lp = model.targetLogProbs();
    Map<Tensor, Boolean> grads = new IdentityHashMap<>();
    model.gradients().named().values().forEach(t -> grads.put(t, true));
    Map<Tensor, Boolean> params = new IdentityHashMap<>();
    w.named().values().forEach(t -> params.put(t, true));
    float first = 0;
    float last = 0;
    for (int step = 0; step < 20; step++) {
      model.zeroGrad();
      last = model.forward(in, tg);
      if (step == 0) {
        first = last;
      }
      model.backward();
      opt.step(1e-2f);
      assertThat(model.logits()).isSameAs(logits);
      assertThat(model.targetLogProbs()).isSameAs(lp);
      model.gradients().named().values().forEach(t -> assertThat(grads).containsKey(t));
      w.named().values().forEach(t -> assertThat(params).containsKey(t));
    }
    assertThat(last).isLessThan(first); // and it learns the batch
  }

  @Test
  void sameWeightsAndBatchesGiveBitIdenticalTraining() {
    float[][] runs = new float[2][];
    for (int r = 0; r < 2; r++) {
      ModelWeights w = GradCheck.randomWeights(LLAMA, 21, 0.3f);
      TrainableModel model = new TrainableModel(w, 3, 8);
      AdamW opt = new AdamW(w, model.gradients(), AdamWConfig.defaults());
      runs[r] = new float[6];
      for (int step = 0; step < runs[r].length; step++) {
        model.zeroGrad();
        runs[r][step] = model.forward(randomIds(step, 24, 37), randomIds(100 + step, 24, 37));
        model.backward();
        opt.step(3e-3f);
      }
    }
    assertThat(runs[1]).containsExactly(runs[0]);
  }

  @Test
  void tiedEmbeddingsShareOneGradient() {
    ModelWeights w = GradCheck.randomWeights(GPT2, 15, 0.3f);
    TrainableModel model = new TrainableModel(w, 1, 4);
    assertThat(model.gradients().lmHead()).isSameAs(model.gradients().tokenEmbedding());
    assertThat(model.gradients().named()).doesNotContainKey("lm_head.weight");
  }

  @Test
  void badInputsAreNamed() {
    TrainableModel model = new TrainableModel(ModelWeights.init(GPT2, 1, 0.02f), 2, 4);
    assertThatThrownBy(() -> model.backward()).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> model.forward(new int[7], new int[8]))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("7 inputs");
    assertThatThrownBy(() -> model.forward(new int[8], new int[9]))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("9 targets");
    int[] bad = new int[8];
    bad[5] = 31;
    assertThatThrownBy(() -> model.forward(bad, new int[8]))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("31");
    assertThatThrownBy(() -> model.forward(new int[8], bad))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("target 31");
    assertThatThrownBy(() -> new TrainableModel(ModelWeights.init(GPT2, 1, 0.02f), 1, 9))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("context length");
    assertThatThrownBy(() -> new TrainableModel(ModelWeights.init(GPT2, 1, 0.02f), 0, 4))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("batch");
  }

  private static Map<String, float[]> snapshot(ModelWeights w) {
    Map<String, float[]> m = new java.util.HashMap<>();
    w.named().forEach((k, v) -> m.put(k, v.toArray()));
    return m;
  }
}
