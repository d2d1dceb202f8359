package dev.llmkit.training.seq2seq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmkit.model.t5.T5Config;
import dev.llmkit.model.t5.T5Weights;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** A small T5 learns (to reverse short sequences) by teacher forcing; bad data is named. */
class Seq2SeqTrainerTest {

  static final int EOS = 1;

  static T5Weights tiny() {
    T5Config c = T5Config.builder().vocabSize(12).dModel(32).dKv(8).numHeads(4).dFf(64).numLayers(2)
        .numDecoderLayers(2).numBuckets(8).maxDistance(16).contextLength(16).build();
    return T5Weights.random(c, 11);
  }

  @Test
  void learnsToReverseSequences() {
    SplittableRandom rng = new SplittableRandom(5);
    List<int[]> src = new ArrayList<>();
    List<int[]> tgt = new ArrayList<>();
    for (int i = 0; i < 400; i++) {
      int n = 3 + rng.nextInt(3);
      int[] x = new int[n + 1];
      int[] y = new int[n + 1];
      for (int j = 0; j < n; j++) {
        x[j] = 2 + rng.nextInt(10);
      }
      for (int j = 0; j < n; j++) {
        y[j] = x[n - 1 - j];
      }
      x[n] = EOS;
      y[n] = EOS;
      src.add(x);
      tgt.add(y);
    }
    T5Weights w = tiny();
    Seq2SeqConfig cfg = new Seq2SeqConfig(8, 150, 5e-3, 5e-4, 10, 0.01f, 0.99f, 1f, 4, 1);
    Seq2SeqTrainer.Result r = new Seq2SeqTrainer(w, cfg)
        .train(src.subList(0, 350), tgt.subList(0, 350), src.subList(350, 400), tgt.subList(350, 400), null);
    // from ~ln 12 = 2.48 (uniform) to under 2/3 of it on held-out pairs within 150 steps
    assertThat(r.losses()[0]).isGreaterThan(2f);
    assertThat(r.finalEvaluation().get("val")).isLessThan(1.6);
    assertThat(r.finalEvaluation().get("train")).isLessThan(1.6);
    assertThat(r.tokensPerSecond()).isPositive();
  }

  @Test
  void sequencesLongerThanTheContextAreNamed() {
    List<int[]> src = List.of(new int[20]);
    List<int[]> tgt = List.of(new int[] {3, 1});
    Seq2SeqConfig cfg = new Seq2SeqConfig(1, 1, 1e-3, 0, 0, 0f, 0.99f, 0f, 1, 1);
    assertThatThrownBy(() -> new Seq2SeqTrainer(tiny(), cfg).train(src, tgt, List.of(), List.of(), null))
        .hasMessageContaining("source 0 has 20 tokens").hasMessageContaining("1..16");
  }
}
