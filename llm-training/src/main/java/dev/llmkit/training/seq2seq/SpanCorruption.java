package dev.llmkit.training.seq2seq;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * T5's span-corruption pretraining objective (Raffel et al. 2020, §3.1.4) as a data transform: about
 * {@code noiseDensity} of a sequence's tokens, in spans of mean length {@code meanSpanLength}, are
 * cut out; the input keeps the rest with each cut span replaced by one sentinel id, and the target
 * lists each sentinel followed by the tokens it replaced (then EOS). As Hugging Face's
 * {@code run_t5_mlm_flax.py} ({@code random_spans_noise_mask}): {@code round(L·density)} noise tokens
 * (at least 1, at most L−1) in {@code round(noise / meanSpanLength)} spans (at least 1), noise and
 * kept tokens each split into that many non-empty runs at random, the sequence starting with kept
 * tokens; the k-th sentinel is {@code firstSentinel − k} (T5's {@code <extra_id_k>} = V−1−k).
 *
 * <p>Example (the paper's): {@code Thank you for inviting me to your party last week} becomes the
 * input {@code Thank you <X> me to your party <Y> week} and the target {@code <X> for inviting <Y>
 * last}. Immutable; the randomness comes from the caller.
 */
public final class SpanCorruption {

  private final double noiseDensity;
  private final double meanSpanLength;
  private final int firstSentinel;
  private final int eos;

  /**
   * @param noiseDensity fraction of tokens to corrupt, in (0, 1) (T5: 0.15)
   * @param meanSpanLength mean length of a corrupted span, ≥ 1 (T5: 3)
   * @param firstSentinel id of the first sentinel; later spans count down from it
   * @param eos id appended to input and target, or -1 for none
   */
  public SpanCorruption(double noiseDensity, double meanSpanLength, int firstSentinel, int eos) {
    if (!(noiseDensity > 0 && noiseDensity < 1)) {
      throw new IllegalArgumentException("noiseDensity must be in (0, 1), got " + noiseDensity);
    }
    if (!(meanSpanLength >= 1)) {
      throw new IllegalArgumentException("meanSpanLength must be >= 1, got " + meanSpanLength);
    }
    if (firstSentinel < 0) {
      throw new IllegalArgumentException("firstSentinel must be a token id, got " + firstSentinel);
    }
    this.noiseDensity = noiseDensity;
    this.meanSpanLength = meanSpanLength;
    this.firstSentinel = firstSentinel;
    this.eos = eos;
  }

  /** A corrupted input and its target. */
  public record Example(int[] input, int[] target) {}

  /**
   * Corrupts one sequence.
   *
   * @param tokens at least 2 ids (without EOS)
   * @param rng the source of the span layout
   * @throws IllegalArgumentException when there are fewer than 2 tokens, or more spans than
   *     sentinels below firstSentinel
   */
  public Example apply(int[] tokens, SplittableRandom rng) {
    int n = tokens.length;
    if (n < 2) {
      throw new IllegalArgumentException("span corruption needs at least 2 tokens, got " + n);
    }
    boolean[] noise = noiseMask(n, rng);
    int spans = 0;
    int[] input = new int[n + 1];
    int[] target = new int[2 * n + 1];
    int ni = 0;
    int nt = 0;
    for (int i = 0; i < n; i++) {
      if (noise[i]) {
        if (i == 0 || !noise[i - 1]) {
          int sentinel = firstSentinel - spans++;
          if (sentinel < 0) {
            throw new IllegalArgumentException("span " + spans + " has no sentinel id below " + firstSentinel);
          }
          input[ni++] = sentinel;
          target[nt++] = sentinel;
        }
        target[nt++] = tokens[i];
      } else {
        input[ni++] = tokens[i];
      }
    }
    if (eos >= 0) {
      input[ni++] = eos;
      target[nt++] = eos;
    }
    return new Example(Arrays.copyOf(input, ni), Arrays.copyOf(target, nt));
  }

  /** Which of n positions are noise: alternating kept/noise runs, starting with kept. */
  boolean[] noiseMask(int n, SplittableRandom rng) {
    int noiseTokens = (int) Math.round(n * noiseDensity);
    noiseTokens = Math.min(Math.max(noiseTokens, 1), n - 1);
    int spans = (int) Math.round(noiseTokens / meanSpanLength);
    spans = Math.max(1, Math.min(spans, Math.min(noiseTokens, n - noiseTokens)));
    int[] noiseRuns = split(noiseTokens, spans, rng);
    int[] keptRuns = split(n - noiseTokens, spans, rng);
    boolean[] mask = new boolean[n];
    int p = 0;
    for (int s = 0; s < spans; s++) {
      p += keptRuns[s];
      for (int j = 0; j < noiseRuns[s]; j++) {
        mask[p++] = true;
      }
    }
    return mask;
  }

  /** {@code items} split into {@code parts} non-empty runs at uniformly random cut points. */
  private static int[] split(int items, int parts, SplittableRandom rng) {
    // choose parts-1 distinct cut points among 1..items-1
    int[] pool = new int[items - 1];
    for (int i = 0; i < pool.length; i++) {
      pool[i] = i + 1;
    }
    for (int i = 0; i < parts - 1; i++) {
      int j = i + rng.nextInt(pool.length - i);
      int t = pool[i];
      pool[i] = pool[j];
      pool[j] = t;
    }
    int[] cuts = Arrays.copyOf(pool, parts - 1);
    Arrays.sort(cuts);
    int[] runs = new int[parts];
    int prev = 0;
    for (int i = 0; i < parts - 1; i++) {
      runs[i] = cuts[i] - prev;
      prev = cuts[i];
    }
    runs[parts - 1] = items - prev;
    return runs;
  }
}
