package dev.llmkit.examples.cli;

import dev.llmkit.model.Models;
import dev.llmkit.model.generate.BatchGenerator;
import dev.llmkit.model.generate.BatchResult;
import dev.llmkit.model.generate.BeamHypothesis;
import dev.llmkit.model.generate.BeamSearch;
import dev.llmkit.model.generate.BeamSearchOptions;
import dev.llmkit.model.generate.GenerationOptions;
import dev.llmkit.model.generate.GenerationResult;
import dev.llmkit.sampling.Sampler;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * The batched modes of {@code llm generate}: {@code --samples N} (N continuations in one batch,
 * seeds seed, seed+1, …) and {@code --num-beams N} (beam search). Each printed continuation is
 * followed by a line holding only {@code ---} when another one follows.
 */
final class BatchGenerate {

  /** The line between two continuations. */
  static final String SEPARATOR = "---";

  private BatchGenerate() {}

  /** N samples in one batch; a summary line per sample on stderr. */
  static void samples(Models.Ready loaded, String prompt, int n, GenerationOptions options,
      Sampler sampler, long seed, PrintStream out, PrintWriter err) {
    BatchGenerator g = new BatchGenerator(loaded.model(), loaded.tokenizer());
    long start = System.nanoTime();
    List<BatchResult> results = g.samples(prompt, n, options, sampler, seed);
    double seconds = (System.nanoTime() - start) / 1e9;
    long tokens = 0;
    for (int i = 0; i < results.size(); i++) {
      GenerationResult r = results.get(i).generation();
      if (i > 0) {
        out.println(SEPARATOR);
      }
      out.println(r.text());
      tokens += r.generatedTokens();
      err.printf("sample %d: finish %s, generated %d tokens, seed %d, logprob %.3f%n", i,
          r.finishReason(), r.generatedTokens(), seed + i, results.get(i).totalLogprob());
    }
    out.flush();
    err.printf("%d samples, %d tokens in %.2f s: %.1f tok/s%n", n, tokens, seconds, tokens / seconds);
    err.flush();
  }

  /** Beam search; a score line per returned sequence on stderr. */
  static void beams(Models.Ready loaded, String prompt, GenerationOptions options,
      BeamSearchOptions beam, PrintStream out, PrintWriter err) {
    int[] ids = new BatchGenerator(loaded.model(), loaded.tokenizer()).encode(prompt, options);
    Set<Integer> eos = loaded.tokenizer().eosId().isPresent()
        ? Set.of(loaded.tokenizer().eosId().getAsInt())
        : loaded.model().config().eosTokenId() >= 0 ? Set.of(loaded.model().config().eosTokenId())
        : Set.of();
    List<BeamHypothesis> hyps = new BeamSearch(loaded.model()).search(ids, beam, eos);
    for (int i = 0; i < hyps.size(); i++) {
      BeamHypothesis h = hyps.get(i);
      int[] t = h.tokens();
      boolean endsOnEos = t.length > 0 && eos.contains(t[t.length - 1]);
      if (i > 0) {
        out.println(SEPARATOR);
      }
      out.println(loaded.tokenizer().decode(endsOnEos ? Arrays.copyOf(t, t.length - 1) : t));
      err.printf("beam %d: score %.4f, sum_logprobs %.4f, %d tokens%s%n", i, h.score(),
          h.sumLogprobs(), t.length, endsOnEos ? " (eos)" : "");
    }
    out.flush();
    err.flush();
  }
}
