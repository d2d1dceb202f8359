package dev.llmkit.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.llmkit.model.config.ModelConfig;
import dev.llmkit.model.weights.ModelWeights;
import dev.llmkit.tensor.Tensor;
import dev.llmkit.training.checkpoint.TrainingCheckpoints;
import dev.llmkit.training.data.Corpus;
import dev.llmkit.training.data.RandomWindowBatches;
import dev.llmkit.training.data.TokenSequence;
import dev.llmkit.training.optim.AdamW;
import dev.llmkit.training.optim.AdamWConfig;
import dev.llmkit.training.schedule.LearningRateSchedule;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainerTest {

  private static final String TEXT =
      "First Citizen:\nBefore we proceed any further, hear me speak.\n\nAll:\nSpeak, speak.\n\n"
          + "First Citizen:\nYou are all resolved rather to die than to famish?\n";

  @TempDir Path tmp;

  private static ModelConfig tiny(int vocab) {
    return ModelConfig.gpt2(vocab, 16, 2, 2, 16);
  }

  /** A fresh model, optimiser and trainer on TEXT. */
  private record Run(TrainableModel model, AdamW opt, Trainer trainer) {}

  private static Run run(ModelConfig cfg, long initSeed, int batch, int accumulation, long steps,
      long checkpointEvery) {
    TestChars chars = new TestChars(TEXT);
    Corpus corpus = Corpus.of(TEXT, chars);
    TrainableModel model = new TrainableModel(ModelWeights.init(cfg, initSeed, 0.02f), batch, 8);
    AdamW opt = new AdamW(model.parameters(), model.gradients(), new AdamWConfig(0.9f, 0.95f, 1e-8f, 0.1f));
    TrainerConfig tc = TrainerConfig.builder()
        .steps(steps)
        .accumulation(accumulation)
        .schedule(LearningRateSchedule.warmupCosine(1e-2, 1e-3, 1, steps))
        .gradientClip(1.0f)
        .evalInterval(4)
        .evalBatches(2)
        .checkpointInterval(checkpointEvery)
        .build();
    Trainer t = new Trainer(model, opt, new RandomWindowBatches(corpus.train(), batch, 8, 1337), tc);
    t.addEvaluation("val", new RandomWindowBatches(corpus.validation(), batch, 8, 7));
    return new Run(model, opt, t);
  }

  @Test
  void sameSeedGivesIdenticalLossCurve() {
    int v = new TestChars(TEXT).vocabSize();
    TrainingResult a = run(tiny(v), 1, 2, 1, 6, 0).trainer().run();
    TrainingResult b = run(tiny(v), 1, 2, 1, 6, 0).trainer().run();
    assertThat(b.losses()).containsExactly(a.losses());
    assertThat(b.finalEvaluation()).isEqualTo(a.finalEvaluation());
    assertThat(a.losses()[0]).isCloseTo((float) Math.log(v), within(0.1f));
    assertThat(a.lastLoss()).isLessThan(a.losses()[0]);
  }

  @Test
  void evaluationReportsEachBatchToListeners() {
    Run r = run(tiny(new TestChars(TEXT).vocabSize()), 1, 2, 1, 6, 0);
    java.util.List<String> events = new java.util.ArrayList<>();
    r.trainer().addListener(new TrainingListener() {
      @Override
      public void onEvaluationBatch(String set, int batch, int batches) {
        events.add(set + " " + batch + "/" + batches);
      }
    });
    r.trainer().evaluate();
    assertThat(events).containsExactly("val 1/2", "val 2/2");
  }

  @Test
  void resumeReproducesTheUninterruptedRunExactly() {
    int v = new TestChars(TEXT).vocabSize();
    TrainingResult whole = run(tiny(v), 1, 2, 2, 10, 0).trainer().run();

    Path dir = tmp.resolve("ckpt");
    Run first = run(tiny(v), 1, 2, 2, 10, 4);
    first.trainer().checkpointTo(dir, null, new TrainingCheckpoints(
        new dev.llmkit.training.checkpoint.HuggingFaceModelStore()));
    first.trainer().addListener(new TrainingListener() {
      @Override
      public void onCheckpoint(long step, Path d) {
        if (step == 4) {
          throw new IllegalStateException("simulated crash after step 4");
        }
      }
    });
    assertThatThrownBy(() -> first.trainer().run()).hasMessageContaining("simulated crash");

    // a different initialisation: every parameter must come from the checkpoint
    Run resumed = run(tiny(v), 99, 2, 2, 10, 4);
    resumed.trainer().checkpointTo(dir, null, new TrainingCheckpoints(
        new dev.llmkit.training.checkpoint.HuggingFaceModelStore()));
    assertThat(resumed.trainer().resumeFrom(dir)).isEqualTo(4);
    TrainingResult rest = resumed.trainer().run();
    assertThat(rest.losses()).hasSize(6);
    float[] tail = java.util.Arrays.copyOfRange(whole.losses(), 4, 10);
    assertThat(rest.losses()).containsExactly(tail);
    assertThat(rest.finalEvaluation()).isEqualTo(whole.finalEvaluation());
    assertThat(resumed.opt().stepCount()).isEqualTo(10);
  }

  @Test
  void huggingFaceCheckpointResumesExactlyAndLoadsAsAModel() throws Exception {
    int v = new TestChars(TEXT).vocabSize();
    TrainingResult whole = run(tiny(v), 1, 2, 1, 6, 0).trainer().run();
    Path dir = tmp.resolve("hf");
    Run first = run(ModelConfig.gpt2(v, 16, 2, 2, 16), 1, 2, 1, 6, 3);
    first.trainer().checkpointTo(dir, null); // the default store: a Hugging Face folder
    first.trainer().addListener(new TrainingListener() {
      @Override
      public void onCheckpoint(long step, Path d) {
        throw new IllegalStateException("stop at " + step);
      }
    });
    assertThatThrownBy(() -> first.trainer().run()).hasMessageContaining("stop at 3");
    assertThat(Files.isRegularFile(dir.resolve("config.json"))).isTrue();
    ModelWeights loaded = dev.llmkit.model.io.Checkpoints.load(dir).weights();
    assertThat(loaded.config()).isEqualTo(tiny(v));
    for (Map.Entry<String, Tensor> e : first.model().parameters().named().entrySet()) {
      assertThat(loaded.named().get(e.getKey()).toArray()).as(e.getKey()).isEqualTo(e.getValue().toArray());
    }
    Run resumed = run(tiny(v), 2, 2, 1, 6, 3);
    resumed.trainer().checkpointTo(dir, null); // the default store: a Hugging Face folder
    resumed.trainer().resumeFrom(dir);
    assertThat(resumed.trainer().run().losses())
        .containsExactly(java.util.Arrays.copyOfRange(whole.losses(), 3, 6));
  }

  @Test
  void checkpointOfAnotherConfigurationIsAClearError() {
    int v = new TestChars(TEXT).vocabSize();
    Path dir = tmp.resolve("ckpt");
    Run a = run(tiny(v), 1, 2, 1, 2, 0);
    a.trainer().checkpointTo(dir, null, new TrainingCheckpoints(
        new dev.llmkit.training.checkpoint.HuggingFaceModelStore()));
    a.trainer().run();
    assertThat(TrainingCheckpoints.exists(dir)).isTrue();

    Run wider = run(ModelConfig.gpt2(v, 16, 2, 2, 32), 1, 2, 1, 4, 0);
    assertThatThrownBy(() -> wider.trainer().resumeFrom(dir))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("another configuration")
        .hasMessageContaining("dim=16")
        .hasMessageContaining("dim=32");
    Run otherBatch = run(tiny(v), 1, 3, 1, 4, 0);
    assertThatThrownBy(() -> otherBatch.trainer().resumeFrom(dir))
        .hasMessageContaining("batch 2 vs 3");
    assertThatThrownBy(() -> run(tiny(v), 1, 2, 1, 4, 0).trainer().resumeFrom(tmp.resolve("none")))
        .hasMessageContaining("training_state.bin is missing");
  }

  @Test
  void nanLossStopsNamingTheStepAndKeepsTheLastGoodCheckpoint() throws Exception {
    int v = new TestChars(TEXT).vocabSize();
    Path dir = tmp.resolve("ckpt");
    Run r = run(tiny(v), 1, 2, 1, 10, 3);
    r.trainer().checkpointTo(dir, null, new TrainingCheckpoints(
        new dev.llmkit.training.checkpoint.HuggingFaceModelStore()));
    List<Long> checkpoints = new ArrayList<>();
    r.trainer().addListener(new TrainingListener() {
      @Override
      public void onCheckpoint(long step, Path d) {
        checkpoints.add(step);
        if (step == 3) {
          // poison a weight: the forward of step 4 becomes NaN
          r.model().parameters().named().get("final_norm.weight").setFlat(0, Float.NaN);
        }
      }
    });
    assertThatThrownBy(() -> r.trainer().run())
        .isInstanceOf(TrainingDivergedException.class)
        .hasMessageContaining("NaN at step 4")
        .hasMessageContaining("last good checkpoint (step 3)")
        .satisfies(e -> assertThat(((TrainingDivergedException) e).step()).isEqualTo(4));
    assertThat(checkpoints).containsExactly(3L);
    assertThat(TrainingCheckpoints.readState(dir).step()).isEqualTo(3);
    // the checkpoint is intact and restorable, and holds finite weights
    Run again = run(tiny(v), 5, 2, 1, 10, 0);
    again.trainer().checkpointTo(dir, null, new TrainingCheckpoints(
        new dev.llmkit.training.checkpoint.HuggingFaceModelStore()));
    assertThat(again.trainer().resumeFrom(dir)).isEqualTo(3);
    assertThat(again.model().parameters().named().get("final_norm.weight").getFlat(0)).isFinite();
  }

  @Test
  void accumulatingTwoHalfBatchesEqualsOneFullBatch() {
    // the generator draws the same 4 windows either way: 2 micro-batches of 2 rows, or 1 batch of 4
    int v = new TestChars(TEXT).vocabSize();
    Run acc = run(tiny(v), 1, 2, 2, 3, 0);
    Run full = run(tiny(v), 1, 4, 1, 3, 0);
    TrainingResult a = acc.trainer().run();
    TrainingResult f = full.trainer().run();
    for (int i = 0; i < 3; i++) {
      assertThat(a.losses()[i]).isCloseTo(f.losses()[i], within(1e-5f));
    }
    for (Map.Entry<String, Tensor> e : acc.model().parameters().named().entrySet()) {
      Tensor o = full.model().parameters().named().get(e.getKey());
      for (int i = 0; i < o.length(); i++) {
        assertThat(e.getValue().getFlat(i)).as(e.getKey()).isCloseTo(o.getFlat(i), within(2e-5f));
      }
    }
  }

  @Test
  void listenersSeeEveryStepAndEvaluation() {
    int v = new TestChars(TEXT).vocabSize();
    Run r = run(tiny(v), 1, 2, 1, 9, 0);
    List<StepEvent> steps = new ArrayList<>();
    List<EvaluationEvent> evals = new ArrayList<>();
    r.trainer().addListener(new TrainingListener() {
      @Override
      public void onStep(StepEvent e) {
        steps.add(e);
      }

      @Override
      public void onEvaluation(EvaluationEvent e) {
        evals.add(e);
      }
    });
    TrainingResult res = r.trainer().run();
    assertThat(steps).extracting(StepEvent::step).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L);
    assertThat(steps.get(0).learningRate()).isCloseTo(1e-2 / 2, within(1e-12));
    assertThat(steps.get(8).eta()).isZero();
    assertThat(steps).allSatisfy(e -> assertThat(e.tokensPerSecond()).isPositive());
    // every 4 steps and after the last
    assertThat(evals).extracting(EvaluationEvent::step).containsExactly(4L, 8L, 9L);
    assertThat(evals.get(2).losses()).isEqualTo(res.finalEvaluation());
    assertThat(evals.get(2).perplexity("val"))
        .isCloseTo(Math.exp(res.finalEvaluation().get("val")), within(1e-6));
  }

  @Test
  void gradientClippingMatchesTorchClipGradNorm() {
    ModelWeights g = ModelWeights.zeros(tiny(8));
    g.named().get("final_norm.weight").setFlat(0, 3f);
    g.named().get("tok_embeddings.weight").setFlat(5, 4f);
    assertThat(GradientNorms.globalNorm(g)).isCloseTo(5.0, within(1e-9));
    double n = GradientNorms.scaleAndClip(g, 0.5f, 1f); // norm 2.5 after the pre-scale, clipped to 1
    assertThat(n).isCloseTo(2.5, within(1e-9));
    assertThat(g.named().get("final_norm.weight").getFlat(0)).isCloseTo(0.6f, within(1e-6f));
    assertThat(g.named().get("tok_embeddings.weight").getFlat(5)).isCloseTo(0.8f, within(1e-6f));
    GradientNorms.scaleAndClip(g, 1f, 10f); // below the limit: unchanged
    assertThat(GradientNorms.globalNorm(g)).isCloseTo(1.0, within(1e-6));
  }

  @Test
  void tinyShakespeareValidationLossFalls() throws Exception {
    String text = TestChars.shakespeare();
    TestChars chars = new TestChars(text);
    Corpus corpus = Corpus.of(text, chars);
    ModelConfig cfg = ModelConfig.gpt2(chars.vocabSize(), 32, 2, 4, 64);
    TrainableModel model = new TrainableModel(ModelWeights.init(cfg, 1337, 0.02f), 8, 32);
    AdamW opt = new AdamW(model.parameters(), model.gradients(), new AdamWConfig(0.9f, 0.99f, 1e-8f, 0.1f));
    TrainerConfig tc = TrainerConfig.builder().steps(150)
        .schedule(LearningRateSchedule.warmupCosine(3e-3, 3e-4, 10, 150))
        .evalInterval(150).evalBatches(5).build();
    Trainer t = new Trainer(model, opt, new RandomWindowBatches(corpus.train(), 8, 32, 1), tc);
    t.addEvaluation("val", new RandomWindowBatches(corpus.validation(), 8, 32, 2));
    float before = t.evaluate().get("val");
    TrainingResult r = t.run();
    float after = r.finalEvaluation().get("val");
    assertThat(before).isCloseTo((float) Math.log(65), within(0.1f));
    assertThat(after).isLessThan(2.8f); // a unigram model is ~3.3 nats; this must learn bigrams at least
  }

  @Test
  void badConfigurationNamesTheField() {
    assertThatThrownBy(() -> TrainerConfig.builder().steps(0)
        .schedule(LearningRateSchedule.constant(1e-3)).build()).hasMessageContaining("steps");
    assertThatThrownBy(() -> TrainerConfig.builder().steps(1).accumulation(0)
        .schedule(LearningRateSchedule.constant(1e-3)).build()).hasMessageContaining("accumulation");
    assertThatThrownBy(() -> TrainerConfig.builder().steps(1).evalBatches(0)
        .schedule(LearningRateSchedule.constant(1e-3)).build()).hasMessageContaining("evalBatches");
    assertThat(Files.exists(tmp)).isTrue();
  }
}
