package dev.llmkit.examples;

import dev.llmkit.model.weights.ModelWeights;
import dev.llmkit.tensor.Tensor;
import dev.llmkit.training.TrainableModel;
import dev.llmkit.training.Trainer;
import dev.llmkit.training.TrainerConfig;
import dev.llmkit.training.TrainingResult;
import dev.llmkit.training.finetune.DirectPreferenceOptimization;
import dev.llmkit.training.finetune.DpoConfig;
import dev.llmkit.training.finetune.DpoMetrics;
import dev.llmkit.training.finetune.Jsonl;
import dev.llmkit.training.finetune.PreferencePair;
import dev.llmkit.training.finetune.PromptResponse;
import dev.llmkit.training.finetune.SupervisedBatches;
import dev.llmkit.training.optim.AdamW;
import dev.llmkit.training.optim.AdamWConfig;
import dev.llmkit.training.schedule.LearningRateSchedule;
import java.util.List;
import java.util.Map;

/**
 * Fine-tuning after pretraining. A character-level GPT first learns Tiny Shakespeare briefly; then
 * supervised fine-tuning (SFT) teaches it famous lines from prompt/response pairs, with the loss on
 * the response only; then Direct Preference Optimization (DPO) makes it prefer the real line over a
 * parody, against a frozen copy of itself as reference. Data: the bundled {@code sft.jsonl} and
 * {@code dpo.jsonl}.
 *
 * <p>Run: {@code ./llm example finetune}
 */
public final class FineTuneExample {

  public static void main(String[] args) throws Exception {
    long seed = 1337;
    ShakespeareModel m = ShakespeareModel.create(seed);
    System.out.println("1. pretraining 300 steps on Tiny Shakespeare...");
    TrainingResult pre = m.train(300, seed, null);
    System.out.printf("   validation loss %.3f%n", pre.finalEvaluation().get("val"));
    ModelWeights w = m.weights();
    int block = ShakespeareModel.BLOCK;

    // ---- SFT: loss on the response tokens only ----
    // The model sees block + 1 = 65 characters at most: keep the examples that fit.
    List<PromptResponse> sft = Jsonl.readPromptResponses(BundledData.file("sft.jsonl")).stream()
        .filter(e -> (e.prompt() + e.response()).length() <= block + 1).toList();
    System.out.printf("%n2. supervised fine-tuning on %d prompt/response pairs%n", sft.size());
    System.out.println("   before: ROMEO:\\n" + m.sample("ROMEO:\n", 60, 3).replace("\n", "\\n"));
    TrainableModel model = new TrainableModel(w, 4, block);
    AdamW adamw = new AdamW(w, model.gradients(), new AdamWConfig(0.9f, 0.99f, 1e-8f, 0f));
    Trainer trainer = new Trainer(model, adamw, new SupervisedBatches(sft, m.tokenizer(), 4, block, seed),
        TrainerConfig.builder().steps(150).schedule(LearningRateSchedule.constant(1e-3)).evalBatches(10).build());
    trainer.addEvaluation("response", new SupervisedBatches(sft, m.tokenizer(), 4, block, seed + 1));
    float before = trainer.evaluate().get("response");
    TrainingResult r = trainer.run();
    System.out.printf("   response loss %.3f -> %.3f%n", before, r.finalEvaluation().get("response"));
    System.out.println("   after:  ROMEO:\\n" + m.sample("ROMEO:\n", 60, 3).replace("\n", "\\n"));

    // ---- DPO: prefer the chosen line over the rejected one ----
    List<PreferencePair> pairs = Jsonl.readPreferences(BundledData.file("dpo.jsonl")).stream()
        .filter(p -> (p.prompt() + p.chosen()).length() <= block + 1
            && (p.prompt() + p.rejected()).length() <= block + 1)
        .toList();
    System.out.printf("%n3. DPO on %d (prompt, chosen, rejected) triples, beta 0.1%n", pairs.size());
    ModelWeights reference = ModelWeights.zeros(w.config());
    for (Map.Entry<String, Tensor> e : w.named().entrySet()) {
      reference.named().get(e.getKey()).copyFrom(e.getValue()); // frozen copy
    }
    DirectPreferenceOptimization dpo = new DirectPreferenceOptimization(w, reference, pairs,
        m.tokenizer(), new AdamWConfig(0.9f, 0.99f, 1e-8f, 0f),
        new DpoConfig(0.1, 4, block, 60, LearningRateSchedule.constant(5e-4), 1f, seed));
    DpoMetrics b = dpo.evaluate();
    dpo.run();
    DpoMetrics a = dpo.evaluate();
    System.out.printf("   DPO loss %.3f -> %.3f, chosen-over-rejected margin %.3f -> %.3f, "
        + "accuracy %.0f%% -> %.0f%%%n", b.loss(), a.loss(), b.meanMargin(), a.meanMargin(),
        100 * b.accuracy(), 100 * a.accuracy());
  }
}
