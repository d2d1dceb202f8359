package dev.llmkit.training.encoder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmkit.model.bert.BertCheckpoint;
import dev.llmkit.model.bert.BertConfig;
import dev.llmkit.model.bert.BertInit;
import dev.llmkit.model.bert.BertModel;
import dev.llmkit.model.bert.BertOutput;
import dev.llmkit.model.bert.BertWeights;
import dev.llmkit.model.nn.Activation;
import dev.llmkit.sampling.Logits;
import dev.llmkit.tensor.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End-to-end encoder training on synthetic data: a tiny MLM model learns sequences whose tokens
 * follow from their neighbours (the loss falls far below log V), a classifier learns "does token 5
 * occur" (whole encoder) and a frozen encoder stays bit-identical while its head learns; trained
 * models saved in the Hugging Face layout load back with equal logits.
 */
class EncoderTrainerTest {

  static final int PAD = 0;
  static final int CLS = 1;
  static final int SEP = 2;
  static final int MASK = 3;
  static final int V = 16;

  static BertConfig config(List<String> labels) {
    return new BertConfig(V, 32, 2, 2, 64, 16, 2, 1e-12f, Activation.GELU_ERF, PAD, labels);
  }

  static EncoderTrainingConfig settings(int iters) {
    return new EncoderTrainingConfig(8, iters, 3e-3, 3e-4, 10, 0.01f, 0.99f, 1f, 4, 11);
  }

  /**
   * [CLS] a b a b ... [SEP]: two ordinary tokens alternating, so that every masked token is
   * predictable from the visible ones (unigram statistics alone give log 12).
   */
  static List<int[]> counting(int n, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    List<int[]> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int len = 6 + rng.nextInt(8);
      int[] s = new int[len + 2];
      s[0] = CLS;
      int a = 4 + rng.nextInt(12);
      int b = 4 + rng.nextInt(12);
      for (int t = 0; t < len; t++) {
        s[t + 1] = t % 2 == 0 ? a : b;
      }
      s[len + 1] = SEP;
      out.add(s);
    }
    return out;
  }

  @Test
  void aTinyMlmModelLearnsAndItsCheckpointLoadsBack(@TempDir Path dir) throws Exception {
    BertWeights w = BertInit.random(config(List.of()), 1, false, true);
    List<int[]> train = counting(200, 2);
    List<int[]> val = counting(40, 3);
    EncoderTrainer.Result r = new EncoderTrainer(w,
        new EncoderTrainingConfig(32, 200, 5e-3, 5e-4, 10, 0.01f, 0.99f, 1f, 4, 11))
        .trainMlm(train, val, new MlmMasking(V, MASK, PAD, CLS, SEP), null);
    float first = (r.losses()[0] + r.losses()[1] + r.losses()[2]) / 3;
    assertThat((double) first).isGreaterThan(0.8 * Math.log(12));
    assertThat(r.finalEvaluation().get("val")).isLessThan(0.5);
    assertThat(r.finalEvaluation().get("train")).isLessThan(0.5);
    assertThat(r.tokensPerSecond()).isPositive();

    BertCheckpoint.save(dir, w, null, false);
    BertWeights loaded = BertCheckpoint.load(dir).weights();
    assertThat(BertCheckpoint.architecture(loaded)).isEqualTo("BertForMaskedLM");
    int[][] ids = {{CLS, 6, MASK, 6, 9, 6, 9, SEP}, {CLS, 14, 15, MASK, 15, SEP}};
    BertModel a = new BertModel(w);
    BertModel b = new BertModel(loaded);
    BertOutput oa = a.encode(ids);
    BertOutput ob = b.encode(ids);
    assertThat(b.mlmLogits(ob.hidden()).toArray()).isEqualTo(a.mlmLogits(oa.hidden()).toArray());
    // and it fills the masks from both sides: 9 between 6s, 14 between 15s
    assertThat(Logits.argmax(b.mlmLogits(ob.hidden()).row(2).toArray())).isEqualTo(9);
    assertThat(Logits.argmax(b.mlmLogits(ob.hidden()).row(ob.offset(1) + 3).toArray())).isEqualTo(14);
  }

  /** Sequences of random ordinary tokens; label 1 when token 5 occurs. */
  static List<int[]> labelled(int n, long seed, int[] labels) {
    SplittableRandom rng = new SplittableRandom(seed);
    List<int[]> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int len = 4 + rng.nextInt(8);
      int[] s = new int[len + 2];
      s[0] = CLS;
      boolean yes = rng.nextBoolean();
      for (int t = 0; t < len; t++) {
        int id;
        do {
          id = 4 + rng.nextInt(12);
        } while (id == 5);
        s[t + 1] = id;
      }
      if (yes) {
        s[1 + rng.nextInt(len)] = 5;
      }
      s[len + 1] = SEP;
      labels[i] = yes ? 1 : 0;
      out.add(s);
    }
    return out;
  }

  @Test
  void aClassifierLearnsASyntheticRuleAndLoadsBack(@TempDir Path dir) throws Exception {
    BertWeights w = BertInit.random(config(List.of("absent", "present")), 4, true, false);
    int[] labels = new int[300];
    int[] valLabels = new int[60];
    List<int[]> train = labelled(300, 5, labels);
    List<int[]> val = labelled(60, 6, valLabels);
    EncoderTrainer.Result r = new EncoderTrainer(w, settings(200))
        .trainClassifier(train, labels, val, valLabels, false, null);
    assertThat(r.finalEvaluation().get("val_accuracy")).isGreaterThanOrEqualTo(0.9);
    assertThat(r.finalEvaluation().get("train")).isLessThan(0.3);

    BertCheckpoint.save(dir, w, null, false);
    BertWeights loaded = BertCheckpoint.load(dir).weights();
    assertThat(loaded.config().labels()).containsExactly("absent", "present");
    int[][] ids = {train.get(0), train.get(1)};
    assertThat(logits(new BertModel(loaded), ids)).isEqualTo(logits(new BertModel(w), ids));
  }

  @Test
  void aFrozenEncoderStaysUnchangedWhileTheHeadLearns() {
    BertWeights pre = BertInit.random(config(List.of()), 7, false, true);
    new EncoderTrainer(pre, settings(60)).trainMlm(counting(100, 8), List.of(),
        new MlmMasking(V, MASK, PAD, CLS, SEP), null);
    BertWeights w = BertInit.withClassifier(pre, List.of("absent", "present"), 9);
    Map<String, float[]> before = new java.util.HashMap<>();
    w.named().forEach((n, t) -> before.put(n, t.toArray()));
    int[] labels = new int[200];
    List<int[]> train = labelled(200, 10, labels);
    EncoderTrainer.Result r = new EncoderTrainer(w,
        new EncoderTrainingConfig(8, 150, 1e-2, 1e-3, 10, 0f, 0.99f, 1f, 4, 11))
        .trainClassifier(train, labels, List.of(), new int[0], true, null);
    w.named().forEach((n, t) -> {
      boolean head = n.startsWith("classifier.") || n.contains("pooler.");
      if (head) {
        assertThat(t.toArray()).as(n).isNotEqualTo(before.get(n));
      } else {
        assertThat(t.toArray()).as(n).isEqualTo(before.get(n));
      }
    });
    float first = (r.losses()[0] + r.losses()[1] + r.losses()[2]) / 3;
    assertThat(r.finalEvaluation().get("train")).isLessThan(0.8 * first);
    assertThat(r.finalEvaluation()).containsKey("train_accuracy").doesNotContainKey("val");
  }

  @Test
  void badDataIsRejectedNamingIt() {
    BertWeights w = BertInit.random(config(List.of()), 1, false, true);
    EncoderTrainer t = new EncoderTrainer(w, settings(1));
    MlmMasking m = new MlmMasking(V, MASK, PAD, CLS, SEP);
    assertThatThrownBy(() -> t.trainMlm(List.of(new int[17]), List.of(), m, null))
        .hasMessageContaining("sequence 0 has 17 tokens; expected 1..16");
    assertThatThrownBy(() -> t.trainMlm(List.of(new int[] {CLS, SEP}), List.of(), m, null))
        .hasMessageContaining("no token that may be masked");
    assertThatThrownBy(() -> t.trainClassifier(List.of(new int[] {CLS, 5}), new int[] {0}, List.of(),
        new int[0], false, null)).isInstanceOf(IllegalStateException.class);
    BertWeights c = BertInit.random(config(List.of("a", "b")), 1, true, false);
    assertThatThrownBy(() -> new EncoderTrainer(c, settings(1)).trainClassifier(
        List.of(new int[] {CLS, 5}), new int[] {2}, List.of(), new int[0], false, null))
        .hasMessageContaining("label 2 of sequence 0 is outside the classifier's classes 0..1");
  }

  static float[] logits(BertModel m, int[][] ids) {
    BertOutput o = m.encode(ids);
    return m.classLogits(m.pooled(o.cls())).toArray();
  }
}
