package dev.llmkit.examples.cli;

import dev.llmkit.model.config.ModelConfig;
import dev.llmkit.model.weights.ModelWeights;
import dev.llmkit.tokenizer.Tokenizer;
import dev.llmkit.training.Trainer;
import dev.llmkit.training.TrainerConfig;
import dev.llmkit.training.checkpoint.HuggingFaceModelStore;
import dev.llmkit.training.checkpoint.TrainingCheckpoints;
import dev.llmkit.training.data.BatchSource;
import dev.llmkit.training.data.Corpus;
import dev.llmkit.training.data.MappedTokenFile;
import dev.llmkit.training.data.RandomWindowBatches;
import dev.llmkit.training.data.ShardedBatches;
import dev.llmkit.training.data.TokenSequence;
import dev.llmkit.training.data.TokenWidth;
import dev.llmkit.training.TrainableModel;
import dev.llmkit.training.optim.AdamW;
import dev.llmkit.training.optim.AdamWConfig;
import dev.llmkit.training.schedule.LearningRateSchedule;
import dev.llmkit.training.spark.ReplicaFactory;
import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The settings of {@code llm train}, as a value that travels to Spark executors: every replica
 * rebuilds the same corpus, tokenizer, model (same seed) and optimiser from it.
 */
record TrainSetup(
    String data,
    String tokenizer,
    Integer vocabSize,
    int tokenWidth,
    int layers,
    int heads,
    int dim,
    int block,
    int batch,
    int accumulation,
    long iters,
    double lr,
    double minLr,
    long warmup,
    float weightDecay,
    float beta2,
    float gradClip,
    int evalIters,
    long evalInterval,
    long checkpointInterval,
    long seed,
    String out,
    boolean recompute) implements Serializable {

  /** The corpus and its tokenizer (null for a token file). */
  record Prepared(TokenSequence tokens, Tokenizer tokenizer, int vocab) {}

  /** Reads and tokenizes the corpus; {@code verbose} prints its size on stderr. */
  Prepared prepare(boolean verbose) throws IOException {
    Path path = Path.of(data);
    if (path.getFileName().toString().endsWith(".bin")) {
      if (vocabSize == null) {
        throw new IllegalArgumentException("--vocab-size is required with a token file " + data);
      }
      return new Prepared(
          MappedTokenFile.open(path, tokenWidth == 4 ? TokenWidth.UINT32 : TokenWidth.UINT16),
          null, vocabSize);
    }
    String text = Files.readString(path, StandardCharsets.UTF_8);
    Tokenizer tok = TrainTokenizers.resolve(tokenizer, text);
    long t0 = System.nanoTime();
    TokenSequence tokens = TokenSequence.of(tok.encode(text));
    if (verbose) {
      System.err.printf(Locale.ROOT, "%s: %,d tokens, vocabulary %,d (tokenized in %.1f s)%n",
          data, tokens.length(), tok.vocabSize(), (System.nanoTime() - t0) / 1e9);
    }
    return new Prepared(tokens, tok, tok.vocabSize());
  }

  /**
   * The trainer of replica {@code rank} of {@code world} (each with {@link #batch} rows; they share
   * one global batch of {@code world * batch} rows), checkpointing into {@link #out} on rank 0.
   */
  ReplicaFactory.Replica replica(Prepared p, int rank, int world, boolean verbose) {
    Corpus corpus = Corpus.split(p.tokens(), Corpus.DEFAULT_TRAIN_FRACTION);
    ModelConfig config = ModelConfig.gpt2(p.vocab(), block, layers, heads, dim);
    ModelWeights weights = ModelWeights.init(config, seed, 0.02f);
    if (verbose) {
      System.err.printf(Locale.ROOT, "model: %d layers, %d heads, dim %d, block %d: %,d parameters%n",
          layers, heads, dim, block, weights.parameterCount());
    }
    TrainableModel model = new TrainableModel(weights, batch, block, recompute);
    AdamW optimizer = new AdamW(weights, model.gradients(),
        new AdamWConfig(0.9f, beta2, 1e-8f, weightDecay));
    TrainerConfig tc = TrainerConfig.builder()
        .steps(iters)
        .accumulation(accumulation)
        .schedule(LearningRateSchedule.warmupCosine(lr, minLr, warmup, Math.max(iters, warmup + 1)))
        .gradientClip(gradClip)
        .evalInterval(evalInterval)
        .evalBatches(evalIters)
        .checkpointInterval(checkpointInterval)
        .build();
    BatchSource train = world == 1
        ? new RandomWindowBatches(corpus.train(), batch, block, seed + 1)
        : new ShardedBatches(
            new RandomWindowBatches(corpus.train(), batch * world, block, seed + 1), rank, world);
    Trainer trainer = new Trainer(model, optimizer, train, tc);
    trainer.addEvaluation("train", new RandomWindowBatches(corpus.train(), batch, block, seed + 2));
    trainer.addEvaluation("val", new RandomWindowBatches(corpus.validation(), batch, block, seed + 3));
    if (rank == 0) {
      trainer.checkpointTo(Path.of(out), p.tokenizer(),
          new TrainingCheckpoints(new HuggingFaceModelStore()));
    }
    return new ReplicaFactory.Replica(trainer, weights);
  }
}
