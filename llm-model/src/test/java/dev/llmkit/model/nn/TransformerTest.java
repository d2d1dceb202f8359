package dev.llmkit.model.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmkit.model.InferenceSession;
import dev.llmkit.model.SessionOptions;
import dev.llmkit.model.config.ModelConfig;
import dev.llmkit.model.config.ModelConfig.Activation;
import dev.llmkit.model.config.ModelConfig.NormType;
import dev.llmkit.model.config.ModelConfig.PositionEncoding;
import dev.llmkit.model.weights.ModelWeights;
import dev.llmkit.tensor.DecodeMatrices;
import dev.llmkit.tensor.RopeStyle;
import dev.llmkit.tensor.Simd;
import dev.llmkit.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The transformer against the independent double-precision {@link ReferenceTransformer}, over every
 * pluggable part, plus KV-cache behaviour: prefill equals token-by-token decoding, chunks, growth,
 * rewind, sliding window, concurrent sessions and the errors.
 */
class TransformerTest {

  static Stream<Arguments> configs() {
    ModelConfig.Builder base =
        ModelConfig.builder().vocabSize(53).contextLength(24).nLayers(2).nHeads(4).dim(16).ffnDim(40);
    return Stream.of(
        Arguments.of("gpt2", ModelConfig.gpt2(53, 24, 2, 4, 16)),
        Arguments.of("llama-gqa-rotate-half", ModelConfig.llama(53, 24, 2, 4, 2, 16, 40)),
        Arguments.of("llama-mqa-adjacent-pairs",
            ModelConfig.llama(53, 24, 2, 4, 1, 16, 40).toBuilder()
                .ropeStyle(RopeStyle.ADJACENT_PAIRS).ropeTheta(500.0).tiedEmbeddings(true).build()),
        Arguments.of("post-norm-sinusoidal-relu",
            base.positions(PositionEncoding.SINUSOIDAL).preNorm(false).activation(Activation.RELU)
                .norm(NormType.LAYER_NORM).attentionBias(true).mlpBias(true).build()),
        Arguments.of("gelu-erf-rmsnorm-learned-untied",
            base.positions(PositionEncoding.LEARNED).preNorm(true).activation(Activation.GELU_ERF)
                .norm(NormType.RMS_NORM).attentionBias(false).mlpBias(true).tiedEmbeddings(false)
                .normEps(1e-6f).build()));
  }

  /** Random weights with random biases and norm weights, so every parameter matters. */
  static ModelWeights weights(ModelConfig c, long seed) {
    ModelWeights w = ModelWeights.init(c, seed, 0.3f);
    long s = seed * 1000;
    for (Map.Entry<String, Tensor> e : w.named().entrySet()) {
      Tensor t = e.getValue();
      if (t.rank() == 1) {
        boolean isNormWeight = e.getKey().endsWith("norm.weight");
        Tensor r = Tensor.randn(s++, 0.2f, t.shape());
        for (int i = 0; i < t.length(); i++) {
          t.setFlat(i, (isNormWeight ? 1f : 0f) + r.getFlat(i));
        }
      }
    }
    return w;
  }

  static int[] randomIds(int n, int vocab, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    int[] ids = new int[n];
    for (int i = 0; i < n; i++) {
      ids[i] = r.nextInt(vocab);
    }
    return ids;
  }

  /** max |a - b| over max |b|: the error relative to the scale of the reference. */
  static double relativeError(float[] actual, double[] expected) {
    double maxDiff = 0;
    double maxRef = 1e-30;
    for (int i = 0; i < expected.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(actual[i] - expected[i]));
      maxRef = Math.max(maxRef, Math.abs(expected[i]));
    }
    return maxDiff / maxRef;
  }

  static double relativeError(float[] actual, float[] expected) {
    double[] e = new double[expected.length];
    for (int i = 0; i < e.length; i++) {
      e[i] = expected[i];
    }
    return relativeError(actual, e);
  }

  static float[] row(Tensor t, int r) {
    return t.row(r).toArray();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("configs")
  void prefillLogitsMatchTheReference(String name, ModelConfig config) {
    ModelWeights w = weights(config, 7);
    int[] ids = randomIds(11, config.vocabSize(), 3);
    double[][] expected = new ReferenceTransformer(w).logits(ids);
    Tensor logits;
    try (InferenceSession s = new Transformer(w).newSession()) {
      logits = s.forwardAll(ids, 0, ids.length);
      assertThat(s.position()).isEqualTo(ids.length);
    }
    assertThat(logits.shape()).containsExactly(ids.length, config.vocabSize());
    for (int t = 0; t < ids.length; t++) {
      assertThat(relativeError(row(logits, t), expected[t])).as("position %d", t).isLessThan(1e-4);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("configs")
  void decodingTokenByTokenGivesThePrefillLogits(String name, ModelConfig config) {
    ModelWeights w = weights(config, 11);
    int[] ids = randomIds(20, config.vocabSize(), 5);
    double[][] expected = new ReferenceTransformer(w).logits(ids);
    // decode reads the matrices in place (BLAS) or from heap copies (Vector API or plain Java)
    for (DecodeMatrices mode : new DecodeMatrices[] {DecodeMatrices.SHARED, DecodeMatrices.HEAP_COPY}) {
      Transformer model = new Transformer(w, mode);
      assertThat(model.decodeMatrices()).isEqualTo(mode);
      Tensor prefill = model.newSession().forwardAll(ids, 0, ids.length);
      try (InferenceSession s = model.newSession()) {
        for (int t = 0; t < ids.length; t++) {
          float[] logits = s.forward(ids, t, 1);
          assertThat(relativeError(logits, row(prefill, t))).as("%s position %d", mode, t).isLessThan(1e-5);
          assertThat(relativeError(logits, expected[t])).as("%s position %d", mode, t).isLessThan(1e-4);
        }
      }
    }
  }

  @Test
  void autoCopiesTheMatricesForDecodingOnlyWithTheVectorApi() {
    // this run's JVM has the Vector API module or not, as the build's surefire execution says
    assertThat(Simd.enabled())
        .isEqualTo(Boolean.parseBoolean(System.getProperty("llmkit.simd.expected", "true")));
    Transformer model = new Transformer(weights(ModelConfig.gpt2(53, 24, 2, 4, 16), 1));
    assertThat(model.decodeMatrices())
        .isEqualTo(Simd.enabled() ? DecodeMatrices.HEAP_COPY : DecodeMatrices.SHARED);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("configs")
  void attentionWeightsMatchTheReference(String name, ModelConfig config) {
    ModelWeights w = weights(config, 13);
    int[] ids = randomIds(9, config.vocabSize(), 8);
    double[][][][] expected = new ReferenceTransformer(w).attention(ids);
    Tensor[] att = new Transformer(w).newSession().forwardWithAttention(ids, 0, ids.length);
    assertThat(att).hasSize(config.nLayers());
    for (int l = 0; l < att.length; l++) {
      assertThat(att[l].shape()).containsExactly(config.nHeads(), ids.length, ids.length);
      for (int h = 0; h < config.nHeads(); h++) {
        for (int i = 0; i < ids.length; i++) {
          for (int j = 0; j < ids.length; j++) {
            assertThat((double) att[l].get(h, i, j))
                .as("layer %d head %d query %d key %d", l, h, i, j)
                .isCloseTo(expected[l][h][i][j], org.assertj.core.data.Offset.offset(1e-5));
          }
        }
      }
    }
  }

  @Test
  void chunksOfAnySizeGiveTheSameLogitsAsOnePrefill() {
    ModelConfig c = ModelConfig.llama(53, 64, 2, 4, 2, 16, 40);
    Transformer model = new Transformer(weights(c, 21));
    int[] ids = randomIds(40, c.vocabSize(), 9);
    Tensor all = model.newSession().forwardAll(ids, 0, ids.length);
    // cache starts at 16 positions and doubles twice on the way to 40
    try (InferenceSession s = model.newSession()) {
      int[] chunks = {3, 1, 14, 1, 1, 20};
      int at = 0;
      for (int n : chunks) {
        float[] last = s.forward(ids, at, n);
        at += n;
        assertThat(relativeError(last, row(all, at - 1))).as("after %d tokens", at).isLessThan(1e-5);
      }
      assertThat(s.tokens()).containsExactly(ids);
    }
  }

  @Test
  void rewindAndResetForgetTokens() {
    ModelConfig c = ModelConfig.gpt2(53, 24, 2, 4, 16);
    Transformer model = new Transformer(weights(c, 4));
    int[] ids = randomIds(10, c.vocabSize(), 1);
    try (InferenceSession s = model.newSession()) {
      float[] first = s.forward(ids, 0, 6).clone();
      s.forward(ids, 6, 4);
      s.rewind(5);
      assertThat(s.position()).isEqualTo(5);
      assertThat(relativeError(s.forward(ids, 5, 1), first)).isLessThan(1e-6);
      s.reset();
      assertThat(s.position()).isZero();
      assertThat(relativeError(s.forward(ids, 0, 6), first)).isLessThan(1e-6);
      assertThatThrownBy(() -> s.rewind(7)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("7");
    }
  }

  @Test
  void concurrentSessionsGiveTheSameTokensAsSequentialRuns() throws Exception {
    ModelConfig c = ModelConfig.llama(53, 48, 2, 4, 2, 16, 40);
    Transformer model = new Transformer(weights(c, 5));
    int nSessions = 6;
    List<int[]> sequential = new ArrayList<>();
    for (int i = 0; i < nSessions; i++) {
      sequential.add(greedy(model, randomIds(3 + i, c.vocabSize(), 100 + i), 30));
    }
    ExecutorService pool = Executors.newFixedThreadPool(nSessions);
    try {
      List<Future<int[]>> futures = new ArrayList<>();
      for (int i = 0; i < nSessions; i++) {
        int[] prompt = randomIds(3 + i, c.vocabSize(), 100 + i);
        futures.add(pool.submit(() -> greedy(model, prompt, 30)));
      }
      for (int i = 0; i < nSessions; i++) {
        assertThat(futures.get(i).get()).as("session %d", i).containsExactly(sequential.get(i));
      }
    } finally {
      pool.shutdownNow();
    }
  }

  private static int[] greedy(Transformer model, int[] prompt, int n) {
    try (InferenceSession s = model.newSession()) {
      float[] logits = s.forward(prompt);
      int[] out = new int[n];
      for (int i = 0; i < n; i++) {
        int best = 0;
        for (int j = 1; j < logits.length; j++) {
          if (logits[j] > logits[best]) {
            best = j;
          }
        }
        out[i] = best;
        logits = s.forward(best);
      }
      return out;
    }
  }

  @Test
  void anIdOutsideTheVocabularyIsRejectedByName() {
    ModelConfig c = ModelConfig.gpt2(53, 24, 1, 4, 16);
    InferenceSession s = new Transformer(weights(c, 1)).newSession();
    assertThatThrownBy(() -> s.forward(1, 2, 53))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("53")
        .hasMessageContaining("vocabulary");
    assertThatThrownBy(() -> s.forward(-1)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("-1");
    assertThat(s.position()).as("nothing was consumed").isZero();
  }

  @Test
  void aPromptLongerThanTheContextIsRejectedNamingBothLengths() {
    ModelConfig c = ModelConfig.gpt2(53, 24, 1, 4, 16);
    Transformer model = new Transformer(weights(c, 1));
    InferenceSession s = model.newSession();
    assertThatThrownBy(() -> s.forward(randomIds(25, 53, 1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("25")
        .hasMessageContaining("context length 24");
    s.forward(randomIds(20, 53, 1));
    assertThatThrownBy(() -> s.forward(randomIds(5, 53, 1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("20")
        .hasMessageContaining("24");
    assertThat(s.position()).isEqualTo(20);
  }

  @Test
  void aSlidingWindowKeepsTheMostRecentTokens() {
    ModelConfig c = ModelConfig.llama(53, 16, 2, 4, 2, 16, 40);
    Transformer model = new Transformer(weights(c, 2));
    int[] ids = randomIds(40, 53, 6);
    try (InferenceSession s = model.newSession(new SessionOptions(true, 6, 0))) {
      for (int t = 0; t < ids.length; t++) {
        float[] logits = s.forward(ids, t, 1);
        assertThat(s.position()).isLessThanOrEqualTo(16);
        // the logits are those of a fresh session over exactly the tokens it now holds
        int[] held = s.tokens();
        assertThat(held[held.length - 1]).isEqualTo(ids[t]);
        assertThat(relativeError(logits, model.newSession().forward(held))).isLessThan(1e-5);
      }
      // a prompt longer than the whole context keeps its last keepOnShift tokens
      s.reset();
      s.forward(ids);
      assertThat(s.tokens()).containsExactly(java.util.Arrays.copyOfRange(ids, 34, 40));
    }
  }
}
