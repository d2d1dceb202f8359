package dev.llmkit.examples.cli;

import dev.llmkit.model.io.hf.HuggingFaceCheckpoint;
import dev.llmkit.model.weights.ModelWeights;
import dev.llmkit.tensor.Tensor;
import dev.llmkit.tokenizer.Tokenizer;
import dev.llmkit.training.TrainableModel;
import dev.llmkit.training.Trainer;
import dev.llmkit.training.TrainerConfig;
import dev.llmkit.training.TrainingResult;
import dev.llmkit.training.checkpoint.HuggingFaceModelStore;
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
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code llm finetune}: supervised fine-tuning on prompt/response pairs (loss on the response tokens
 * only) or DPO on (prompt, chosen, rejected) triples against the starting model as frozen reference.
 */
@Command(
    name = "finetune",
    mixinStandardHelpOptions = true,
    header = "Fine-tune a model folder with supervised fine-tuning (sft) or DPO.",
    description = {
      "Fine-tune a model folder: --method sft on JSONL {prompt, response} records (loss on the response",
      "only), or --method dpo on JSONL {prompt, chosen, rejected} records against the starting model.",
      "Prints initial/final losses (and DPO margins) on stdout; progress on stderr.",
      "Then peak_flops (a short matmul probe), mfu (training FLOPs per token, 6N plus attention, times"
          + " tokens/s, over peak_flops) and peak_memory_bytes (the tensors the trainer held)."
    })
public final class FinetuneCommand implements Callable<Integer> {

  /** Fine-tuning methods. */
  public enum Method {
    /** Supervised fine-tuning. */
    sft,
    /** Direct Preference Optimization. */
    dpo
  }

  @Spec CommandSpec spec;

  @Option(names = "--method", required = true, description = "sft or dpo.")
  Method method;

  @Option(names = "--model", required = true, description = "Model folder (as written by llm train).")
  Path modelDir;

  @Option(names = "--tokenizer", description = "Tokenizer, when the model folder has none (a built-in encoding or a file).")
  String tokenizer;

  @Option(names = "--data", required = true, description = "JSONL data set.")
  Path data;

  @Option(names = "--out", required = true, description = "Folder for the fine-tuned model.")
  Path out;

  @Option(names = "--iters", defaultValue = "100", description = "Optimiser steps (default: ${DEFAULT-VALUE}).")
  long iters;

  @Option(names = "--lr", defaultValue = "1e-4", description = "Learning rate, constant (default: ${DEFAULT-VALUE}).")
  double lr;

  @Option(names = "--batch", defaultValue = "4", description = "Examples (pairs, for DPO) per step (default: ${DEFAULT-VALUE}).")
  int batch;

  @Option(names = "--block", description = "Positions per row (default: the model's context length).")
  Integer block;

  @Option(names = "--beta", defaultValue = "0.1", description = "DPO beta (default: ${DEFAULT-VALUE}).")
  double beta;

  @Option(names = "--weight-decay", defaultValue = "0.0", description = "AdamW weight decay (default: ${DEFAULT-VALUE}).")
  float weightDecay;

  @Option(names = "--eval-iters", defaultValue = "20", description = "SFT: batches per evaluation (default: ${DEFAULT-VALUE}).")
  int evalIters;

  @Option(names = "--seed", defaultValue = "1337", description = "Seed of the example sampling (default: ${DEFAULT-VALUE}).")
  long seed;

  @Override
  public Integer call() throws Exception {
    PrintWriter stdout = spec.commandLine().getOut();
    RunChecks.outputFolder("--out", out);
    ModelWeights weights = HuggingFaceCheckpoint.loadWeights(modelDir);
    Tokenizer tok = tokenizer != null
        ? TrainTokenizers.resolve(tokenizer, "")
        : TrainTokenizers.ofModel(modelDir);
    int t = block != null ? block : weights.config().contextLength();
    if (t > weights.config().contextLength()) {
      throw new IllegalArgumentException("--block " + t + " exceeds the model's context length "
          + weights.config().contextLength());
    }
    AdamWConfig adam = new AdamWConfig(0.9f, 0.99f, 1e-8f, weightDecay);
    TrainingProgress progress = new TrainingProgress(System.err, method.name());
    Files.createDirectories(out);
    if (method == Method.sft) {
      List<PromptResponse> examples = Jsonl.readPromptResponses(data);
      TrainableModel model = new TrainableModel(weights, batch, t);
      AdamW opt = new AdamW(weights, model.gradients(), adam);
      Trainer trainer = new Trainer(model, opt, new SupervisedBatches(examples, tok, batch, t, seed),
          TrainerConfig.builder().steps(iters).schedule(LearningRateSchedule.constant(lr))
              .evalBatches(evalIters).build());
      trainer.addEvaluation("sft", new SupervisedBatches(examples, tok, batch, t, seed + 1));
      trainer.checkpointTo(out, tok);
      trainer.addListener(progress);
      float before = trainer.evaluate().get("sft");
      TrainingResult r = trainer.run();
      stdout.printf(Locale.ROOT, "examples %d%n", examples.size());
      stdout.printf(Locale.ROOT, "initial_response_loss %.4f%n", before);
      stdout.printf(Locale.ROOT, "final_response_loss %.4f%n", r.finalEvaluation().get("sft"));
      TrainingUtilisation.print(stdout, weights.config(), t, r.tokensPerSecond(), trainer.peakMemoryBytes());
    } else {
      List<PreferencePair> pairs = Jsonl.readPreferences(data);
      ModelWeights reference = ModelWeights.zeros(weights.config());
      for (Map.Entry<String, Tensor> e : weights.named().entrySet()) {
        reference.named().get(e.getKey()).copyFrom(e.getValue());
      }
      DirectPreferenceOptimization dpo = new DirectPreferenceOptimization(weights, reference, pairs,
          tok, adam, new DpoConfig(beta, batch, t, iters, LearningRateSchedule.constant(lr), 1f, seed));
      dpo.addListener(progress);
      DpoMetrics before = dpo.evaluate();
      TrainingResult r = dpo.run();
      DpoMetrics after = dpo.evaluate();
      new HuggingFaceModelStore().save(out, weights, tok);
      stdout.printf(Locale.ROOT, "pairs %d%n", pairs.size());
      stdout.printf(Locale.ROOT, "initial_dpo_loss %.4f%n", before.loss());
      stdout.printf(Locale.ROOT, "final_dpo_loss %.4f%n", after.loss());
      stdout.printf(Locale.ROOT, "final_margin %.4f%n", after.meanMargin());
      stdout.printf(Locale.ROOT, "final_accuracy %.4f%n", after.accuracy());
      TrainingUtilisation.print(stdout, weights.config(), t, r.tokensPerSecond(), dpo.peakMemoryBytes());
    }
    stdout.flush();
    return 0;
  }
}
