package dev.llmkit.examples.cli;

import dev.llmkit.sampling.Sampler;
import dev.llmkit.sampling.SamplerConfig;
import dev.llmkit.sampling.SamplingContext;
import dev.llmkit.sampling.SamplingOrder;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code llm sample}: draws N tokens independently from one logits vector with the given settings
 * and prints how often each id came out, to show what each setting does to the choice.
 */
@Command(
    name = "sample",
    mixinStandardHelpOptions = true,
    header = "Draw tokens from one logits vector.",
    description = {
      "Draw N tokens independently from one logits vector with llm-sampling's sampler.",
      "Prints one line 'ID COUNT' for each id drawn at least once, sorted by id."
    })
public final class SampleCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = "--logits", required = true,
      description = "The logits L0 L1 ..., separated by spaces or commas (-inf allowed).")
  String logits;

  @Option(names = "--temperature", defaultValue = "1",
      description = "Temperature, >= 0; 0 means greedy (default: ${DEFAULT-VALUE}).")
  float temperature;

  @Option(names = "--top-k", defaultValue = "0",
      description = "Keep the K most likely tokens; 0 disables (default: ${DEFAULT-VALUE}).")
  int topK;

  @Option(names = "--top-p", defaultValue = "1",
      description = "Nucleus mass in (0, 1]; 1 disables (default: ${DEFAULT-VALUE}).")
  float topP;

  @Option(names = "--min-p", defaultValue = "0",
      description = "Drop tokens below M x the top probability, in [0, 1] (default: ${DEFAULT-VALUE}).")
  float minP;

  @Option(names = "--typical-p", defaultValue = "1",
      description = "Locally typical mass in (0, 1]; 1 disables (default: ${DEFAULT-VALUE}).")
  float typicalP;

  @Option(names = "--repetition-penalty", defaultValue = "1",
      description = "Hugging Face repetition penalty over --history, > 0 (default: ${DEFAULT-VALUE}).")
  float repetitionPenalty;

  @Option(names = "--frequency-penalty", defaultValue = "0",
      description = "OpenAI frequency penalty over --history (default: ${DEFAULT-VALUE}).")
  float frequencyPenalty;

  @Option(names = "--presence-penalty", defaultValue = "0",
      description = "OpenAI presence penalty over --history (default: ${DEFAULT-VALUE}).")
  float presencePenalty;

  @Option(names = "--history", defaultValue = "",
      description = "Token ids seen before (what the penalties look at), separated by spaces.")
  String history;

  @Option(names = "--order", defaultValue = "huggingface",
      description = "Processor order: huggingface (temperature first) or llama.cpp (temperature"
          + " last) (default: ${DEFAULT-VALUE}).")
  String order;

  @Option(names = "--draws", required = true, description = "How many tokens to draw, >= 1.")
  int draws;

  @Option(names = "--seed", required = true, description = "Seed of the draws.")
  long seed;

  @Override
  public Integer call() {
    float[] values = parseLogits(logits);
    if (draws < 1) {
      throw new IllegalArgumentException("--draws is " + draws + "; expected an integer >= 1");
    }
    Sampler sampler =
        SamplerConfig.builder()
            .temperature(temperature)
            .topK(topK)
            .topP(topP)
            .minP(minP)
            .typicalP(typicalP)
            .repetitionPenalty(repetitionPenalty)
            .frequencyPenalty(frequencyPenalty)
            .presencePenalty(presencePenalty)
            .order(parseOrder(order))
            .buildSampler();
    SamplingContext context = new SamplingContext(seed, parseHistory(history));
    long[] counts = new long[values.length];
    float[] work = new float[values.length];
    for (int i = 0; i < draws; i++) {
      System.arraycopy(values, 0, work, 0, values.length);
      counts[sampler.sample(work, context)]++;
    }
    PrintWriter out = spec.commandLine().getOut();
    for (int id = 0; id < counts.length; id++) {
      if (counts[id] > 0) {
        out.println(id + " " + counts[id]);
      }
    }
    out.flush();
    return 0;
  }

  /** Parses "L0 L1 ..." (spaces or commas; -inf, -infinity accepted), naming a bad entry. */
  static float[] parseLogits(String text) {
    String trimmed = text.trim();
    if (trimmed.isEmpty()) {
      throw new IllegalArgumentException("--logits is empty; expected numbers separated by spaces");
    }
    String[] parts = trimmed.split("[\\s,]+");
    float[] out = new float[parts.length];
    for (int i = 0; i < parts.length; i++) {
      String p = parts[i].toLowerCase(Locale.ROOT);
      if (p.equals("-inf") || p.equals("-infinity")) {
        out[i] = Float.NEGATIVE_INFINITY;
        continue;
      }
      try {
        out[i] = Float.parseFloat(parts[i]);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "--logits: entry " + i + " '" + parts[i] + "' is not a number");
      }
    }
    return out;
  }

  static int[] parseHistory(String text) {
    String trimmed = text.trim();
    if (trimmed.isEmpty()) {
      return new int[0];
    }
    String[] parts = trimmed.split("[\\s,]+");
    int[] out = new int[parts.length];
    for (int i = 0; i < parts.length; i++) {
      try {
        out[i] = Integer.parseInt(parts[i]);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("--history: '" + parts[i] + "' is not a token id");
      }
      if (out[i] < 0) {
        throw new IllegalArgumentException("--history: " + out[i] + " is not a token id (>= 0)");
      }
    }
    return out;
  }

  static SamplingOrder parseOrder(String text) {
    switch (text.toLowerCase(Locale.ROOT)) {
      case "huggingface":
      case "hf":
        return SamplingOrder.HUGGING_FACE;
      case "llama.cpp":
      case "llamacpp":
        return SamplingOrder.LLAMA_CPP;
      default:
        throw new IllegalArgumentException(
            "--order is '" + text + "'; expected huggingface or llama.cpp");
    }
  }
}
