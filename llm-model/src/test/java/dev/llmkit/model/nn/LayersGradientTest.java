package dev.llmkit.model.nn;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmkit.model.config.ModelConfig;
import dev.llmkit.model.config.ModelConfig.Activation;
import dev.llmkit.model.config.ModelConfig.NormType;
import dev.llmkit.model.config.ModelConfig.PositionEncoding;
import dev.llmkit.model.weights.LayerWeights;
import dev.llmkit.model.weights.ModelWeights;
import dev.llmkit.tensor.AttentionMask;
import dev.llmkit.tensor.DecodeMatrices;
import dev.llmkit.tensor.F32Matrix;
import dev.llmkit.tensor.RopeStyle;
import dev.llmkit.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Finite-difference checks of each layer on its own: the scalar is {@code Σ R·out} for a fixed random
 * R, so the upstream gradient is R; the input gradient and every parameter gradient are checked
 * along random ±1 directions.
 */
class LayersGradientTest {

  private static final int B = 2;
  private static final int T = 5;
  private static final int ROWS = B * T;
  private static final double EPS = 1e-3;
  private static final double RTOL = 1e-2;
  private static final double ATOL = 5e-4;

  private static ModelConfig base() {
    return ModelConfig.builder().vocabSize(11).dim(8).nLayers(1).nHeads(2).nKvHeads(2).ffnDim(12)
        .contextLength(T).attentionBias(true).mlpBias(true).build();
  }

  /** Parameters of layer 0 with their gradients, by canonical name (nulls skipped). */
  private static void layerParams(ModelWeights p, ModelWeights g, Map<String, Tensor> ps,
      Map<String, Tensor> gs) {
    for (Map.Entry<String, Tensor> e : p.named().entrySet()) {
      if (e.getKey().startsWith("layers.0.")) {
        ps.put(e.getKey(), e.getValue());
        gs.put(e.getKey(), g.named().get(e.getKey()));
      }
    }
  }

  private static List<GradCheck.Result> check(Trainable layer, Tensor x, Tensor out,
      Map<String, Tensor> params, Map<String, Tensor> grads, double eps, double atol) {
    Tensor r = GradCheck.uniform(99, out.shape());
    for (Tensor g : grads.values()) {
      g.fill(0f);
    }
    Tensor dx = Tensor.zeros(x.shape());
    layer.forward(x, out);
    layer.backward(x, r, dx);
    Map<String, Tensor> ps = new LinkedHashMap<>(params);
    Map<String, Tensor> gs = new LinkedHashMap<>(grads);
    ps.put("x", x);
    gs.put("x", dx);
    GradCheck.Scalar f = () -> {
      layer.forward(x, out);
      return GradCheck.dot(out, r);
    };
    List<GradCheck.Result> bad = GradCheck.checkAll(ps, gs, f, eps, RTOL, atol);
    // the analytic gradients must not be trivially zero
    assertThat(dx.toArray()).as("dx").isNotEqualTo(new float[dx.length()]);
    return bad;
  }

  @Test
  void linearWithAndWithoutBias() {
    Tensor w = GradCheck.uniform(1, 6, 4);
    Tensor b = GradCheck.uniform(2, 6);
    Tensor dw = Tensor.zeros(6, 4);
    Tensor db = Tensor.zeros(6);
    for (boolean bias : new boolean[] {true, false}) {
      Tensor bb = bias ? b : null;
      Trainable lin = new Linear(F32Matrix.of(w), bb).training(t -> t == w ? dw : t == bb ? db : null);
      Map<String, Tensor> ps = new LinkedHashMap<>(Map.of("w", w));
      Map<String, Tensor> gs = new LinkedHashMap<>(Map.of("w", dw));
      if (bias) {
        ps.put("b", b);
        gs.put("b", db);
      }
      Trainable l = lin;
      assertThat(check(l, GradCheck.uniform(3, ROWS, 4), Tensor.zeros(ROWS, 6), ps, gs, EPS, ATOL))
          .as("bias " + bias).isEmpty();
    }
  }

  @ParameterizedTest
  @EnumSource(NormType.class)
  void norm(NormType type) {
    Tensor w = Tensor.rand(1, 0.5f, 1.5f, 8);
    Tensor b = type == NormType.LAYER_NORM ? GradCheck.uniform(2, 8) : null;
    Tensor dw = Tensor.zeros(8);
    Tensor db = b == null ? null : Tensor.zeros(8);
    Trainable l = Norm.of(type, 1e-5f, w, b).training(ROWS, t -> t == w ? dw : t == b ? db : null);
    Map<String, Tensor> ps = new LinkedHashMap<>(Map.of("weight", w));
    Map<String, Tensor> gs = new LinkedHashMap<>(Map.of("weight", dw));
    if (b != null) {
      ps.put("bias", b);
      gs.put("bias", db);
    }
    assertThat(check(l, GradCheck.uniform(3, ROWS, 8), Tensor.zeros(ROWS, 8), ps, gs, EPS, ATOL))
        .isEmpty();
  }

  @ParameterizedTest
  @EnumSource(Activation.class)
  void feedForward(Activation act) {
    ModelConfig c = base().toBuilder().activation(act).build();
    ModelWeights p = GradCheck.randomWeights(c, 3, 0.5f);
    ModelWeights g = ModelWeights.zeros(c);
    Map<String, Tensor> ps = new LinkedHashMap<>();
    Map<String, Tensor> gs = new LinkedHashMap<>();
    layerParams(p, g, ps, gs);
    ps.keySet().removeIf(k -> !k.contains(".mlp."));
    gs.keySet().removeIf(k -> !k.contains(".mlp."));
    Trainable l = FeedForward.of(c, p.layer(0), DecodeMatrices.SHARED)
        .training(ROWS, Gradients.mirror(p, g));
    // ReLU has kinks: a smaller step keeps a perturbation from crossing one
    double eps = act == Activation.RELU ? 1e-4 : EPS;
    double atol = act == Activation.RELU ? 2e-3 : ATOL;
    assertThat(check(l, GradCheck.uniform(5, ROWS, 8), Tensor.zeros(ROWS, 8), ps, gs, eps, atol))
        .isEmpty();
    assertThat(ps).hasSize(act.gated() ? 3 + 2 : 4);
  }

  static List<Object[]> attentionCases() {
    List<Object[]> cases = new ArrayList<>();
    ModelConfig mha = base();
    cases.add(new Object[] {"MHA learned, biases", mha});
    ModelConfig gqa = base().toBuilder().dim(16).nHeads(4).nKvHeads(2).attentionBias(false)
        .positions(PositionEncoding.ROTARY).build();
    cases.add(new Object[] {"GQA rotary rotate-half", gqa});
    cases.add(new Object[] {"GQA rotary adjacent pairs",
        gqa.toBuilder().ropeStyle(RopeStyle.ADJACENT_PAIRS).build()});
    cases.add(new Object[] {"MQA rotary with biases",
        gqa.toBuilder().nKvHeads(1).attentionBias(true).build()});
    // Gemma 2's attention: score scale, soft cap, sliding window of 3 (T = 5), head_dim != C/heads
    cases.add(new Object[] {"GQA scale, soft cap, sliding window, head_dim 6",
        gqa.toBuilder().explicitHeadDim(6).attentionScale(0.3f).attentionSoftcap(1.2f)
            .slidingWindow(3).build()});
    cases.add(new Object[] {"yarn-scaled rotary",
        gqa.toBuilder().ropeScaling(dev.llmkit.model.config.RopeScaling.yarn(4, 2, 32, 1, 0)).build()});
    return cases;
  }

  @ParameterizedTest(name = "{0}")
  @org.junit.jupiter.params.provider.MethodSource("attentionCases")
  void causalSelfAttention(String name, ModelConfig c) {
    ModelWeights p = GradCheck.randomWeights(c, 4, 0.5f);
    ModelWeights g = ModelWeights.zeros(c);
    Map<String, Tensor> ps = new LinkedHashMap<>();
    Map<String, Tensor> gs = new LinkedHashMap<>();
    layerParams(p, g, ps, gs);
    ps.keySet().removeIf(k -> !k.contains(".attn."));
    gs.keySet().removeIf(k -> !k.contains(".attn."));
    Trainable l = Attention.of(c, p.layer(0), Positions.of(c, p.positionEmbedding()),
        DecodeMatrices.SHARED).training(B, T, Gradients.mirror(p, g));
    int d = c.dim();
    assertThat(check(l, GradCheck.uniform(6, ROWS, d), Tensor.zeros(ROWS, d), ps, gs, EPS, ATOL))
        .as(name).isEmpty();
  }

  @ParameterizedTest(name = "preNorm {0}")
  @org.junit.jupiter.params.provider.ValueSource(booleans = {true, false})
  void transformerBlock(boolean preNorm) {
    ModelConfig c = base().toBuilder().preNorm(preNorm).build();
    ModelWeights p = GradCheck.randomWeights(c, 5, 0.5f);
    ModelWeights g = ModelWeights.zeros(c);
    Map<String, Tensor> ps = new LinkedHashMap<>();
    Map<String, Tensor> gs = new LinkedHashMap<>();
    layerParams(p, g, ps, gs);
    Trainable l = Block.of(c, p.layer(0), Positions.of(c, p.positionEmbedding()),
        DecodeMatrices.SHARED).training(B, T, Gradients.mirror(p, g));
    assertThat(check(l, GradCheck.uniform(7, ROWS, 8), Tensor.zeros(ROWS, 8), ps, gs, EPS, ATOL))
        .isEmpty();
    assertThat(ps).hasSize(16);
  }

  @Test
  void blockWithSandwichNorms() {
    ModelConfig c = base().toBuilder().sandwichNorms(true).activation(Activation.GEGLU_TANH)
        .norm(NormType.RMS_NORM).slidingWindow(2).attentionSoftcap(2f).build();
    ModelWeights p = GradCheck.randomWeights(c, 5, 0.5f);
    ModelWeights g = ModelWeights.zeros(c);
    Map<String, Tensor> ps = new LinkedHashMap<>();
    Map<String, Tensor> gs = new LinkedHashMap<>();
    layerParams(p, g, ps, gs);
    Trainable l = Block.of(c, p.layer(0), Positions.of(c, p.positionEmbedding()),
        DecodeMatrices.SHARED, 0).training(B, T, Gradients.mirror(p, g));
    assertThat(check(l, GradCheck.uniform(7, ROWS, 8), Tensor.zeros(ROWS, 8), ps, gs, EPS, ATOL))
        .isEmpty();
    assertThat(ps).containsKeys("layers.0.post_attn_norm.weight", "layers.0.post_mlp_norm.weight");
  }

  @ParameterizedTest(name = "recompute {0}")
  @org.junit.jupiter.params.provider.ValueSource(booleans = {false, true})
  void gemma2ShapedModelEndToEnd(boolean recompute) {
    // every Gemma 2 part at once: embedding scale, alternating windows, soft caps, sandwich norms
    ModelConfig c = base().toBuilder().nLayers(2).norm(NormType.RMS_NORM).attentionBias(false)
        .mlpBias(false).positions(PositionEncoding.ROTARY).activation(Activation.GEGLU_TANH)
        .tiedEmbeddings(true).embeddingScale(2.5f).slidingWindow(2).slidingWindowPeriod(2)
        .attentionScale(0.4f).attentionSoftcap(1.5f).finalLogitSoftcap(2f).sandwichNorms(true)
        .build();
    ModelWeights p = GradCheck.randomWeights(c, 8, 0.5f);
    ModelWeights g = ModelWeights.zeros(c);
    Transformer.Training t = new Transformer(p, DecodeMatrices.SHARED)
        .training(B, T, Gradients.mirror(p, g), recompute);
    int[] ids = {3, 1, 3, 0, 10, 3, 3, 9, 2, 1};
    Tensor logits = Tensor.zeros(ROWS, 11);
    Tensor r = GradCheck.uniform(99, ROWS, 11);
    t.forward(ids, logits);
    t.backward(ids, r);
    GradCheck.Scalar f = () -> {
      t.forward(ids, logits);
      return GradCheck.dot(logits, r);
    };
    assertThat(GradCheck.checkAll(p.named(), g.named(), f, EPS, RTOL, ATOL)).isEmpty();
    assertThat(g.tokenEmbedding().toArray()).isNotEqualTo(new float[g.tokenEmbedding().length()]);
  }

  @ParameterizedTest
  @EnumSource(PositionEncoding.class)
  void embeddingsAddIntoTheRowsOfTheirIds(PositionEncoding pos) {
    ModelConfig c = base().toBuilder().positions(pos).build();
    ModelWeights p = GradCheck.randomWeights(c, 6, 0.5f);
    ModelWeights g = ModelWeights.zeros(c);
    Embeddings.Training emb = new Embeddings(p.tokenEmbedding(), Positions.of(c, p.positionEmbedding()))
        .training(B, T, Gradients.mirror(p, g));
    int[] ids = {3, 1, 3, 0, 10, 3, 3, 9, 2, 1};
    Tensor out = Tensor.zeros(ROWS, 8);
    emb.forward(ids, out);
    // forward: E[id] + P[t] (P = learned table, the sinusoidal table, or nothing)
    Tensor sin = dev.llmkit.tensor.PositionalEncoding.sinusoidal(T, 8);
    for (int i = 0; i < ROWS; i++) {
      for (int j = 0; j < 8; j++) {
        float expected = p.tokenEmbedding().get(ids[i], j);
        if (pos == PositionEncoding.LEARNED) {
          expected += p.positionEmbedding().get(i % T, j);
        } else if (pos == PositionEncoding.SINUSOIDAL) {
          expected += sin.get(i % T, j);
        }
        assertThat(out.get(i, j)).isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-6f));
      }
    }
    Map<String, Tensor> ps = new LinkedHashMap<>();
    Map<String, Tensor> gs = new LinkedHashMap<>();
    ps.put("tok", p.tokenEmbedding());
    gs.put("tok", g.tokenEmbedding());
    if (pos == PositionEncoding.LEARNED) {
      ps.put("pos", p.positionEmbedding());
      gs.put("pos", g.positionEmbedding());
    }
    Tensor r = GradCheck.uniform(8, ROWS, 8);
    emb.backward(ids, r);
    List<GradCheck.Result> bad = GradCheck.checkAll(ps, gs, () -> {
      emb.forward(ids, out);
      return GradCheck.dot(out, r);
    }, EPS, RTOL, ATOL);
    assertThat(bad).isEmpty();
    // token 3 appears four times: its row is the sum of the four upstream rows
    for (int j = 0; j < 8; j++) {
      float sum = r.get(0, j) + r.get(2, j) + r.get(5, j) + r.get(6, j);
      assertThat(g.tokenEmbedding().get(3, j)).isCloseTo(sum, org.assertj.core.data.Offset.offset(1e-5f));
      assertThat(g.tokenEmbedding().get(4, j)).isZero();
    }
  }
}
