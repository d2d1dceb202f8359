package dev.llmkit.training.finetune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.llmkit.model.config.ModelConfig;
import dev.llmkit.model.weights.ModelWeights;
import dev.llmkit.tensor.Tensor;
import dev.llmkit.training.TestChars;
import dev.llmkit.training.TrainableModel;
import dev.llmkit.training.Trainer;
import dev.llmkit.training.TrainerConfig;
import dev.llmkit.training.TrainingResult;
import dev.llmkit.training.optim.AdamW;
import dev.llmkit.training.optim.AdamWConfig;
import dev.llmkit.training.schedule.LearningRateSchedule;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FineTuningTest {

  private static final TestChars CHARS = new TestChars("abcdefghijklmnopqrstuvwxyz ?!.:");

  @TempDir Path tmp;

  @Test
  void sftTargetsCountResponseTokensOnly() {
    TokenizedExample e = TokenizedExample.of(CHARS, "ab", "cd", 5, 0);
    assertThat(e.ids()).containsExactly(CHARS.encode("abcd"));
    assertThat(e.promptLength()).isEqualTo(2);
    int[] x = new int[5];
    int[] y = new int[5];
    e.writeRow(x, y, 0, 5);
    int c = CHARS.encode("c")[0];
    int d = CHARS.encode("d")[0];
    // position 0 predicts 'b' (prompt): ignored; 1 predicts 'c', 2 predicts 'd'; 3, 4 are padding
    assertThat(y).containsExactly(-1, c, d, -1, -1);
    assertThat(x).containsExactly(CHARS.encode("a")[0], CHARS.encode("b")[0], c, d, 0);
    assertThatThrownBy(() -> TokenizedExample.of(CHARS, "abcdef", "gh", 6, 3))
        .hasMessageContaining("example 3 has 8 tokens")
        .hasMessageContaining("block + 1 = 7");
  }

  @Test
  void sftLowersTheLossOnResponseTokensOnly() {
    List<PromptResponse> data = List.of(
        new PromptResponse("q: sky?", " a: blue."),
        new PromptResponse("q: grass?", " a: green."),
        new PromptResponse("q: snow?", " a: white."),
        new PromptResponse("q: coal?", " a: black."));
    ModelConfig cfg = ModelConfig.gpt2(CHARS.vocabSize(), 24, 1, 2, 32);
    TrainableModel model = new TrainableModel(ModelWeights.init(cfg, 3, 0.02f), 4, 24);
    AdamW opt = new AdamW(model.parameters(), model.gradients(), new AdamWConfig(0.9f, 0.99f, 1e-8f, 0f));
    SupervisedBatches train = new SupervisedBatches(data, CHARS, 4, 24, 11);
    Trainer t = new Trainer(model, opt, train,
        TrainerConfig.builder().steps(60).schedule(LearningRateSchedule.constant(1e-2)).evalBatches(4).build());
    t.addEvaluation("sft", new SupervisedBatches(data, CHARS, 4, 24, 12));
    float before = t.evaluate().get("sft");
    // one row per example; the targets are the prompt tokens (the positions SFT ignores)
    int[] x = new int[4 * 24];
    int[] promptTargets = new int[4 * 24];
    java.util.Arrays.fill(promptTargets, -1);
    for (int b = 0; b < 4; b++) {
      TokenizedExample e = train.examples().get(b);
      e.writeRow(x, new int[4 * 24], b * 24, 24);
      for (int i = 0; i + 1 < e.promptLength(); i++) {
        promptTargets[b * 24 + i] = e.ids()[i + 1];
      }
    }
    float promptBefore = model.forward(x, promptTargets);
    TrainingResult r = t.run();
    float after = r.finalEvaluation().get("sft");
    assertThat(before).isCloseTo((float) Math.log(CHARS.vocabSize()), within(0.2f));
    assertThat(after).isLessThan(0.5f * before);
    // the prompt positions were never trained: their loss stays far above the response loss
    float promptAfter = model.forward(x, promptTargets);
    assertThat(promptAfter).isGreaterThan(after + 1f);
    assertThat(promptBefore).isCloseTo((float) Math.log(CHARS.vocabSize()), within(0.2f));
  }

  @Test
  void dpoRaisesTheChosenOverRejectedMargin() {
    List<PreferencePair> pairs = List.of(
        new PreferencePair("q: sky?", " blue.", " green."),
        new PreferencePair("q: grass?", " green.", " blue."),
        new PreferencePair("q: fire?", " hot.", " cold."));
    ModelConfig cfg = ModelConfig.gpt2(CHARS.vocabSize(), 16, 1, 2, 32);
    ModelWeights policy = ModelWeights.init(cfg, 5, 0.02f);
    ModelWeights reference = copy(policy);
    DirectPreferenceOptimization dpo = new DirectPreferenceOptimization(policy, reference, pairs, CHARS,
        new AdamWConfig(0.9f, 0.99f, 1e-8f, 0f),
        new DpoConfig(0.1, 2, 16, 25, LearningRateSchedule.constant(1e-2), 1f, 9));
    DpoMetrics start = dpo.evaluate();
    // the policy is the reference: margin 0, loss log 2
    assertThat(start.meanMargin()).isCloseTo(0, within(1e-9));
    assertThat(start.loss()).isCloseTo(Math.log(2), within(1e-9));
    TrainingResult r = dpo.run();
    DpoMetrics end = dpo.evaluate();
    assertThat(r.losses()[0]).isCloseTo((float) Math.log(2), within(1e-6f));
    assertThat(end.meanMargin()).isGreaterThan(1.0);
    assertThat(end.accuracy()).isEqualTo(1.0);
    assertThat(end.loss()).isLessThan(start.loss());
    // the reference was never modified
    for (Map.Entry<String, Tensor> e : reference.named().entrySet()) {
      assertThat(e.getValue().toArray()).isEqualTo(ModelWeights.init(cfg, 5, 0.02f).named().get(e.getKey()).toArray());
    }
  }

  @Test
  void dpoGradientMatchesFiniteDifferencesOfTheDpoLoss() {
    List<PreferencePair> pairs = List.of(
        new PreferencePair("q: sky?", " blue.", " green."),
        new PreferencePair("q: fire?", " hot.", " cold."));
    ModelConfig cfg = ModelConfig.gpt2(CHARS.vocabSize(), 16, 1, 2, 16);
    ModelWeights reference = ModelWeights.init(cfg, 5, 0.02f);
    ModelWeights policy = ModelWeights.init(cfg, 6, 0.3f); // differs from the reference: z != 0
    DirectPreferenceOptimization dpo = new DirectPreferenceOptimization(policy, reference, pairs, CHARS,
        new AdamWConfig(0.9f, 0.99f, 1e-8f, 0f),
        new DpoConfig(0.5, 2, 16, 1, LearningRateSchedule.constant(1e-3), 0f, 1));
    int[] both = {0, 1};
    dpo.policy().zeroGrad();
    double loss = dpo.lossAndGradients(both);
    assertThat(loss).isNotCloseTo(Math.log(2), within(1e-3));
    int checked = 0;
    for (String name : List.of("tok_embeddings.weight", "layers.0.mlp.w1.weight", "final_norm.weight")) {
      Tensor p = policy.named().get(name);
      Tensor g = dpo.policy().gradients().named().get(name);
      // the element with the largest gradient: finite differences are most accurate there
      int best = 0;
      for (int i = 0; i < g.length(); i++) {
        if (Math.abs(g.getFlat(i)) > Math.abs(g.getFlat(best))) {
          best = i;
        }
      }
      float analytic = g.getFlat(best);
      float x = p.getFlat(best);
      float eps = 1e-2f;
      p.setFlat(best, x + eps);
      dpo.policy().zeroGrad();
      double up = dpo.lossAndGradients(both);
      p.setFlat(best, x - eps);
      dpo.policy().zeroGrad();
      double down = dpo.lossAndGradients(both);
      p.setFlat(best, x);
      double numeric = (up - down) / (2 * eps);
      assertThat(analytic).as(name).isCloseTo((float) numeric, within(0.03f * Math.abs(analytic) + 1e-4f));
      checked++;
    }
    assertThat(checked).isEqualTo(3);
  }

  @Test
  void jsonlReadsRecordsAndNamesTheBadLine() throws Exception {
    Path f = tmp.resolve("sft.jsonl");
    Files.writeString(f, "{\"prompt\":\"hi\",\"response\":\" there\"}\n\n{\"prompt\":\"a\",\"response\":\"b\",\"x\":1}\n");
    assertThat(Jsonl.readPromptResponses(f)).containsExactly(
        new PromptResponse("hi", " there"), new PromptResponse("a", "b"));
    Files.writeString(f, "{\"prompt\":\"hi\",\"response\":\" there\"}\n{\"prompt\":\"a\"}\n");
    assertThatThrownBy(() -> Jsonl.readPromptResponses(f))
        .hasMessageContaining("line 2").hasMessageContaining("\"response\"");
    Files.writeString(f, "{\"prompt\":\"hi\",\"chosen\":\"x\",\"rejected\":\"y\"}\nnot json\n");
    assertThatThrownBy(() -> Jsonl.readPreferences(f))
        .hasMessageContaining("line 2").hasMessageContaining("not valid JSON");
    Files.writeString(f, "{\"prompt\":\"hi\",\"chosen\":\"\",\"rejected\":\"y\"}\n");
    assertThatThrownBy(() -> Jsonl.readPreferences(f)).hasMessageContaining("line 1");
  }

  private static ModelWeights copy(ModelWeights w) {
    ModelWeights c = ModelWeights.zeros(w.config());
    for (Map.Entry<String, Tensor> e : w.named().entrySet()) {
      c.named().get(e.getKey()).copyFrom(e.getValue());
    }
    return c;
  }
}
