package dev.llmkit.examples.cli;

import dev.llmkit.model.Models;
import dev.llmkit.model.generate.GenerationOptions;
import dev.llmkit.model.generate.GenerationResult;
import dev.llmkit.model.generate.Generator;
import dev.llmkit.model.generate.TokenListener;
import dev.llmkit.sampling.Sampler;
import dev.llmkit.sampling.SamplerConfig;
import dev.llmkit.tensor.DecodeMatrices;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code llm generate}: streams a model's continuation of a prompt to stdout. */
@Command(
    name = "generate",
    mixinStandardHelpOptions = true,
    header = "Stream a model's continuation of a prompt.",
    description = {
      "Generate the continuation of a prompt and stream it to stdout as it is produced (the prompt"
          + " is not repeated). A summary (finish reason, token counts, speed) goes to stderr.",
      "PATH is a Hugging Face folder, a llama2.c .bin (then --tokenizer names its tok*.bin), a GGUF"
          + " file, bundled:stories260K (the pretrained model in the jar) or random:gpt2-124m."
    })
public final class GenerateCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = "--model", required = true, paramLabel = "MODEL",
      description = "Hugging Face folder, llama2.c .bin, GGUF file, bundled:stories260K or random:gpt2-124m.")
  String model;

  @Option(names = "--tokenizer", paramLabel = "PATH",
      description = "Tokenizer file (llama2.c tok*.bin, tokenizer.json, ...) when the model has none.")
  Path tokenizer;

  @Option(names = "--prompt", description = "The prompt text (may be empty); for an encoder-decoder model (T5),"
      + " the encoder input.")
  String prompt;

  @Option(names = "--prompt-ids", paramLabel = "IDS",
      description = "The prompt as token ids separated by spaces, instead of --prompt.")
  String promptIds;

  @Option(names = "--output", defaultValue = "text", paramLabel = "text|ids",
      description = "text (streamed) or ids (the generated ids on one line) (default: ${DEFAULT-VALUE}).")
  String output;

  @Option(names = "--max-tokens", defaultValue = "256", description = "New tokens at most (default: ${DEFAULT-VALUE}).")
  int maxTokens;

  @Option(names = "--temperature", defaultValue = "1.0",
      description = "Sampling temperature; 0 is greedy (default: ${DEFAULT-VALUE}).")
  float temperature;

  @Option(names = "--top-k", defaultValue = "0", description = "Keep the k most likely tokens; 0 disables (default: ${DEFAULT-VALUE}).")
  int topK;

  @Option(names = "--top-p", defaultValue = "1.0", description = "Nucleus mass; 1 disables (default: ${DEFAULT-VALUE}).")
  float topP;

  @Option(names = "--min-p", defaultValue = "0.0", description = "Min-p threshold; 0 disables (default: ${DEFAULT-VALUE}).")
  float minP;

  @Option(names = "--seed", description = "Seed of the random draws (default: from the clock, printed on stderr).")
  Long seed;

  @Option(names = "--stop", description = "Stop when the text contains this string (repeatable).")
  List<String> stop = List.of();

  @Option(names = "--json-schema", paramLabel = "FILE",
      description = "Constrain the output to JSON that follows this JSON Schema (common subset).")
  Path jsonSchema;

  @Option(names = "--grammar", paramLabel = "FILE",
      description = "Constrain the output to this GBNF grammar (llama.cpp's format; starts at root).")
  Path grammar;

  @Option(names = "--decode-matrices", defaultValue = "AUTO",
      description = "Where decoding reads the weight matrices: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}:"
          + " heap copies, faster, when the Vector API is on and the heap has room; SHARED saves that memory).")
  DecodeMatrices decodeMatrices;

  @Option(names = "--sliding-window",
      description = "Same as --context-overflow slide (kept for older scripts).")
  boolean slidingWindow;

  @Option(names = "--samples", defaultValue = "1",
      description = "Draw N continuations in one batch (seeds seed, seed+1, ...), printed separated"
          + " by a line holding only --- (default: ${DEFAULT-VALUE}).")
  int samples;

  @Option(names = "--num-beams", paramLabel = "N",
      description = "Beam search with N beams (Hugging Face semantics) instead of sampling.")
  Integer numBeams;

  @Option(names = "--length-penalty", defaultValue = "1.0",
      description = "Beam search: score = sum_logprobs / length^P (default: ${DEFAULT-VALUE}).")
  double lengthPenalty;

  @Option(names = "--no-repeat-ngram-size", defaultValue = "0",
      description = "Beam search: no n-gram of this size twice; 0 disables (default: ${DEFAULT-VALUE}).")
  int noRepeatNgramSize;

  @Option(names = "--num-return-sequences", defaultValue = "1",
      description = "Beam search: how many of the best sequences to print (default: ${DEFAULT-VALUE}).")
  int numReturnSequences;

  @Option(names = "--early-stopping", defaultValue = "FALSE",
      description = "Beam search: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
  dev.llmkit.model.generate.BeamSearchOptions.EarlyStopping earlyStopping;

  @Option(names = "--context-overflow", paramLabel = "stop|slide|shift", description = OverflowOption.DESCRIPTION)
  String contextOverflow;

  @Option(names = "--keep", defaultValue = "0",
      description = "Prompt tokens a full context keeps at its start (llama.cpp's --keep; default: ${DEFAULT-VALUE}).")
  int keep;

  @picocli.CommandLine.Mixin QuantizeOnLoad quantize;

  @Override
  public Integer call() throws Exception {
    PrintWriter err = spec.commandLine().getErr();
    if ((prompt == null) == (promptIds == null)) {
      throw new IllegalArgumentException("give exactly one of --prompt and --prompt-ids");
    }
    if (!output.equals("text") && !output.equals("ids")) {
      throw new IllegalArgumentException("--output must be text or ids, got '" + output + "'");
    }
    boolean ids = output.equals("ids");
    int[] promptTokens = promptIds == null ? null : LogitsCommand.parseIds(promptIds, "--prompt-ids");
    if (Seq2Seq.isT5(model)) {
      return seq2seq(err, ids, promptTokens);
    }
    Models.Ready loaded = ModelSource.load(model, tokenizer, true, decodeMatrices, quantize.type());
    if (loaded.tokenizer() == null) {
      throw new IllegalArgumentException(
          "the model " + model + " has no tokenizer; name one with --tokenizer");
    }
    long s = seed != null ? seed : System.nanoTime();
    SamplerConfig sampling = SamplerConfig.builder()
        .temperature(temperature).topK(topK).topP(topP).minP(minP).seed(s).build();
    Sampler sampler = Constraints.withGrammar(sampling, loaded.tokenizer(), grammar, jsonSchema);
    Generator generator = new Generator(loaded.model(), loaded.tokenizer(), sampler);
    GenerationOptions options = GenerationOptions.maxTokens(maxTokens)
        .withStopStrings(stop.toArray(String[]::new)).withKeepFirst(keep)
        .withContextOverflow(OverflowOption.parse(
            slidingWindow ? "slide" : contextOverflow, loaded.model().config()));
    PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);
    if ((numBeams != null || samples != 1) && (promptTokens != null || ids)) {
      throw new IllegalArgumentException(
          "--samples and --num-beams take --prompt TEXT and print text; --prompt-ids and --output ids"
              + " work with a single generation");
    }
    if ((numBeams != null || samples != 1) && contextOverflow == null && !slidingWindow) {
      // batched rows do not shift or slide: without an explicit choice a full context stops them
      options = options.withContextOverflow(dev.llmkit.model.ContextOverflow.STOP);
    }
    if (numBeams != null) {
      if (grammar != null || jsonSchema != null || samples != 1) {
        throw new IllegalArgumentException("--num-beams cannot be combined with --samples, --grammar or --json-schema");
      }
      BatchGenerate.beams(loaded, prompt, options, new dev.llmkit.model.generate.BeamSearchOptions(numBeams,
          lengthPenalty, earlyStopping, noRepeatNgramSize, numReturnSequences, maxTokens, null), out, err);
      return 0;
    }
    if (samples != 1) {
      if (samples < 1) {
        throw new IllegalArgumentException("--samples must be >= 1, got " + samples);
      }
      BatchGenerate.samples(loaded, prompt, samples, options, sampler, s, out, err);
      return 0;
    }
    TokenListener stream = ids ? TokenListener.NONE : (token, text) -> {
      if (!text.isEmpty()) {
        out.print(text);
        out.flush();
      }
    };
    GenerationResult r = promptTokens != null
        ? generator.generate(promptTokens, options, sampling.newContext(), stream)
        : generator.generate(prompt, options, sampling.newContext(), stream);
    finish(out, err, ids, r, s);
    return 0;
  }

  /**
   * The generated ids on one line (ids output) or the newline after the streamed text, then the
   * summary on stderr.
   */
  private void finish(PrintStream out, PrintWriter err, boolean ids, GenerationResult r, long s) {
    if (ids) {
      PrintWriter w = spec.commandLine().getOut();
      w.println(java.util.Arrays.stream(r.tokens()).mapToObj(Integer::toString)
          .collect(java.util.stream.Collectors.joining(" ")));
      w.flush();
    } else {
      out.println();
      out.flush();
    }
    err.printf("finish %s, prompt %d tokens, generated %d tokens, seed %d, prefill %.1f tok/s,"
            + " decode %.1f tok/s%n",
        r.finishReason(), r.promptTokens(), r.generatedTokens(), s, r.prefillTokensPerSecond(),
        r.decodeTokensPerSecond());
    err.flush();
  }

  /** An encoder-decoder model (T5): the prompt is the encoder input; see {@link Seq2Seq}. */
  private int seq2seq(PrintWriter err, boolean ids, int[] promptTokens) throws Exception {
    if (grammar != null || jsonSchema != null || slidingWindow) {
      throw new IllegalArgumentException("--grammar, --json-schema and --sliding-window are not"
          + " supported for the encoder-decoder model " + model);
    }
    long s = seed != null ? seed : System.nanoTime();
    SamplerConfig sampling = SamplerConfig.builder()
        .temperature(temperature).topK(topK).topP(topP).minP(minP).seed(s).build();
    GenerationOptions options = GenerationOptions.maxTokens(maxTokens)
        .withStopStrings(stop.toArray(String[]::new));
    PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);
    if (samples != 1) {
      throw new IllegalArgumentException("--samples is not supported for the encoder-decoder model "
          + model + "; use --num-beams N --num-return-sequences R, or one sample per seed");
    }
    if (numBeams != null) {
      Seq2Seq.Beams b = Seq2Seq.beams(model, tokenizer, prompt, promptTokens,
          new dev.llmkit.model.generate.BeamSearchOptions(numBeams, lengthPenalty, earlyStopping,
              noRepeatNgramSize, numReturnSequences, maxTokens, null), !ids);
      PrintWriter w = spec.commandLine().getOut();
      for (int i = 0; i < b.hypotheses().size(); i++) {
        dev.llmkit.model.generate.BeamHypothesis h = b.hypotheses().get(i);
        int[] t = h.tokens();
        if (i > 0) {
          w.println(BatchGenerate.SEPARATOR);
        }
        w.println(ids
            ? java.util.Arrays.stream(t).mapToObj(Integer::toString)
                .collect(java.util.stream.Collectors.joining(" "))
            : b.tokenizer().decode(t.length > 0 && t[t.length - 1] == b.eos()
                ? java.util.Arrays.copyOf(t, t.length - 1) : t));
        err.printf("beam %d: score %.4f, sum_logprobs %.4f, %d tokens%n", i, h.score(),
            h.sumLogprobs(), t.length);
      }
      w.flush();
      err.flush();
      return 0;
    }
    TokenListener stream = ids ? TokenListener.NONE : (token, text) -> {
      out.print(text);
      out.flush();
    };
    GenerationResult r = Seq2Seq.generate(model, tokenizer, prompt, promptTokens, sampling.sampler(),
        sampling.newContext(), options, !ids, stream);
    finish(out, err, ids, r, s);
    return 0;
  }
}
