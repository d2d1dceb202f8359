package dev.llmkit.examples;

import dev.llmkit.model.config.ModelConfig;
import dev.llmkit.model.generate.GenerationOptions;
import dev.llmkit.model.generate.Generator;
import dev.llmkit.model.io.Checkpoints;
import dev.llmkit.model.io.LoadedModel;
import dev.llmkit.model.nn.Transformer;
import dev.llmkit.model.weights.ModelWeights;
import dev.llmkit.sampling.SamplerConfig;
import dev.llmkit.sampling.SamplingContext;
import dev.llmkit.tokenizer.CharTokenizer;
import dev.llmkit.tokenizer.Tokenizer;
import dev.llmkit.training.Trainer;
import dev.llmkit.training.TrainerConfig;
import dev.llmkit.training.TrainingResult;
import dev.llmkit.training.data.Corpus;
import dev.llmkit.training.data.RandomWindowBatches;
import dev.llmkit.training.TrainableModel;
import dev.llmkit.training.optim.AdamW;
import dev.llmkit.training.optim.AdamWConfig;
import dev.llmkit.training.schedule.LearningRateSchedule;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Library-level checkpointing: train a small GPT, writing checkpoints as it goes
 * ({@link Trainer#checkpointTo}); later, in a new trainer, resume from the checkpoint
 * ({@link Trainer#resumeFrom}: weights, AdamW moments, step and data position) and train on; then
 * reload the checkpoint — also a Hugging Face model folder — and generate. The README's "train,
 * checkpoint, resume, reload" snippet is this code.
 *
 * <p>Run: {@code ./llm example checkpoint [DIR]}
 */
public final class CheckpointExample {

  /** A run of {@code steps} steps in all, writing a checkpoint into {@code dir} every 10 steps. */
  static Trainer trainer(ModelWeights weights, Corpus corpus, long steps, Tokenizer tok, Path dir) {
    TrainableModel model = new TrainableModel(weights, 8, 32);
    AdamW adamw = new AdamW(weights, model.gradients(), new AdamWConfig(0.9f, 0.99f, 1e-8f, 0.1f));
    TrainerConfig config = TrainerConfig.builder()
        .steps(steps) // the whole run's steps, also when it is resumed
        .schedule(LearningRateSchedule.constant(1e-3))
        .checkpointInterval(10)
        .build();
    return new Trainer(model, adamw, new RandomWindowBatches(corpus.train(), 8, 32, 1), config)
        .checkpointTo(dir, tok); // the default store: a Hugging Face folder
  }

  /** Trains {@code first} steps, resumes to {@code total} steps, reloads; the resumed result. */
  static TrainingResult trainResumeReload(Path dir, long first, long total) throws Exception {
    String text = BundledData.tinyShakespeare();
    CharTokenizer tok = CharTokenizer.fromCorpus(text);
    Corpus corpus = Corpus.of(text, tok);
    ModelConfig shape = ModelConfig.gpt2(tok.vocabSize(), 32, 2, 2, 32);

    // 1. train, checkpointing into dir (every 10 steps and after the last one)
    trainer(ModelWeights.init(shape, 1, 0.02f), corpus, first, tok, dir).run();

    // 2. later, maybe in another process: a trainer of the same shape resumes where that one ended
    Trainer resumed = trainer(ModelWeights.init(shape, 1, 0.02f), corpus, total, tok, dir);
    long at = resumed.resumeFrom(dir);
    TrainingResult result = resumed.run(); // steps at+1 .. total
    System.out.printf("resumed at step %d, trained to step %d, loss %.4f%n", at, result.steps(),
        result.losses()[result.losses().length - 1]);

    // 3. the checkpoint is a model folder: load it and generate
    LoadedModel m = Checkpoints.load(dir);
    Generator g = new Generator(new Transformer(m.weights()), tok,
        SamplerConfig.builder().temperature(0.8f).seed(1).buildSampler());
    System.out.println("ROMEO:" + g.generate("ROMEO:", GenerationOptions.maxTokens(20),
        new SamplingContext(1), null).text());
    return result;
  }

  public static void main(String[] args) throws Exception {
    Path dir = args.length > 0 ? Path.of(args[0]) : Files.createTempDirectory("llmkit-checkpoint");
    trainResumeReload(dir, 20, 40);
    System.out.println("checkpoint: " + dir);
  }
}
