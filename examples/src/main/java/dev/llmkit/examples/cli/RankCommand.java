package dev.llmkit.examples.cli;

import dev.llmkit.model.Models;
import dev.llmkit.training.finetune.Jsonl;
import dev.llmkit.training.finetune.PreferencePair;
import dev.llmkit.training.rlhf.GeneratorRollouts;
import dev.llmkit.training.rlhf.Judge;
import dev.llmkit.training.rlhf.Rollout;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code llm rank}: collect human preferences in the terminal. */
@Command(
    name = "rank",
    mixinStandardHelpOptions = true,
    header = "Show sampled responses, read your ranking, append the implied preference pairs.",
    description = {
      "Human feedback: for each prompt of --prompts (one per line) draws --samples responses, shows them",
      "numbered, and reads a ranking from stdin (numbers best first, e.g. '2 1 3', or just the best one's",
      "number; an empty line skips the prompt). Every pair the ranking implies (each ranked response over",
      "every response ranked after it or not ranked) is appended to --out as JSONL {prompt, chosen,",
      "rejected}: the format llm finetune --method dpo and llm reward-train read. Ends with",
      "pairs_appended N."
    })
public final class RankCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = "--model", required = true, paramLabel = "M",
      description = "The model: a Hugging Face folder, a llama2.c .bin, or bundled:stories260K.")
  String model;

  @Option(names = "--prompts", required = true, paramLabel = "FILE", description = "Prompts, one per line.")
  Path prompts;

  @Option(names = "--samples", defaultValue = "4", paramLabel = "N", description = "Responses per prompt, >= 2 (default: ${DEFAULT-VALUE}).")
  int samples;

  @Option(names = "--out", required = true, paramLabel = "PREFS.jsonl", description = "JSONL file to append to.")
  Path out;

  @Option(names = "--max-tokens", defaultValue = "64", description = "New tokens per response at most (default: ${DEFAULT-VALUE}).")
  int maxTokens;

  @Option(names = "--seed", defaultValue = "1337", description = "Seed of the first response (default: ${DEFAULT-VALUE}).")
  long seed;

  @Override
  public Integer call() throws Exception {
    PrintWriter stdout = spec.commandLine().getOut();
    if (samples < 2) {
      throw new IllegalArgumentException("--samples must be >= 2 (a ranking needs two responses), got " + samples);
    }
    if (maxTokens < 1) {
      throw new IllegalArgumentException("--max-tokens must be >= 1, got " + maxTokens);
    }
    List<String> all = RlhfFiles.prompts(prompts);
    Models.Ready m = ModelSource.load(model, null);
    GeneratorRollouts sampler = new GeneratorRollouts(m.model(), m.tokenizer(), maxTokens);
    TerminalJudge person = new TerminalJudge(
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)), stdout);
    int appended = 0;
    for (int p = 0; p < all.size() && !person.ended(); p++) {
      List<String> responses = new ArrayList<>();
      for (Rollout r : sampler.sample(List.of(all.get(p)), samples, seed + (long) p * samples)) {
        responses.add(r.response());
      }
      int[] ranking = person.rank(all.get(p), responses);
      List<PreferencePair> pairs = Judge.pairs(all.get(p), responses, ranking);
      Jsonl.appendPreferences(out, pairs);
      appended += pairs.size();
    }
    stdout.printf(Locale.ROOT, "pairs_appended %d%n", appended);
    stdout.flush();
    return 0;
  }
}
