package dev.llmkit.model.t5;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmkit.model.nn.GradCheck;
import dev.llmkit.tensor.Tensor;
import java.nio.FloatBuffer;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Teacher-forced T5 training: the training forward equals inference (logits of every pair), and
 * backward's gradient of every parameter — through cross-attention, both relative position biases,
 * the padding masks and the tied/untied head — matches central finite differences of a
 * cross-entropy with ignored (padding) rows.
 */
class T5TrainingTest {

  static final int B = 2;
  static final int S = 5;
  static final int T = 4;
  static final int[] SOURCE = {5, 9, 3, 17, 1, /* */ 8, 2, 1, 0, 0};
  static final int[] LENGTHS = {5, 3};
  static final int[] DECODER_IN = {0, 4, 11, 6, /* */ 0, 7, 2, 0};
  static final int[] LABELS = {4, 11, 6, 1, /* */ 7, 2, 1, -1};

  static T5Config config(boolean gated) {
    return config(gated, !gated);
  }

  static T5Config config(boolean gated, boolean tied) {
    return T5Config.builder().vocabSize(20).dModel(12).dKv(4).numHeads(2).dFf(16).numLayers(2)
        .numDecoderLayers(2).numBuckets(8).maxDistance(6)
        .feedForward(gated ? T5Config.FeedForward.GATED_GELU : T5Config.FeedForward.RELU)
        .tiedEmbeddings(tied).contextLength(16).build();
  }

  /** Mean cross-entropy over rows with a label >= 0; fills dlogits when not null. */
  static double loss(Tensor logits, int[] labels, Tensor dlogits) {
    return GradCheck.crossEntropy(logits, labels, dlogits);
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void trainingForwardEqualsInferenceOfEachPair(boolean gated) {
    T5Weights w = T5Weights.random(config(gated), 3);
    T5Training tr = new T5Training(w, w.zerosLike(), B, S, T);
    Tensor logits = tr.forward(SOURCE, LENGTHS, DECODER_IN);
    T5Model model = new T5Model(w);
    for (int b = 0; b < B; b++) {
      int[] src = java.util.Arrays.copyOfRange(SOURCE, b * S, b * S + LENGTHS[b]);
      int[] dec = java.util.Arrays.copyOfRange(DECODER_IN, b * T, (b + 1) * T);
      float[] expected = model.logits(src, dec).toArray();
      float[] actual = logits.slice(b * T, (b + 1) * T).toArray();
      assertThat(T5GoldenTest.relativeError(actual, toDouble(expected))).as("pair %d", b)
          .isLessThan(1e-5);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"relu,tied", "relu,untied", "gated,tied", "gated,untied"})
  void gradientsOfEveryParameterMatchFiniteDifferences(String kind) {
    // seed 5: no relu pre-activation lies within the finite-difference step of the kink (seed 4 had one)
    T5Weights w = T5Weights.random(config(kind.startsWith("gated"), kind.endsWith(",tied")), 5);
    T5Weights g = w.zerosLike();
    T5Training tr = new T5Training(w, g, B, S, T);
    Tensor logits = tr.forward(SOURCE, LENGTHS, DECODER_IN);
    Tensor dlogits = Tensor.zeros(logits.shape());
    loss(logits, LABELS, dlogits);
    tr.backward(dlogits);
    GradCheck.Scalar f = () -> loss(tr.forward(SOURCE, LENGTHS, DECODER_IN), LABELS, null);
    // relu: a smaller step, so that few pre-activations cross the kink (float32 noise: larger atol)
    boolean relu = kind.startsWith("relu");
    List<GradCheck.Result> bad =
        GradCheck.checkAll(w.named(), g.named(), f, relu ? 1e-4 : 1e-3, 2e-2, relu ? 2e-3 : 2e-4);
    assertThat(bad).isEmpty();
    // the relative biases and the cross-attention did receive gradient
    assertThat(norm(g.get("encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight")))
        .isGreaterThan(0);
    assertThat(norm(g.get("decoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight")))
        .isGreaterThan(0);
    assertThat(norm(g.get("decoder.block.1.layer.1.EncDecAttention.k.weight"))).isGreaterThan(0);
  }

  static double[] toDouble(float[] a) {
    double[] d = new double[a.length];
    for (int i = 0; i < a.length; i++) {
      d[i] = a[i];
    }
    return d;
  }

  static double norm(Tensor t) {
    double s = 0;
    for (float x : t.toArray()) {
      s += x * x;
    }
    return Math.sqrt(s);
  }
}
