package dev.llmkit.examples.cli;

import dev.llmkit.model.BatchSession;
import dev.llmkit.model.SessionOptions;
import dev.llmkit.model.nn.Transformer;
import java.io.PrintWriter;
import java.util.SplittableRandom;

/**
 * {@code llm bench --batch N}: N sequences, each with its own random prompt, prefilled one after
 * the other, then decoded greedily together, one batched step per token for all N.
 * {@code decode_tok_per_s} counts the tokens of all N sequences.
 */
final class BatchBench {

  private BatchBench() {}

  /** Warm-up run, then the best of {@code repeats}; prints the bench lines on out. */
  static void run(Transformer m, int batch, int promptLen, int newTokens, int repeats, long seed,
      PrintWriter out, PrintWriter err) {
    int[][] prompts = new int[batch][];
    for (int b = 0; b < batch; b++) {
      prompts[b] = new SplittableRandom(seed + b).ints(promptLen, 0, m.vocabSize()).toArray();
    }
    once(m, prompts, newTokens);
    double bestPrefill = 0;
    double bestDecode = 0;
    for (int r = 0; r < repeats; r++) {
      System.gc();
      double[] tps = once(m, prompts, newTokens);
      err.printf("run %d: batch %d, prefill %.1f tok/s, decode %.1f tok/s (all sequences)%n",
          r + 1, batch, tps[0], tps[1]);
      bestPrefill = Math.max(bestPrefill, tps[0]);
      bestDecode = Math.max(bestDecode, tps[1]);
    }
    out.printf("batch %d%n", batch);
    out.printf("prefill_tok_per_s %.1f%n", bestPrefill);
    out.printf("decode_tok_per_s %.1f%n", bestDecode);
    out.flush();
  }

  /** {prefill tok/s, decode tok/s} of one run, both counting every sequence. */
  static double[] once(Transformer m, int[][] prompts, int n) {
    int batch = prompts.length;
    int len = prompts[0].length;
    try (BatchSession s = m.newBatchSession(batch, new SessionOptions(false, 0, len + n))) {
      long a = System.nanoTime();
      int[] rows = new int[batch];
      int[] next = new int[batch];
      for (int b = 0; b < batch; b++) {
        rows[b] = b;
        next[b] = BenchCommand.argmax(s.prefill(b, prompts[b], 0, len));
      }
      long b0 = System.nanoTime();
      for (int i = 0; i < n; i++) {
        float[][] logits = s.step(rows, next, batch);
        for (int b = 0; b < batch; b++) {
          next[b] = BenchCommand.argmax(logits[b]);
        }
      }
      long c = System.nanoTime();
      return new double[] {(double) batch * len * 1e9 / (b0 - a), (double) batch * n * 1e9 / (c - b0)};
    }
  }
}
