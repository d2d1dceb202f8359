package dev.llmkit.training.rlhf;

import static dev.llmkit.training.rlhf.RlhfFixtures.CHARS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmkit.model.config.ModelConfig;
import dev.llmkit.model.io.CheckpointFormatException;
import dev.llmkit.model.io.hf.HuggingFaceCheckpoint;
import dev.llmkit.model.nn.GradCheck;
import dev.llmkit.model.weights.ModelWeights;
import dev.llmkit.tokenizer.CharTokenizer;
import dev.llmkit.training.finetune.Jsonl;
import dev.llmkit.training.finetune.PreferencePair;
import dev.llmkit.training.optim.AdamWConfig;
import dev.llmkit.training.schedule.LearningRateSchedule;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RewardModelTest {

  @TempDir Path tmp;

  @Test
  void bradleyTerryLossMatchesItsClosedForm() {
    // -log sigmoid(1) = log(1 + e^-1)
    assertThat(BradleyTerryLoss.loss(1, 0)).isCloseTo(0.31326168751822286, within(1e-15));
    assertThat(BradleyTerryLoss.dChosen(1, 0)).isCloseTo(-0.2689414213699951, within(1e-15));
    assertThat(BradleyTerryLoss.loss(0, 800)).isCloseTo(800, within(1e-9)); // no overflow
    assertThat(BradleyTerryLoss.loss(800, 0)).isCloseTo(0, within(1e-300));
  }

  @Test
  void bradleyTerryGradientThroughHeadAndBackboneMatchesFiniteDifferences() {
    for (ModelConfig c : List.of(ModelConfig.gpt2(CHARS.vocabSize(), 32, 2, 2, 8),
        ModelConfig.llama(CHARS.vocabSize(), 32, 1, 2, 1, 8, 12))) {
      RewardModel rm = new RewardModel(GradCheck.randomWeights(c, 7, 0.3f),
          ScalarHeadModel.initScore(c, 3, 0.5f), CHARS);
      List<PreferencePair> pairs = List.of(
          new PreferencePair("a dog", " ran fast.", " sat."),
          new PreferencePair("the cat", " is big", " slept in the sun"),
          new PreferencePair("x", " yes", " no!"));
      RewardModelTrainer t = new RewardModelTrainer(rm, pairs, new AdamWConfig(0.9f, 0.99f, 1e-8f, 0f),
          new RewardModelTrainer.Config(2, 1, LearningRateSchedule.constant(1e-3), 0f, 1));
      int[] idx = {0, 1};
      t.net().zeroGrad();
      double loss = t.lossAndGradients(idx);
      assertThat(loss).isGreaterThan(0);
      // the rows are padded to the block: the loss reads the score at each row's own last token
      assertThat(RlhfFixtures.check(t.net().parameters(), t.net().gradients(),
          () -> t.lossAndGradients(idx))).as(c.toString()).isEmpty();
    }
  }

  @Test
  void trainingOnPreferencesReachesHighHeldOutAccuracyAndSavesAsAHuggingFaceFolder() throws Exception {
    // the rule: responses that mention a dog are better
    ModelConfig c = ModelConfig.llama(CHARS.vocabSize(), 32, 1, 2, 2, 16, 32);
    SplittableRandom rng = new SplittableRandom(3);
    String[] words = {"cat", "sun", "tree", "ball", "bird", "red", "ran", "big"};
    List<PreferencePair> train = new ArrayList<>();
    List<PreferencePair> heldOut = new ArrayList<>();
    for (int i = 0; i < 120; i++) {
      String a = words[rng.nextInt(words.length)] + " " + words[rng.nextInt(words.length)];
      String b = words[rng.nextInt(words.length)] + " " + words[rng.nextInt(words.length)];
      String withDog = rng.nextBoolean() ? " dog " + a : " " + a + " dog";
      (i < 80 ? train : heldOut).add(new PreferencePair("once", withDog, " " + b));
    }
    RewardModel rm = RewardModel.fromBase(ModelWeights.init(c, 1, 0.02f), CHARS, 5);
    double before = RewardModelTrainer.pairAccuracy(rm, heldOut);
    new RewardModelTrainer(rm, train, new AdamWConfig(0.9f, 0.99f, 1e-8f, 0f),
        new RewardModelTrainer.Config(8, 60, LearningRateSchedule.constant(3e-3), 1f, 2)).run();
    double after = RewardModelTrainer.pairAccuracy(rm, heldOut);
    assertThat(after).as("held-out pair accuracy %.3f (before %.3f)", after, before).isGreaterThanOrEqualTo(0.95);

    Path dir = tmp.resolve("rm");
    rm.save(dir);
    JsonNode cfg = new ObjectMapper().readTree(dir.resolve("config.json").toFile());
    assertThat(cfg.get("architectures").get(0).asText()).isEqualTo("LlamaForSequenceClassification");
    assertThat(cfg.get("id2label").size()).isEqualTo(1);
    RewardModel back = RewardModel.load(dir);
    assertThat(back.score().toArray()).containsExactly(rm.score().toArray());
    assertThat(back.reward("once", " a dog ran")).isEqualTo(rm.reward("once", " a dog ran"));
    assertThat(RewardModelTrainer.pairAccuracy(back, heldOut)).isEqualTo(after);
    // a language model folder is not a reward model
    Path lm = tmp.resolve("lm");
    HuggingFaceCheckpoint.save(lm, ModelWeights.init(c, 1, 0.02f), CHARS);
    assertThatThrownBy(() -> RewardModel.load(lm)).isInstanceOf(CheckpointFormatException.class)
        .hasMessageContaining("holds no score.weight");
  }

  @Test
  void aRewardModelWithAnotherTokenizerIsRefused() {
    ModelConfig c = ModelConfig.gpt2(CHARS.vocabSize(), 16, 1, 2, 8);
    RewardModel rm = RewardModel.fromBase(ModelWeights.init(c, 1, 0.02f), CHARS, 5);
    rm.requireSameTokenizer(CharTokenizer.fromCorpus("abcdefghijklmnopqrstuvwxyz .!?"));
    assertThatThrownBy(() -> rm.requireSameTokenizer(CharTokenizer.fromCorpus("abc")))
        .hasMessageContaining("the reward model's tokenizer differs from the policy's")
        .hasMessageContaining("ids against 3");
    assertThatThrownBy(() -> rm.requireSameTokenizer(CharTokenizer.fromCorpus("bcdefghijklmnopqrstuvwxyz .!?#")))
        .hasMessageContaining("id 2 is \".\" against \"#\"");
  }

  @Test
  void preferenceFilesWithMissingFieldsOrEmptyResponsesNameTheLine() throws Exception {
    Path f = tmp.resolve("prefs.jsonl");
    Jsonl.appendPreferences(f, List.of(new PreferencePair("p", "good", "bad")));
    Files.writeString(f, "{\"prompt\": \"p\", \"chosen\": \"c\"}\n", java.nio.file.StandardOpenOption.APPEND);
    assertThatThrownBy(() -> Jsonl.readPreferences(f))
        .hasMessageContaining("line 2").hasMessageContaining("\"rejected\"");
    Path g = tmp.resolve("empty.jsonl");
    Files.writeString(g, "\n{\"prompt\": \"p\", \"chosen\": \"\", \"rejected\": \"r\"}\n");
    assertThatThrownBy(() -> Jsonl.readPreferences(g))
        .hasMessageContaining("line 2").hasMessageContaining("must not be empty");
    Path h = tmp.resolve("good.jsonl");
    Jsonl.appendPreferences(h, List.of(new PreferencePair("p \"q\"", "good\n", "bad")));
    Jsonl.appendPreferences(h, List.of(new PreferencePair("p2", "x", "y")));
    assertThat(Jsonl.readPreferences(h)).containsExactly(
        new PreferencePair("p \"q\"", "good\n", "bad"), new PreferencePair("p2", "x", "y"));
  }
}
