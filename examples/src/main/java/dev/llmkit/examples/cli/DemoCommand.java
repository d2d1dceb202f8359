package dev.llmkit.examples.cli;

import dev.llmkit.examples.BundledData;
import dev.llmkit.examples.ShakespeareModel;
import dev.llmkit.model.Models;
import dev.llmkit.model.generate.GenerationOptions;
import dev.llmkit.model.generate.GenerationResult;
import dev.llmkit.model.generate.Generator;
import dev.llmkit.model.nn.Transformer;
import dev.llmkit.sampling.SamplerConfig;
import dev.llmkit.sampling.SamplingContext;
import dev.llmkit.training.TrainingResult;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code llm demo}: the whole story in two acts, offline. First the real pretrained stories260K
 * model tells a story; then a small character-level GPT learns Tiny Shakespeare for a minute or two
 * in front of you, and writes before and after.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    header = "Tell a story with the bundled pretrained model, then train a GPT on Shakespeare.",
    description = {
      "Generate a story with the bundled pretrained stories260K model, then train a small",
      "character-level GPT on the bundled Tiny Shakespeare and show its text before and after."
    })
public final class DemoCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = "--iters", defaultValue = "800",
      description = "Training steps of act two (default: ${DEFAULT-VALUE}; about a minute or two on 2 cores).")
  long iters;

  @Option(names = "--seed", defaultValue = "42", description = "Seed of sampling and training (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--plot", description = "Also write the training loss curve to this PNG.")
  Path plot;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();

    // ---- Act one: a real pretrained model -------------------------------------------------------
    out.println("== 1. A real pretrained model: stories260K (Llama architecture, 260K parameters) ==");
    Models.Ready stories = BundledData.stories260KReady();
    Transformer storyModel = stories.model();
    out.printf(Locale.ROOT, "%d layers, %d heads (%d KV heads), width %d, vocabulary %d%n%n",
        storyModel.config().nLayers(), storyModel.config().nHeads(), storyModel.config().nKvHeads(),
        storyModel.config().dim(), storyModel.config().vocabSize());
    String prompt = "Once upon a time";
    out.print(prompt);
    out.flush();
    Generator storyteller = new Generator(storyModel, stories.tokenizer(),
        SamplerConfig.builder().temperature(0.8f).topP(0.9f).seed(seed).buildSampler());
    GenerationResult story = storyteller.generate(prompt, GenerationOptions.maxTokens(200),
        new SamplingContext(seed), (id, text) -> {
          out.print(text);
          out.flush();
        });
    // The story above ran on a cold JVM; the same generation, repeated silently until the JIT has
    // compiled the decode loop, gives the steady-state speed an application sees.
    GenerationResult warm = story;
    for (int i = 0; i < 3; i++) {
      warm = storyteller.generate(prompt, GenerationOptions.maxTokens(200),
          new SamplingContext(seed), (id, text) -> { });
    }
    out.printf(Locale.ROOT,
        "%n%n(%d tokens, %s; first token after %.1f ms, %.0f tokens/s; steady state after warm-up:"
            + " first token after %.1f ms, %.0f tokens/s)%n%n",
        story.generatedTokens(), story.finishReason(), story.prefillNanos() / 1e6,
        story.decodeTokensPerSecond(), warm.prefillNanos() / 1e6, warm.decodeTokensPerSecond());

    // ---- Act two: train a model ----------------------------------------------------------------
    out.println("== 2. Training a character-level GPT on Tiny Shakespeare ==");
    ShakespeareModel shakespeare = ShakespeareModel.create(seed);
    out.printf(Locale.ROOT,
        "%d distinct characters; GPT: 4 layers, 4 heads, width 128, context %d: %,d parameters%n%n",
        shakespeare.tokenizer().vocabSize(), ShakespeareModel.BLOCK,
        shakespeare.weights().parameterCount());
    String seedText = "ROMEO:\n";
    out.println("-- before training (random weights) --");
    out.println(seedText + shakespeare.sample(seedText, 300, seed));
    out.flush();

    TrainingProgress progress = new TrainingProgress(System.err, "training");
    TrainingResult result = shakespeare.train(iters, seed, progress);
    out.printf(Locale.ROOT, "%ntrained %d steps in %.0f s (%,.0f tokens/s); validation loss %.3f%n%n",
        result.steps(), result.trainingSeconds(), result.tokensPerSecond(),
        result.finalEvaluation().get("val"));
    out.println("-- after training --");
    out.println(seedText + shakespeare.sample(seedText, 300, seed));
    if (plot != null) {
      progress.plot("Tiny Shakespeare, character level", plot);
      out.println("loss curve: " + plot);
    }
    out.flush();
    return 0;
  }
}
