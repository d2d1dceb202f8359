package dev.llmkit.examples.cli;

import dev.llmkit.model.config.ModelConfig;
import dev.llmkit.training.Trainer;
import dev.llmkit.training.TrainingResult;
import dev.llmkit.training.checkpoint.TrainingCheckpoints;
import dev.llmkit.training.data.MappedTokenFile;
import dev.llmkit.training.data.TokenWidth;
import dev.llmkit.training.spark.GradientExchange;
import dev.llmkit.training.spark.GradientPrecision;
import dev.llmkit.training.spark.ReplicaFactory;
import java.io.PrintWriter;
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
    header = "Train a GPT-2-style model from scratch on a text file.",
    description = {
      "Train a GPT-2-style language model from scratch on a text file (90/10 train/val split).",
      "Prints train_tok_per_s, final_train_loss and final_val_loss on stdout; progress on stderr.",
      "With --spark MASTER --workers N: data-parallel on Spark; also prints comm_s_per_step.",
      "Then peak_flops (a short matmul probe), mfu (training FLOPs per token, 6N plus attention, times"
          + " tokens/s, over peak_flops) and peak_memory_bytes (the tensors the trainer held)."
    })
public final class TrainCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = "--data", required = true,
      description = "Text corpus (UTF-8), or a token file *.bin (uint16, or uint32 with --token-width 4).")
  Path data;

  @Option(names = "--tokenizer", defaultValue = "char",
      description = "char (the corpus' characters), a built-in encoding (r50k_base, cl100k_base, ...) "
          + "or a tokenizer file/folder. (default: ${DEFAULT-VALUE}).")
  String tokenizer;

  @Option(names = "--vocab-size", description = "Vocabulary size of a token-file corpus (*.bin).")
  Integer vocabSize;

  @Option(names = "--token-width", defaultValue = "2", description = "Bytes per id in a *.bin corpus: 2 or 4.")
  int tokenWidth;

  @Option(names = "--layers", defaultValue = "4", description = "Transformer blocks (default: ${DEFAULT-VALUE}).")
  int layers;

  @Option(names = "--heads", defaultValue = "4", description = "Attention heads (default: ${DEFAULT-VALUE}).")
  int heads;

  @Option(names = "--dim", defaultValue = "128", description = "Model width (default: ${DEFAULT-VALUE}).")
  int dim;

  @Option(names = "--block", defaultValue = "64", description = "Context length in tokens (default: ${DEFAULT-VALUE}).")
  int block;

  @Option(names = "--batch", defaultValue = "12", description = "Sequences per micro-batch (default: ${DEFAULT-VALUE}).")
  int batch;

  @Option(names = "--grad-accum", defaultValue = "1", description = "Micro-batches per step (default: ${DEFAULT-VALUE}).")
  int accumulation;

  @Option(names = "--iters", defaultValue = "2000", description = "Optimiser steps (default: ${DEFAULT-VALUE}).")
  long iters;

  @Option(names = "--lr", defaultValue = "1e-3", description = "Peak learning rate (default: ${DEFAULT-VALUE}).")
  double lr;

  @Option(names = "--min-lr", defaultValue = "1e-4", description = "Floor of the cosine decay (default: ${DEFAULT-VALUE}).")
  double minLr;

  @Option(names = "--warmup", defaultValue = "100", description = "Warm-up steps (default: ${DEFAULT-VALUE}).")
  long warmup;

  @Option(names = "--weight-decay", defaultValue = "0.1", description = "AdamW weight decay on matrices (default: ${DEFAULT-VALUE}).")
  float weightDecay;

  @Option(names = "--beta2", defaultValue = "0.99", description = "AdamW beta2 (default: ${DEFAULT-VALUE}, nanoGPT's char config).")
  float beta2;

  @Option(names = "--grad-clip", defaultValue = "1.0", description = "Global gradient-norm clip, 0 disables (default: ${DEFAULT-VALUE}).")
  float gradClip;

  @Option(names = "--eval-iters", defaultValue = "20", description = "Batches per split in each evaluation (default: ${DEFAULT-VALUE}).")
  int evalIters;

  @Option(names = "--eval-interval", defaultValue = "0", description = "Evaluate every N steps; 0 = only at the end (default: ${DEFAULT-VALUE}).")
  long evalInterval;

  @Option(names = "--checkpoint-interval", defaultValue = "0",
      description = "Write a checkpoint into --out every N steps; 0 = only at the end (default: ${DEFAULT-VALUE}).")
  long checkpointInterval;

  @Option(names = "--recompute",
      description = "Activation recomputation: keep only each block's input, recompute its activations"
          + " in backward (same gradients, less memory, about a third more time).")
  boolean recompute;

  @Option(names = "--resume", description = "Continue from the checkpoint in --out (same settings).")
  boolean resume;

  @Option(names = "--seed", defaultValue = "1337", description = "Seed of initialisation and batches (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--out", required = true, description = "Folder for the model, its tokenizer and the training state.")
  Path out;

  @Option(names = "--plot", description = "Write the loss curve to this PNG.")
  Path plot;

  @Option(names = "--write-tokens",
      description = "Also write the tokenized corpus to this token file (uint16 or uint32 by vocabulary), "
          + "for later runs with --data FILE.bin.")
  Path writeTokens;

  @Option(names = "--spark", paramLabel = "MASTER",
      description = "Train data-parallel on Spark at this master URL (local[2], spark://host:7077, "
          + "yarn, ...): one replica per worker, gradients averaged every step. "
          + "Needs Spark on the classpath (./llm adds it).")
  String sparkMaster;

  @Option(names = "--workers", defaultValue = "1",
      description = "Replicas with --spark, each with --batch rows per micro-batch (${DEFAULT-VALUE}).")
  int workers;

  @Option(names = "--grad-precision", defaultValue = "FLOAT32",
      description = "Gradients on the wire with --spark: ${COMPLETION-CANDIDATES} (${DEFAULT-VALUE}).")
  GradientPrecision gradPrecision;

  @Option(names = "--grad-exchange", defaultValue = "RING",
      description = "How --spark replicas average gradients: RING (all-reduce over TCP between the "
          + "executors) or ALL_GATHER (Spark's allGather through the driver) (${DEFAULT-VALUE}).")
  GradientExchange gradExchange;

  @Option(names = "--arch", defaultValue = "decoder", paramLabel = "decoder|t5|bert",
      description = "decoder (GPT-2 style), t5 (encoder-decoder: --data is JSONL of {\"source\": ...,"
          + " \"target\": ...} pairs; --tokenizer char) or bert (encoder-only, see --objective)"
          + " (default: ${DEFAULT-VALUE}).")
  String arch;

  @Option(names = "--objective", defaultValue = "mlm", paramLabel = "mlm|classify",
      description = "With --arch bert: mlm (masked-LM pretraining on a text file; --tokenizer char or a"
          + " BERT vocab.txt/tokenizer.json) or classify (fine-tune a classifier on JSONL of"
          + " {\"text\": ..., \"label\": ...}; from --model DIR or from scratch) (default: ${DEFAULT-VALUE}).")
  String objective;

  @Option(names = "--model", paramLabel = "DIR",
      description = "With --arch bert --objective classify: the BERT folder whose encoder is fine-tuned.")
  Path initModel;

  @Option(names = "--freeze-encoder",
      description = "With --objective classify: train only the pooler and the classifier.")
  boolean freezeEncoder;

  @Override
  public Integer call() throws Exception {
    PrintWriter stdout = spec.commandLine().getOut();
    RunChecks.outputFolder("--out", out);
    if (arch.equals("t5")) {
      return T5Train.run(this, stdout);
    } else if (arch.equals("bert")) {
      return BertTrain.run(this, stdout);
    } else if (!arch.equals("decoder")) {
      throw new IllegalArgumentException("--arch must be decoder, t5 or bert, got '" + arch + "'");
    }
    if (sparkMaster == null && workers != 1) {
      throw new IllegalArgumentException("--workers " + workers + " needs --spark MASTER");
    }
    TrainSetup setup = new TrainSetup(data.toAbsolutePath().toString(), tokenizer, vocabSize,
        tokenWidth, layers, heads, dim, block, batch, accumulation, iters, lr, minLr, warmup,
        weightDecay, beta2, gradClip, evalIters, evalInterval, checkpointInterval, seed,
        out.toAbsolutePath().toString(), recompute);
    if (sparkMaster != null) {
      return trainOnSpark(setup, stdout);
    }
    TrainSetup.Prepared prepared = setup.prepare(true);
    RunChecks.trainingBuffers(batch, block, heads, prepared.vocab());
    if (writeTokens != null && prepared.tokenizer() != null) {
      TokenWidth w = TokenWidth.forVocabulary(prepared.vocab());
      MappedTokenFile.write(writeTokens, prepared.tokens(), w);
      System.err.printf(Locale.ROOT, "wrote %s (%s)%n", writeTokens, w);
    }
    ReplicaFactory.Replica replica = setup.replica(prepared, 0, 1, true);
    Trainer trainer = replica.trainer();
    if (resume) {
      trainer.resumeFrom(out);
    }
    TrainingProgress progress = new TrainingProgress(System.err, "train");
    trainer.addListener(progress);
    TrainingResult r = trainer.run();
    stdout.printf(Locale.ROOT, "train_tok_per_s %.1f%n", r.tokensPerSecond());
    stdout.printf(Locale.ROOT, "final_train_loss %.4f%n", r.finalEvaluation().get("train"));
    stdout.printf(Locale.ROOT, "final_val_loss %.4f%n", r.finalEvaluation().get("val"));
    ModelConfig config = ModelConfig.gpt2(prepared.vocab(), block, layers, heads, dim);
    TrainingUtilisation.print(stdout, config, block, r.tokensPerSecond(), trainer.peakMemoryBytes());
    stdout.flush();
    if (plot != null) {
      progress.plot("training loss", plot);
    }
    return 0;
  }

  private int trainOnSpark(TrainSetup setup, PrintWriter stdout) {
    if (plot != null) {
      throw new IllegalArgumentException("--plot is not available with --spark (the loss curve is "
          + "drawn on the executors); run without --spark to plot");
    }
    if (writeTokens != null) {
      throw new IllegalArgumentException("--write-tokens is not available with --spark; "
          + "write the token file in a run without --spark first");
    }
    if (workers < 1) {
      throw new IllegalArgumentException("--workers must be >= 1, got " + workers);
    }
    if (TrainingCheckpoints.exists(out) && !resume) {
      throw new IllegalArgumentException("--out " + out + " already holds a training checkpoint; "
          + "pass --resume to continue it, or choose another folder (with --spark every retried "
          + "replica resumes from --out)");
    }
    if (!SparkSupport.available()) {
      throw new IllegalStateException("--spark needs Apache Spark 4 (Scala 2.13) on the classpath: "
          + "run through ./llm, which adds it, or spark-submit (see README)");
    }
    SparkSupport.Summary s =
        SparkSupport.train(sparkMaster, workers, gradPrecision, gradExchange, setup);
    stdout.printf(Locale.ROOT, "train_tok_per_s %.1f%n", s.tokensPerSecond());
    stdout.printf(Locale.ROOT, "final_train_loss %.4f%n", s.finalEvaluation().get("train"));
    stdout.printf(Locale.ROOT, "final_val_loss %.4f%n", s.finalEvaluation().get("val"));
    stdout.printf(Locale.ROOT, "comm_s_per_step %.4f%n", s.commSecondsPerStep());
    stdout.flush();
    System.err.printf(Locale.ROOT, "%d replicas on %s, stage attempt %d, %,.0f bytes sent per "
        + "replica and step (%s, %s), replicas identical: %s%n", workers, sparkMaster,
        s.attempt(), s.bytesSentPerStep(), gradPrecision, gradExchange, s.replicasIdentical());
    if (!Double.isNaN(s.commWaitSecondsPerStep())) {
      System.err.printf(Locale.ROOT, "of comm_s_per_step %.4f, %.4f s waited for the slowest "
          + "replica's compute; the rest is the transfer%n", s.commSecondsPerStep(),
          s.commWaitSecondsPerStep());
    }
    return 0;
  }
}
