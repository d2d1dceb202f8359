package dev.llmkit.examples.cli;

import dev.llmkit.model.Models;
import dev.llmkit.training.finetune.Jsonl;
import dev.llmkit.training.finetune.PreferencePair;
import dev.llmkit.training.optim.AdamWConfig;
import dev.llmkit.training.rlhf.RewardModel;
import dev.llmkit.training.rlhf.RewardModelTrainer;
import dev.llmkit.training.schedule.LearningRateSchedule;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code llm reward-train}: a reward model from a base model and preference pairs. */
@Command(
    name = "reward-train",
    mixinStandardHelpOptions = true,
    header = "Train a reward model on preference pairs (Bradley-Terry loss).",
    description = {
      "Train a reward model: the base model with a scalar head on the last token (Hugging Face",
      "*ForSequenceClassification, one label), on JSONL {prompt, chosen, rejected} records (as llm rank",
      "writes them) with the Bradley-Terry loss -log sigmoid(r_chosen - r_rejected). A share of the pairs",
      "(shuffled, seeded) is held out; prints pairs, held_out_pairs, then pair_accuracy X on them",
      "(on the training pairs when there is only one). Saves the reward model as a Hugging Face folder."
    })
public final class RewardTrainCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = "--model", required = true, paramLabel = "BASE",
      description = "Base model: a Hugging Face folder, a llama2.c .bin, or bundled:stories260K.")
  String model;

  @Option(names = "--data", required = true, paramLabel = "PREFS.jsonl", description = "Preference pairs.")
  Path data;

  @Option(names = "--out", required = true, paramLabel = "RM", description = "Folder for the reward model.")
  Path out;

  @Option(names = "--steps", defaultValue = "200", description = "Optimiser steps (default: ${DEFAULT-VALUE}).")
  long steps;

  @Option(names = "--lr", defaultValue = "1e-3", description = "Learning rate, constant (default: ${DEFAULT-VALUE}).")
  double lr;

  @Option(names = "--batch", defaultValue = "8", description = "Pairs per step (default: ${DEFAULT-VALUE}).")
  int batch;

  @Option(names = "--held-out", defaultValue = "0.1",
      description = "Share of the pairs held out for pair_accuracy (default: ${DEFAULT-VALUE}).")
  double heldOut;

  @Option(names = "--seed", defaultValue = "1337", description = "Seed (default: ${DEFAULT-VALUE}).")
  long seed;

  @Override
  public Integer call() throws Exception {
    PrintWriter stdout = spec.commandLine().getOut();
    if (!(heldOut >= 0 && heldOut < 1)) {
      throw new IllegalArgumentException("--held-out must be in [0, 1), got " + heldOut);
    }
    if (batch < 1) {
      throw new IllegalArgumentException("--batch must be >= 1, got " + batch);
    }
    RunChecks.outputFolder("--out", out);
    List<PreferencePair> pairs = new ArrayList<>(Jsonl.readPreferences(data));
    Models.Ready base = RlhfFiles.trainable(model);
    Collections.shuffle(pairs, new Random(seed));
    int held = pairs.size() == 1 ? 0 : Math.max(heldOut > 0 ? 1 : 0, (int) Math.round(pairs.size() * heldOut));
    List<PreferencePair> train = pairs.subList(0, pairs.size() - held);
    List<PreferencePair> test = held == 0 ? train : pairs.subList(pairs.size() - held, pairs.size());
    RewardModel rm = RewardModel.fromBase(base.model().weights(), base.tokenizer(), seed);
    RewardModelTrainer trainer = new RewardModelTrainer(rm, train, new AdamWConfig(0.9f, 0.99f, 1e-8f, 0f),
        new RewardModelTrainer.Config(batch, steps, LearningRateSchedule.constant(lr), 1f, seed));
    trainer.addListener(new TrainingProgress(System.err, "reward-train"));
    trainer.run();
    rm.save(out);
    stdout.printf(Locale.ROOT, "pairs %d%n", train.size());
    stdout.printf(Locale.ROOT, "held_out_pairs %d%n", held);
    stdout.printf(Locale.ROOT, "pair_accuracy %.4f%n", RewardModelTrainer.pairAccuracy(rm, test));
    stdout.flush();
    return 0;
  }
}
