package dev.llmkit.model.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.llmkit.model.InferenceSession;
import dev.llmkit.model.config.ModelConfig;
import dev.llmkit.model.config.ModelConfig.Activation;
import dev.llmkit.model.config.ModelConfig.PositionEncoding;
import dev.llmkit.model.weights.ModelWeights;
import dev.llmkit.tensor.AttentionMask;
import dev.llmkit.tensor.DecodeMatrices;
import dev.llmkit.tensor.F32Matrix;
import dev.llmkit.tensor.Tensor;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The attention modes beyond the decoder's causal self-attention, checked against finite
 * differences (bidirectional, padded, cross-attention), and the two modes of one model: the
 * inference forward (KV cache, chunks of several sizes) and the training forward give the same
 * logits for the same weights.
 */
class AttentionModesTest {

  private static final int B = 2;
  private static final int T = 5;
  private static final int S = 4;
  private static final int C = 16;
  private static final int HEADS = 4;
  private static final int KV_HEADS = 2;
  private static final int HD = C / HEADS;
  private static final double EPS = 1e-3;
  private static final double RTOL = 1e-2;
  private static final double ATOL = 5e-4;

  /** Four projections with biases (GQA: 2 KV heads), and their gradients. */
  private static final class Params {
    final Map<String, Tensor> values = new LinkedHashMap<>();
    final Map<String, Tensor> grads = new LinkedHashMap<>();
    final Map<Tensor, Tensor> byTensor = new IdentityHashMap<>();
    final Linear[] linears = new Linear[4];

    Params(long seed) {
      int[][] shapes = {{HEADS * HD, C}, {KV_HEADS * HD, C}, {KV_HEADS * HD, C}, {C, HEADS * HD}};
      String[] names = {"q", "k", "v", "o"};
      for (int i = 0; i < 4; i++) {
        Tensor w = Tensor.rand(seed + i, -0.5f, 0.5f, shapes[i]);
        Tensor b = Tensor.rand(seed + 10 + i, -0.1f, 0.1f, shapes[i][0]);
        add("w" + names[i], w);
        add("b" + names[i], b);
        linears[i] = new Linear(F32Matrix.of(w), b);
      }
    }

    private void add(String name, Tensor t) {
      Tensor g = Tensor.zeros(t.shape());
      values.put(name, t);
      grads.put(name, g);
      byTensor.put(t, g);
    }

    Gradients gradients() {
      return byTensor::get;
    }

    Attention self(AttentionMask mask) {
      return Attention.self(HEADS, KV_HEADS, linears[0], linears[1], linears[2], linears[3],
          Positions.NONE, mask);
    }

    Attention cross() {
      return Attention.cross(HEADS, KV_HEADS, linears[0], linears[1], linears[2], linears[3]);
    }

    void zeroGrad() {
      grads.values().forEach(g -> g.fill(0f));
    }
  }

  /** Checks self-attention training with the given per-sequence masks (null: the layer's own). */
  private static void checkSelf(AttentionMask layerMask, AttentionMask... masks) {
    Params p = new Params(1);
    Attention.Training attn = p.self(layerMask).training(B, T, p.gradients());
    if (masks.length > 0) {
      attn.masks(masks);
    }
    Tensor x = GradCheck.uniform(3, B * T, C);
    Tensor out = Tensor.zeros(B * T, C);
    Tensor r = GradCheck.uniform(4, B * T, C);
    Tensor dx = Tensor.zeros(B * T, C);
    p.zeroGrad();
    attn.forward(x, out);
    attn.backward(x, r, dx);
    Map<String, Tensor> ps = new LinkedHashMap<>(p.values);
    Map<String, Tensor> gs = new LinkedHashMap<>(p.grads);
    ps.put("x", x);
    gs.put("x", dx);
    List<GradCheck.Result> bad = GradCheck.checkAll(ps, gs, () -> {
      attn.forward(x, out);
      return GradCheck.dot(out, r);
    }, EPS, RTOL, ATOL);
    assertThat(bad).isEmpty();
    assertThat(dx.toArray()).isNotEqualTo(new float[dx.length()]);
  }

  @Test
  void bidirectionalSelfAttentionGradientsMatchFiniteDifferences() {
    checkSelf(AttentionMask.BIDIRECTIONAL);
  }

  @Test
  void paddedSelfAttentionGradientsMatchFiniteDifferences() {
    // sequence 0: the last two keys are padding; sequence 1: causal with key 1 padded
    checkSelf(AttentionMask.BIDIRECTIONAL,
        AttentionMask.padding(new boolean[] {true, true, true, false, false}),
        AttentionMask.padding(new boolean[] {true, false, true, true, true}, true));
  }

  @Test
  void bidirectionalAttendsToLaterKeysAndPaddingHidesKeys() {
    Params p = new Params(2);
    Tensor x = GradCheck.uniform(5, B * T, C);
    Tensor causal = Tensor.zeros(B * T, C);
    Tensor bidi = Tensor.zeros(B * T, C);
    p.self(AttentionMask.CAUSAL).training(B, T, p.gradients()).forward(x, causal);
    Attention.Training t = p.self(AttentionMask.BIDIRECTIONAL).training(B, T, p.gradients());
    t.forward(x, bidi);
    // the last row sees every key either way; the first row sees only itself under the causal mask
    for (int j = 0; j < C; j++) {
      assertThat(bidi.get(T - 1, j)).isCloseTo(causal.get(T - 1, j), within(1e-5f));
    }
    assertThat(bidi.row(0).toArray()).isNotEqualTo(causal.row(0).toArray());
    // padded keys get probability zero, the others sum to one
    boolean[] valid = {true, false, true, false, true};
    t.masks(AttentionMask.padding(valid), AttentionMask.BIDIRECTIONAL);
    t.forward(x, bidi);
    for (int h = 0; h < HEADS; h++) {
      for (int i = 0; i < T; i++) {
        double sum = 0;
        for (int j = 0; j < T; j++) {
          float pr = t.probs().get(0, h, i, j);
          if (!valid[j]) {
            assertThat(pr).isZero();
          }
          sum += pr;
        }
        assertThat(sum).isCloseTo(1.0, within(1e-5));
      }
    }
  }

  @Test
  void crossAttentionGradientsMatchFiniteDifferences() {
    Params p = new Params(7);
    Attention.Training attn = p.cross().training(B, T, S, p.gradients());
    Tensor x = GradCheck.uniform(8, B * T, C);
    Tensor mem = GradCheck.uniform(9, B * S, C);
    Tensor out = Tensor.zeros(B * T, C);
    Tensor r = GradCheck.uniform(10, B * T, C);
    Tensor dx = Tensor.zeros(B * T, C);
    Tensor dmem = Tensor.zeros(B * S, C);
    p.zeroGrad();
    attn.forward(x, mem, out);
    attn.backward(x, mem, r, dx, dmem);
    Map<String, Tensor> ps = new LinkedHashMap<>(p.values);
    Map<String, Tensor> gs = new LinkedHashMap<>(p.grads);
    ps.put("x", x);
    gs.put("x", dx);
    ps.put("memory", mem);
    gs.put("memory", dmem);
    List<GradCheck.Result> bad = GradCheck.checkAll(ps, gs, () -> {
      attn.forward(x, mem, out);
      return GradCheck.dot(out, r);
    }, EPS, RTOL, ATOL);
    assertThat(bad).isEmpty();
    assertThat(dmem.toArray()).isNotEqualTo(new float[dmem.length()]);
    assertThat(attn.probs().shape()).containsExactly(B, HEADS, T, S);
  }

  @Test
  void crossAttentionInferenceOverProjectedMemoryMatchesTraining() {
    Params p = new Params(11);
    Attention cross = p.cross();
    Tensor x = GradCheck.uniform(12, B * T, C);
    Tensor mem = GradCheck.uniform(13, B * S, C);
    Tensor trained = Tensor.zeros(B * T, C);
    cross.training(B, T, S, p.gradients()).forward(x, mem, trained);
    Tensor k = Tensor.zeros(S, KV_HEADS * HD);
    Tensor v = Tensor.zeros(S, KV_HEADS * HD);
    Tensor q = Tensor.zeros(1, HEADS * HD);
    Tensor att = Tensor.zeros(1, HEADS * HD);
    Tensor out = Tensor.zeros(1, C);
    for (int b = 0; b < B; b++) {
      // K/V once per memory, then one decoder row at a time
      cross.projectMemory(mem.slice(b * S, (b + 1) * S), k, v);
      for (int i = 0; i < T; i++) {
        int row = b * T + i;
        cross.forwardCross(x.slice(row, row + 1), k, v, AttentionMask.BIDIRECTIONAL, q, att, null, out);
        for (int j = 0; j < C; j++) {
          assertThat(out.get(0, j)).as("row %d col %d", row, j)
              .isCloseTo(trained.get(row, j), within(1e-5f));
        }
      }
    }
  }

  static Stream<Arguments> models() {
    ModelConfig gpt2 = ModelConfig.gpt2(37, 16, 2, 4, 16);
    ModelConfig llama = ModelConfig.llama(41, 16, 2, 4, 2, 24, 16);
    return Stream.of(
        Arguments.of("gpt2 learned pre-norm", gpt2),
        Arguments.of("llama rotary GQA SwiGLU", llama),
        Arguments.of("sinusoidal post-norm ReLU",
            gpt2.toBuilder().positions(PositionEncoding.SINUSOIDAL).preNorm(false)
                .activation(Activation.RELU).tiedEmbeddings(false).build()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("models")
  void inferenceWithKvCacheInChunksGivesTheTrainingLogits(String name, ModelConfig c) {
    int block = 12;
    ModelWeights w = GradCheck.randomWeights(c, 17, 0.3f);
    SplittableRandom rng = new SplittableRandom(3);
    int[] ids = new int[2 * block];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = rng.nextInt(c.vocabSize());
    }
    Transformer.Training training = new Transformer(w, DecodeMatrices.SHARED)
        .training(2, block, Gradients.mirror(w, ModelWeights.zeros(c)));
    Tensor logits = Tensor.zeros(2 * block, c.vocabSize());
    training.forward(ids, logits);
    int[] chunks = {5, 1, 1, 3, 1};
    for (DecodeMatrices mode : new DecodeMatrices[] {DecodeMatrices.SHARED, DecodeMatrices.HEAP_COPY}) {
      Transformer model = new Transformer(w, mode);
      for (int b = 0; b < 2; b++) {
        try (InferenceSession s = model.newSession()) {
          int at = 0;
          for (int n : chunks) {
            Tensor got = s.forwardAll(ids, b * block + at, n);
            for (int i = 0; i < n; i++) {
              for (int j = 0; j < c.vocabSize(); j++) {
                assertThat(got.get(i, j)).as("%s %s seq %d pos %d", name, mode, b, at + i)
                    .isCloseTo(logits.get(b * block + at + i, j), within(2e-4f));
              }
            }
            at += n;
          }
          // the decode path (one row, last logits only) as well
          float[] last = s.forward(new int[] {ids[b * block + at]}, 0, 1);
          for (int j = 0; j < c.vocabSize(); j++) {
            assertThat(last[j]).isCloseTo(logits.get(b * block + at, j), within(2e-4f));
          }
        }
      }
    }
  }
}
