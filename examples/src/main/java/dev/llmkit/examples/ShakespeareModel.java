package dev.llmkit.examples;

import dev.llmkit.model.config.ModelConfig;
import dev.llmkit.model.generate.GenerationOptions;
import dev.llmkit.model.generate.Generator;
import dev.llmkit.model.nn.Transformer;
import dev.llmkit.model.weights.ModelWeights;
import dev.llmkit.sampling.SamplerConfig;
import dev.llmkit.sampling.SamplingContext;
import dev.llmkit.tokenizer.CharTokenizer;
import dev.llmkit.training.TrainableModel;
import dev.llmkit.training.Trainer;
import dev.llmkit.training.TrainerConfig;
import dev.llmkit.training.TrainingListener;
import dev.llmkit.training.TrainingResult;
import dev.llmkit.training.data.Corpus;
import dev.llmkit.training.data.RandomWindowBatches;
import dev.llmkit.training.optim.AdamW;
import dev.llmkit.training.optim.AdamWConfig;
import dev.llmkit.training.schedule.LearningRateSchedule;
import java.io.IOException;

/**
 * A small character-level GPT on the bundled Tiny Shakespeare, nanoGPT's {@code shakespeare_char}
 * recipe at a CPU-friendly size: 4 layers, 4 heads, width 128, context 64, batch 12, AdamW with
 * warm-up and cosine decay. Used by {@code llm demo} and the training and fine-tuning examples.
 */
public final class ShakespeareModel {

  /** Context length in characters. */
  public static final int BLOCK = 64;
  /** Sequences per step. */
  public static final int BATCH = 12;

  private final CharTokenizer tokenizer;
  private final Corpus corpus;
  private final ModelWeights weights;

  private ShakespeareModel(String text, long seed) {
    this.tokenizer = CharTokenizer.fromCorpus(text);
    this.corpus = Corpus.of(text, tokenizer);
    this.weights = ModelWeights.init(ModelConfig.gpt2(tokenizer.vocabSize(), BLOCK, 4, 4, 128), seed, 0.02f);
  }

  /** A fresh, untrained model with the bundled corpus, its tokenizer and its 90/10 split. */
  public static ShakespeareModel create(long seed) throws IOException {
    return new ShakespeareModel(BundledData.tinyShakespeare(), seed);
  }

  /** The character tokenizer of the corpus (65 characters). */
  public CharTokenizer tokenizer() {
    return tokenizer;
  }

  /** The weights, updated in place by {@link #train}. */
  public ModelWeights weights() {
    return weights;
  }

  /**
   * Trains for {@code iters} steps (learning rate 1e-3 warming up over a tenth of the run, at most
   * 100 steps, then cosine decay to 1e-4) and evaluates on 20 validation batches at the end.
   */
  public TrainingResult train(long iters, long seed, TrainingListener listener) {
    TrainableModel model = new TrainableModel(weights, BATCH, BLOCK);
    AdamW adamw = new AdamW(weights, model.gradients(), new AdamWConfig(0.9f, 0.99f, 1e-8f, 0.1f));
    TrainerConfig config = TrainerConfig.builder()
        .steps(iters)
        .schedule(LearningRateSchedule.warmupCosine(1e-3, 1e-4, Math.min(100, iters / 10), iters))
        .evalBatches(20)
        .build();
    Trainer trainer = new Trainer(model, adamw,
        new RandomWindowBatches(corpus.train(), BATCH, BLOCK, seed + 1), config);
    trainer.addEvaluation("val", new RandomWindowBatches(corpus.validation(), BATCH, BLOCK, seed + 2));
    if (listener != null) {
      trainer.addListener(listener);
    }
    return trainer.run();
  }

  /** {@code n} characters after {@code prompt}, temperature 0.8, reproducible with the seed. */
  public String sample(String prompt, int n, long seed) {
    Generator g = new Generator(new Transformer(weights), tokenizer,
        SamplerConfig.builder().temperature(0.8f).seed(seed).buildSampler());
    return g.generate(prompt, GenerationOptions.maxTokens(n).withSlidingWindow(true),
        new SamplingContext(seed), (id, t) -> {}).text();
  }
}
