package dev.llmkit.examples.cli;

import dev.llmkit.model.config.ModelConfig;
import dev.llmkit.model.weights.ModelWeights;
import dev.llmkit.tokenizer.Tokenizer;
import dev.llmkit.training.TrainableModel;
import dev.llmkit.training.Trainer;
import dev.llmkit.training.TrainerConfig;
import dev.llmkit.training.TrainingResult;
import dev.llmkit.training.checkpoint.HuggingFaceModelStore;
import dev.llmkit.training.checkpoint.TrainingCheckpoints;
import dev.llmkit.training.data.Corpus;
import dev.llmkit.training.data.MappedTokenFile;
import dev.llmkit.training.data.RandomWindowBatches;
import dev.llmkit.training.data.TokenSequence;
import dev.llmkit.training.data.TokenWidth;
import dev.llmkit.training.optim.AdamW;
import dev.llmkit.training.optim.AdamWConfig;
import dev.llmkit.training.schedule.LearningRateSchedule;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code llm train}: trains a GPT-2-style model from scratch on a text corpus (nanoGPT's recipe:
 * random windows, AdamW, warm-up + cosine decay, clipping), saves it with its tokenizer, and prints
 * {@code train_tok_per_s}, {@code final_train_loss} and {@code final_val_loss}.
 */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    description = {
      "Train a GPT-2-style language model from scratch on a text file (90/10 train/val split).",
      "Prints train_tok_per_s, final_train_loss and final_val_loss on stdout; progress on stderr."
    })
public final class TrainCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = "--data", required = true,
      description = "Text corpus (UTF-8), or a token file *.bin (uint16, or uint32 with --token-width 4).")
  Path data;

  @Option(names = "--tokenizer", defaultValue = "char",
      description = "char (the corpus' characters), a built-in encoding (r50k_base, cl100k_base, ...) "
          + "or a tokenizer file/folder. Default: ${DEFAULT-VALUE}.")
  String tokenizer;

  @Option(names = "--vocab-size", description = "Vocabulary size of a token-file corpus (*.bin).")
  Integer vocabSize;

  @Option(names = "--token-width", defaultValue = "2", description = "Bytes per id in a *.bin corpus: 2 or 4.")
  int tokenWidth;

  @Option(names = "--layers", defaultValue = "4", description = "Transformer blocks (${DEFAULT-VALUE}).")
  int layers;

  @Option(names = "--heads", defaultValue = "4", description = "Attention heads (${DEFAULT-VALUE}).")
  int heads;

  @Option(names = "--dim", defaultValue = "128", description = "Model width (${DEFAULT-VALUE}).")
  int dim;

  @Option(names = "--block", defaultValue = "64", description = "Context length in tokens (${DEFAULT-VALUE}).")
  int block;

  @Option(names = "--batch", defaultValue = "12", description = "Sequences per micro-batch (${DEFAULT-VALUE}).")
  int batch;

  @Option(names = "--grad-accum", defaultValue = "1", description = "Micro-batches per step (${DEFAULT-VALUE}).")
  int accumulation;

  @Option(names = "--iters", defaultValue = "2000", description = "Optimiser steps (${DEFAULT-VALUE}).")
  long iters;

  @Option(names = "--lr", defaultValue = "1e-3", description = "Peak learning rate (${DEFAULT-VALUE}).")
  double lr;

  @Option(names = "--min-lr", defaultValue = "1e-4", description = "Floor of the cosine decay (${DEFAULT-VALUE}).")
  double minLr;

  @Option(names = "--warmup", defaultValue = "100", description = "Warm-up steps (${DEFAULT-VALUE}).")
  long warmup;

  @Option(names = "--weight-decay", defaultValue = "0.1", description = "AdamW weight decay on matrices (${DEFAULT-VALUE}).")
  float weightDecay;

  @Option(names = "--beta2", defaultValue = "0.99", description = "AdamW beta2 (${DEFAULT-VALUE}, nanoGPT's char config).")
  float beta2;

  @Option(names = "--grad-clip", defaultValue = "1.0", description = "Global gradient-norm clip, 0 = off (${DEFAULT-VALUE}).")
  float gradClip;

  @Option(names = "--eval-iters", defaultValue = "20", description = "Batches per split in each evaluation (${DEFAULT-VALUE}).")
  int evalIters;

  @Option(names = "--eval-interval", defaultValue = "0", description = "Evaluate every N steps; 0 = only at the end (${DEFAULT-VALUE}).")
  long evalInterval;

  @Option(names = "--checkpoint-interval", defaultValue = "0",
      description = "Write a checkpoint into --out every N steps; 0 = only at the end (${DEFAULT-VALUE}).")
  long checkpointInterval;

  @Option(names = "--resume", description = "Continue from the checkpoint in --out (same settings).")
  boolean resume;

  @Option(names = "--seed", defaultValue = "1337", description = "Seed of initialisation and batches (${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--out", required = true, description = "Folder for the model, its tokenizer and the training state.")
  Path out;

  @Option(names = "--plot", description = "Write the loss curve to this PNG.")
  Path plot;

  @Option(names = "--write-tokens",
      description = "Also write the tokenized corpus to this token file (uint16 or uint32 by vocabulary), "
          + "for later runs with --data FILE.bin.")
  Path writeTokens;

  @Override
  public Integer call() throws Exception {
    PrintWriter stdout = spec.commandLine().getOut();
    RunChecks.outputFolder("--out", out);
    Tokenizer tok = null;
    TokenSequence tokens;
    int vocab;
    String name = data.getFileName().toString();
    if (name.endsWith(".bin")) {
      if (vocabSize == null) {
        throw new IllegalArgumentException("--vocab-size is required with a token file " + data);
      }
      tokens = MappedTokenFile.open(data, tokenWidth == 4 ? TokenWidth.UINT32 : TokenWidth.UINT16);
      vocab = vocabSize;
    } else {
      String text = Files.readString(data, StandardCharsets.UTF_8);
      tok = TrainTokenizers.resolve(tokenizer, text);
      long t0 = System.nanoTime();
      tokens = TokenSequence.of(tok.encode(text));
      vocab = tok.vocabSize();
      System.err.printf(Locale.ROOT, "%s: %,d tokens, vocabulary %,d (tokenized in %.1f s)%n",
          data, tokens.length(), vocab, (System.nanoTime() - t0) / 1e9);
      if (writeTokens != null) {
        TokenWidth w = TokenWidth.forVocabulary(vocab);
        MappedTokenFile.write(writeTokens, tokens, w);
        System.err.printf(Locale.ROOT, "wrote %s (%s)%n", writeTokens, w);
      }
    }
    RunChecks.trainingBuffers(batch, block, heads, vocab);
    Corpus corpus = Corpus.split(tokens, Corpus.DEFAULT_TRAIN_FRACTION);
    ModelConfig config = ModelConfig.gpt2(vocab, block, layers, heads, dim);
    ModelWeights weights = ModelWeights.init(config, seed, 0.02f);
    System.err.printf(Locale.ROOT, "model: %d layers, %d heads, dim %d, block %d: %,d parameters%n",
        layers, heads, dim, block, weights.parameterCount());
    TrainableModel model = new TrainableModel(weights, batch, block);
    AdamW optimizer = new AdamW(weights, model.gradients(), new AdamWConfig(0.9f, beta2, 1e-8f, weightDecay));
    TrainerConfig tc = TrainerConfig.builder()
        .steps(iters)
        .accumulation(accumulation)
        .schedule(LearningRateSchedule.warmupCosine(lr, minLr, warmup, Math.max(iters, warmup + 1)))
        .gradientClip(gradClip)
        .evalInterval(evalInterval)
        .evalBatches(evalIters)
        .checkpointInterval(checkpointInterval)
        .build();
    Trainer trainer = new Trainer(model, optimizer,
        new RandomWindowBatches(corpus.train(), batch, block, seed + 1), tc);
    trainer.addEvaluation("train", new RandomWindowBatches(corpus.train(), batch, block, seed + 2));
    trainer.addEvaluation("val", new RandomWindowBatches(corpus.validation(), batch, block, seed + 3));
    trainer.checkpointTo(out, tok, new TrainingCheckpoints(new HuggingFaceModelStore()));
    if (resume) {
      trainer.resumeFrom(out);
    }
    TrainingProgress progress = new TrainingProgress(System.err, "train");
    trainer.addListener(progress);
    TrainingResult r = trainer.run();
    stdout.printf(Locale.ROOT, "train_tok_per_s %.1f%n", r.tokensPerSecond());
    stdout.printf(Locale.ROOT, "final_train_loss %.4f%n", r.finalEvaluation().get("train"));
    stdout.printf(Locale.ROOT, "final_val_loss %.4f%n", r.finalEvaluation().get("val"));
    stdout.flush();
    if (plot != null) {
      progress.plot("training loss", plot);
    }
    return 0;
  }
}
