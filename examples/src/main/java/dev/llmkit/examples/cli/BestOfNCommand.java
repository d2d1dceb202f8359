package dev.llmkit.examples.cli;

import dev.llmkit.model.Models;
import dev.llmkit.training.rlhf.BestOfN;
import dev.llmkit.training.rlhf.GeneratorRollouts;
import dev.llmkit.training.rlhf.RewardModel;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code llm best-of-n}: rejection sampling with a reward model. */
@Command(
    name = "best-of-n",
    mixinStandardHelpOptions = true,
    header = "Sample n responses and print the one a reward model scores highest.",
    description = {
      "Best-of-n (rejection) sampling: draws --n responses to the prompt (seeds seed, seed+1, ...; full",
      "softmax), scores each with the reward model, and prints the best response, then reward X of it.",
      "Each candidate's reward goes to stderr."
    })
public final class BestOfNCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = "--model", required = true, paramLabel = "M",
      description = "The model: a Hugging Face folder, a llama2.c .bin, or bundled:stories260K.")
  String model;

  @Option(names = "--reward-model", required = true, paramLabel = "RM", description = "Reward model folder.")
  Path rewardModel;

  @Option(names = "--prompt", required = true, description = "The prompt text.")
  String prompt;

  @Option(names = "--n", required = true, description = "Responses to draw (>= 1).")
  int n;

  @Option(names = "--max-tokens", defaultValue = "64", description = "New tokens per response at most (default: ${DEFAULT-VALUE}).")
  int maxTokens;

  @Option(names = "--seed", defaultValue = "1337", description = "Seed of the first response (default: ${DEFAULT-VALUE}).")
  long seed;

  @Override
  public Integer call() throws Exception {
    PrintWriter stdout = spec.commandLine().getOut();
    if (n < 1) {
      throw new IllegalArgumentException("--n must be >= 1 (the number of responses to draw), got " + n);
    }
    if (maxTokens < 1) {
      throw new IllegalArgumentException("--max-tokens must be >= 1, got " + maxTokens);
    }
    Models.Ready m = ModelSource.load(model, null);
    RewardModel rm = RewardModel.load(rewardModel);
    rm.requireSameTokenizer(m.tokenizer());
    BestOfN.Result r = new BestOfN(new GeneratorRollouts(m.model(), m.tokenizer(), maxTokens), rm)
        .sample(prompt, n, seed);
    for (int i = 0; i < r.rewards().length; i++) {
      spec.commandLine().getErr().printf(Locale.ROOT, "candidate %d (seed %d): reward %.4f%n", i + 1, seed + i, r.rewards()[i]);
    }
    spec.commandLine().getErr().flush();
    stdout.println(r.best().response());
    stdout.printf(Locale.ROOT, "reward %.4f%n", r.bestReward());
    stdout.flush();
    return 0;
  }
}
