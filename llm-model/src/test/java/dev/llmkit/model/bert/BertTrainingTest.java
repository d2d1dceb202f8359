package dev.llmkit.model.bert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmkit.model.nn.Activation;
import dev.llmkit.model.nn.GradCheck;
import dev.llmkit.tensor.Tensor;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * BERT training: the training forward of a padded batch equals inference of each sequence alone
 * (hidden states, MLM logits, classifier logits), and backward's gradient of every parameter — the
 * embeddings (word, position, type, LayerNorm), the post-norm blocks under a padding mask, the tied
 * MLM head, the pooler and classifier — matches central finite differences of a cross-entropy.
 */
class BertTrainingTest {

  static final int B = 2;
  static final int T = 5;
  static final int[] IDS = {2, 9, 3, 17, 4, /* */ 2, 11, 4, 0, 0};
  static final int[] TYPES = {0, 0, 0, 1, 1, /* */ 0, 1, 1, 0, 0};
  static final int[] LENGTHS = {5, 3};
  static final int[] POSITIONS = {1, 3, 6};
  static final int[] MLM_LABELS = {7, 12, 5};
  static final int[] CLASS_LABELS = {1, 0};

  static BertConfig config(List<String> labels) {
    return new BertConfig(20, 12, 2, 2, 16, 8, 2, 1e-12f, Activation.GELU_ERF, 0, labels);
  }

  /** Every tensor random (std 0.3), LayerNorm weights around 1, so that no gradient hides. */
  static BertWeights random(boolean mlm, boolean classifier, long seed) {
    BertConfig c = config(classifier ? List.of("no", "yes") : List.of());
    BertWeights w = BertInit.random(c, seed, classifier, mlm);
    long[] s = {seed * 7919};
    BertWeights r = w.map(t -> Tensor.randn(s[0]++, 0.3f, t.shape()));
    r.named().forEach((n, t) -> {
      if (n.endsWith("LayerNorm.weight")) {
        FloatBuffer b = t.buffer();
        for (int i = 0; i < t.length(); i++) {
          b.put(i, 1f + b.get(i) * 0.3f);
        }
      }
    });
    return r;
  }

  static double loss(Tensor logits, int[] labels, Tensor dlogits) {
    return GradCheck.crossEntropy(logits, labels, dlogits);
  }

  static int[][] unpadded(int[] flat) {
    int[][] out = new int[B][];
    for (int b = 0; b < B; b++) {
      out[b] = Arrays.copyOfRange(flat, b * T, b * T + LENGTHS[b]);
    }
    return out;
  }

  static double maxRelError(float[] actual, float[] expected) {
    double max = 0;
    double err = 0;
    for (int i = 0; i < actual.length; i++) {
      max = Math.max(max, Math.abs(expected[i]));
      err = Math.max(err, Math.abs(expected[i] - actual[i]));
    }
    return err / max;
  }

  @Test
  void trainingForwardEqualsInferenceOfEachSequence() {
    BertWeights w = random(true, true, 3);
    BertTraining tr = new BertTraining(w, w.zerosLike(), B, T);
    BertModel model = new BertModel(w);
    BertOutput out = model.encode(unpadded(IDS), unpadded(TYPES), false);
    Tensor hidden = tr.encode(IDS, TYPES, LENGTHS);
    for (int b = 0; b < B; b++) {
      for (int t = 0; t < LENGTHS[b]; t++) {
        assertThat(maxRelError(hidden.row(b * T + t).toArray(), out.hidden().row(out.offset(b) + t).toArray()))
            .as("sequence %d token %d", b, t).isLessThan(1e-5);
      }
    }
    Tensor logits = tr.mlmForward(IDS, TYPES, LENGTHS, POSITIONS);
    for (int i = 0; i < POSITIONS.length; i++) {
      int b = POSITIONS[i] / T;
      int t = POSITIONS[i] % T;
      Tensor h = out.hidden().slice(out.offset(b) + t, out.offset(b) + t + 1);
      assertThat(maxRelError(logits.row(i).toArray(), model.mlmLogits(h).row(0).toArray()))
          .as("MLM logits of position %d", POSITIONS[i]).isLessThan(1e-5);
    }
    Tensor classes = tr.classifyForward(IDS, TYPES, LENGTHS);
    Tensor cls = Tensor.zeros(B, 12);
    for (int b = 0; b < B; b++) {
      cls.row(b).copyFrom(out.hidden().row(out.offset(b)));
    }
    assertThat(maxRelError(classes.toArray(), model.classLogits(model.pooled(cls)).toArray()))
        .isLessThan(1e-5);
  }

  @Test
  void mlmGradientsOfEveryParameterMatchFiniteDifferences() {
    BertWeights w = random(true, false, 5);
    BertWeights g = w.zerosLike();
    BertTraining tr = new BertTraining(w, g, B, T);
    Tensor logits = tr.mlmForward(IDS, TYPES, LENGTHS, POSITIONS);
    Tensor dlogits = Tensor.zeros(logits.shape());
    loss(logits, MLM_LABELS, dlogits);
    tr.mlmBackward(dlogits);
    GradCheck.Scalar f = () -> loss(tr.mlmForward(IDS, TYPES, LENGTHS, POSITIONS), MLM_LABELS, null);
    List<GradCheck.Result> bad = GradCheck.checkAll(w.named(), g.named(), f, 1e-3, 2e-2, 2e-4);
    assertThat(bad).isEmpty();
    // the tied decoder's gradient reached the word embeddings; padding received none
    assertThat(norm(g.wordEmbeddings().row(MLM_LABELS[0]))).isGreaterThan(0);
    assertThat(norm(g.positionEmbeddings().row(T))).isZero();
  }

  @Test
  void classifierGradientsMatchFiniteDifferencesThroughTheWholeEncoder() {
    BertWeights w = random(false, true, 6);
    BertWeights g = w.zerosLike();
    BertTraining tr = new BertTraining(w, g, B, T);
    Tensor logits = tr.classifyForward(IDS, TYPES, LENGTHS);
    Tensor dlogits = Tensor.zeros(logits.shape());
    loss(logits, CLASS_LABELS, dlogits);
    tr.classifyBackward(dlogits, true);
    GradCheck.Scalar f = () -> loss(tr.classifyForward(IDS, TYPES, LENGTHS), CLASS_LABELS, null);
    assertThat(GradCheck.checkAll(w.named(), g.named(), f, 1e-3, 2e-2, 2e-4)).isEmpty();
    assertThat(norm(g.layers().get(0).wq())).isGreaterThan(0);
  }

  @Test
  void aFrozenEncoderGetsNoGradientAndTheHeadsGetTheirs() {
    BertWeights w = random(false, true, 7);
    BertWeights g = w.zerosLike();
    BertTraining tr = new BertTraining(w, g, B, T);
    Tensor logits = tr.classifyForward(IDS, TYPES, LENGTHS);
    Tensor dlogits = Tensor.zeros(logits.shape());
    loss(logits, CLASS_LABELS, dlogits);
    tr.classifyBackward(dlogits, false);
    Map<String, Tensor> heads = new LinkedHashMap<>();
    Map<String, Tensor> headGrads = new LinkedHashMap<>();
    g.named().forEach((n, t) -> {
      if (n.startsWith("bert.pooler") || n.startsWith("classifier")) {
        heads.put(n, w.named().get(n));
        headGrads.put(n, t);
      } else {
        assertThat(norm(t)).as(n).isZero();
      }
    });
    assertThat(heads).hasSize(4);
    GradCheck.Scalar f = () -> loss(tr.classifyForward(IDS, TYPES, LENGTHS), CLASS_LABELS, null);
    assertThat(GradCheck.checkAll(heads, headGrads, f, 1e-3, 2e-2, 2e-4)).isEmpty();
  }

  @Test
  void badBatchesAreRejectedNamingTheInput() {
    BertWeights w = random(true, false, 8);
    BertTraining tr = new BertTraining(w, w.zerosLike(), B, T);
    assertThatThrownBy(() -> tr.encode(IDS, TYPES, new int[] {6, 3}))
        .hasMessageContaining("sequence 0 has length 6, expected 1..5");
    int[] bad = IDS.clone();
    bad[7] = 20;
    assertThatThrownBy(() -> tr.encode(bad, null, LENGTHS))
        .hasMessageContaining("sequence 1 token 2 has id 20, expected 0..19");
    assertThatThrownBy(() -> tr.mlmForward(IDS, TYPES, LENGTHS, new int[] {8}))
        .hasMessageContaining("position 8 is not a real token");
    assertThatThrownBy(() -> new BertTraining(w, w.zerosLike(), B, 9))
        .hasMessageContaining("max_position_embeddings");
    assertThatThrownBy(() -> tr.classifyForward(IDS, TYPES, LENGTHS))
        .isInstanceOf(IllegalStateException.class);
  }

  static double norm(Tensor t) {
    double s = 0;
    for (float x : t.toArray()) {
      s += x * x;
    }
    return Math.sqrt(s);
  }
}
