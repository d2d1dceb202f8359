package dev.llmkit.tokenizer.trainer;

import dev.llmkit.tokenizer.sentencepiece.SentencePieceModelTokenizer;
import dev.llmkit.tokenizer.sentencepiece.SentencePieceNormalizer;
import dev.llmkit.tokenizer.sentencepiece.SentencePieceTokenizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * Trains a SentencePiece Unigram model on a corpus, as {@code unigram_model_trainer.cc} does it
 * (Kudo 2018): words are the whitespace-separated runs of the text with {@code ▁} in front; the
 * seed vocabulary is every character plus the most frequent substrings (frequency × length) up
 * to {@link Options#maxPieceLength}; then rounds of EM (the E-step sums each piece's expected
 * count over all segmentations with forward–backward, the M-step sets its log probability to
 * log(count / total) and drops pieces expected less than half a time) and pruning (each piece is
 * scored by how much the corpus likelihood drops when its occurrences are re-segmented without it;
 * the lowest {@code 1 - shrinkingFactor} share goes, single characters always stay) until the
 * vocabulary is at the target size.
 *
 * <p>It does not reproduce SentencePiece's vocabulary exactly (no digamma smoothing, no suffix
 * array, no sentence sampling), but the result is a sound Unigram model: the likelihood of the
 * corpus improves with each EM round and every text round-trips.
 */
public final class UnigramTrainer {
  private static final String SPACE = "\u2581";

  private UnigramTrainer() {}

  /**
   * Training settings.
   *
   * @param vocabSize the final vocabulary size, special and byte pieces included
   * @param maxPieceLength the longest piece, in characters
   * @param seedSize how many substrings seed the vocabulary
   * @param shrinkingFactor the share of pieces each pruning round keeps
   * @param emIterations EM rounds between prunings
   * @param byteFallback add the 256 {@code <0xXX>} byte pieces, so no text is unknown
   */
  public record Options(
      int vocabSize, int maxPieceLength, int seedSize, double shrinkingFactor, int emIterations,
      boolean byteFallback) {
    /** Validates. */
    public Options {
      if (vocabSize < 4) {
        throw new IllegalArgumentException("vocabSize is " + vocabSize + ", expected at least 4");
      }
      if (maxPieceLength < 1) {
        throw new IllegalArgumentException(
            "maxPieceLength is " + maxPieceLength + ", expected at least 1");
      }
      if (!(shrinkingFactor > 0 && shrinkingFactor < 1)) {
        throw new IllegalArgumentException(
            "shrinkingFactor is " + shrinkingFactor + ", expected a value in (0, 1)");
      }
      if (emIterations < 1) {
        throw new IllegalArgumentException("emIterations is " + emIterations + ", expected >= 1");
      }
      if (seedSize < 1) {
        throw new IllegalArgumentException("seedSize is " + seedSize + ", expected >= 1");
      }
    }

    /**
     * SentencePiece's defaults for a vocabulary size.
     *
     * @param vocabSize the final vocabulary size
     * @return the options
     */
    public static Options of(int vocabSize) {
      return new Options(vocabSize, 16, Math.max(10 * vocabSize, 10_000), 0.75, 2, false);
    }
  }

  /** Progress of training. */
  public interface Listener {
    /**
     * After each EM round.
     *
     * @param vocabSize the current number of pieces
     * @param logLikelihood the corpus log likelihood under the pieces before the M-step
     */
    void emRound(int vocabSize, double logLikelihood);
  }

  /**
   * Trains with SentencePiece's defaults.
   *
   * @param corpus the training text
   * @param vocabSize the final vocabulary size
   * @return the tokenizer
   */
  public static SentencePieceModelTokenizer train(String corpus, int vocabSize) {
    return train(corpus, Options.of(vocabSize), (n, ll) -> {});
  }

  /**
   * Trains.
   *
   * @param corpus the training text
   * @param options the settings
   * @param listener receives progress
   * @return the tokenizer: {@code <unk>}, {@code <s>}, {@code </s>}, the byte pieces when asked,
   *     then the pieces by descending score; identity normalisation with SentencePiece's
   *     whitespace handling
   * @throws IllegalArgumentException if the vocabulary cannot hold every character of the corpus
   *     besides the special (and byte) pieces
   */
  public static SentencePieceModelTokenizer train(
      String corpus, Options options, Listener listener) {
    Objects.requireNonNull(corpus, "corpus");
    Objects.requireNonNull(listener, "listener");
    SentencePieceNormalizer normalizer =
        new SentencePieceNormalizer(null, true, true, true, false, List.of());
    Map<String, Long> words = new HashMap<>();
    for (String w : corpus.split("\\s+")) {
      if (!w.isEmpty()) {
        words.merge(SPACE + w, 1L, Long::sum);
      }
    }
    if (words.isEmpty()) {
      throw new IllegalArgumentException("corpus: no words to train on (it is empty or whitespace)");
    }
    String[] wordText = words.keySet().toArray(new String[0]);
    long[] wordFreq = new long[wordText.length];
    for (int i = 0; i < wordText.length; i++) {
      wordFreq[i] = words.get(wordText[i]);
    }
    int specials = 3 + (options.byteFallback() ? 256 : 0);
    int target = options.vocabSize() - specials;
    Map<String, Double> pieces = seed(wordText, wordFreq, options);
    long chars = pieces.keySet().stream().filter(p -> p.codePointCount(0, p.length()) == 1).count();
    if (target < chars) {
      throw new IllegalArgumentException(
          "vocabSize " + options.vocabSize() + " is too small: the corpus has " + chars
              + " distinct characters and " + specials + " special pieces are added");
    }
    while (true) {
      for (int it = 0; it < options.emIterations(); it++) {
        pieces = emStep(pieces, wordText, wordFreq, listener);
      }
      if (pieces.size() <= target) {
        break;
      }
      int next = Math.max(target, (int) (pieces.size() * options.shrinkingFactor()));
      int before = pieces.size();
      pieces = prune(pieces, wordText, wordFreq, next);
      if (pieces.size() >= before) {
        break; // only characters are left
      }
    }
    // final vocabulary: specials, bytes, pieces by descending score
    List<Map.Entry<String, Double>> sorted = new ArrayList<>(pieces.entrySet());
    sorted.sort((a, b) -> a.getValue().equals(b.getValue())
        ? a.getKey().compareTo(b.getKey()) : Double.compare(b.getValue(), a.getValue()));
    int n = specials + sorted.size();
    String[] p = new String[n];
    float[] s = new float[n];
    int[] t = new int[n];
    p[0] = "<unk>";
    t[0] = SentencePieceTokenizer.UNKNOWN;
    p[1] = "<s>";
    t[1] = SentencePieceTokenizer.CONTROL;
    p[2] = "</s>";
    t[2] = SentencePieceTokenizer.CONTROL;
    int k = 3;
    if (options.byteFallback()) {
      for (int b = 0; b < 256; b++, k++) {
        p[k] = String.format("<0x%02X>", b);
        t[k] = SentencePieceTokenizer.BYTE;
      }
    }
    for (Map.Entry<String, Double> e : sorted) {
      p[k] = e.getKey();
      s[k] = e.getValue().floatValue();
      t[k] = SentencePieceTokenizer.NORMAL;
      k++;
    }
    return SentencePieceModelTokenizer.unigram(
        "unigram-trained", p, s, t, normalizer, 0, options.byteFallback(), OptionalInt.of(1),
        OptionalInt.of(2));
  }

  /** Every character, plus the top substrings by frequency x length; log relative frequencies. */
  private static Map<String, Double> seed(String[] words, long[] freq, Options o) {
    Map<String, Long> counts = new HashMap<>();
    Map<String, Long> singles = new HashMap<>();
    for (int w = 0; w < words.length; w++) {
      String s = words[w];
      int[] cps = s.codePoints().toArray();
      int[] off = new int[cps.length + 1];
      for (int i = 0; i < cps.length; i++) {
        off[i + 1] = off[i] + Character.charCount(cps[i]);
      }
      for (int i = 0; i < cps.length; i++) {
        singles.merge(s.substring(off[i], off[i + 1]), freq[w], Long::sum);
        for (int j = i + 2; j <= Math.min(cps.length, i + o.maxPieceLength()); j++) {
          String sub = s.substring(off[i], off[j]);
          if (sub.indexOf(SPACE, 1) >= 0) {
            break; // a piece never has a space inside
          }
          counts.merge(sub, freq[w], Long::sum);
        }
      }
    }
    List<Map.Entry<String, Long>> subs = new ArrayList<>(counts.entrySet());
    subs.removeIf(e -> e.getValue() < 2);
    subs.sort((a, b) -> {
      long x = a.getValue() * a.getKey().length();
      long y = b.getValue() * b.getKey().length();
      return x != y ? Long.compare(y, x) : a.getKey().compareTo(b.getKey());
    });
    Map<String, Long> seed = new HashMap<>(singles);
    for (int i = 0; i < Math.min(o.seedSize(), subs.size()); i++) {
      seed.put(subs.get(i).getKey(), subs.get(i).getValue());
    }
    return logNormalize(seed);
  }

  private static <N extends Number> Map<String, Double> logNormalize(Map<String, N> counts) {
    double total = 0;
    for (N c : counts.values()) {
      total += c.doubleValue();
    }
    double logTotal = Math.log(total);
    Map<String, Double> out = new HashMap<>();
    for (Map.Entry<String, N> e : counts.entrySet()) {
      out.put(e.getKey(), Math.log(e.getValue().doubleValue()) - logTotal);
    }
    return out;
  }

  /** One EM round: expected counts by forward-backward, then relative frequencies. */
  private static Map<String, Double> emStep(
      Map<String, Double> pieces, String[] words, long[] freq, Listener listener) {
    int maxLen = 1;
    for (String p : pieces.keySet()) {
      maxLen = Math.max(maxLen, p.length());
    }
    Map<String, Double> expected = new HashMap<>();
    double logLikelihood = 0;
    for (int w = 0; w < words.length; w++) {
      String s = words[w];
      int n = s.length();
      double[] alpha = new double[n + 1];
      java.util.Arrays.fill(alpha, Double.NEGATIVE_INFINITY);
      alpha[0] = 0;
      for (int i = 0; i < n; i++) {
        if (alpha[i] == Double.NEGATIVE_INFINITY || Character.isLowSurrogate(s.charAt(i))) {
          continue;
        }
        for (int j = i + 1; j <= Math.min(n, i + maxLen); j++) {
          Double lp = pieces.get(s.substring(i, j));
          if (lp != null) {
            alpha[j] = logAdd(alpha[j], alpha[i] + lp);
          }
        }
      }
      double[] beta = new double[n + 1];
      java.util.Arrays.fill(beta, Double.NEGATIVE_INFINITY);
      beta[n] = 0;
      for (int j = n; j > 0; j--) {
        if (beta[j] == Double.NEGATIVE_INFINITY) {
          continue;
        }
        for (int i = Math.max(0, j - maxLen); i < j; i++) {
          Double lp = pieces.get(s.substring(i, j));
          if (lp != null) {
            beta[i] = logAdd(beta[i], beta[j] + lp);
          }
        }
      }
      double z = alpha[n];
      logLikelihood += freq[w] * z;
      for (int i = 0; i < n; i++) {
        if (alpha[i] == Double.NEGATIVE_INFINITY) {
          continue;
        }
        for (int j = i + 1; j <= Math.min(n, i + maxLen); j++) {
          String sub = s.substring(i, j);
          Double lp = pieces.get(sub);
          if (lp != null && beta[j] != Double.NEGATIVE_INFINITY) {
            double posterior = Math.exp(alpha[i] + lp + beta[j] - z);
            expected.merge(sub, freq[w] * posterior, Double::sum);
          }
        }
      }
    }
    listener.emRound(pieces.size(), logLikelihood);
    // drop rarely used multi-character pieces; characters always stay
    expected.entrySet().removeIf(e -> e.getValue() < 0.5 && e.getKey().codePointCount(0, e.getKey().length()) > 1);
    for (String p : pieces.keySet()) {
      if (p.codePointCount(0, p.length()) == 1) {
        expected.merge(p, 1e-3, Math::max);
      }
    }
    return logNormalize(expected);
  }

  private static double logAdd(double a, double b) {
    if (a == Double.NEGATIVE_INFINITY) {
      return b;
    }
    if (b == Double.NEGATIVE_INFINITY) {
      return a;
    }
    double m = Math.max(a, b);
    return m + Math.log(Math.exp(a - m) + Math.exp(b - m));
  }

  /** Keeps the {@code keep} pieces whose removal costs the corpus likelihood most. */
  private static Map<String, Double> prune(
      Map<String, Double> pieces, String[] words, long[] freq, int keep) {
    int maxLen = 1;
    for (String p : pieces.keySet()) {
      maxLen = Math.max(maxLen, p.length());
    }
    // Viterbi counts of each piece over the corpus
    Map<String, Double> counts = new HashMap<>();
    for (int w = 0; w < words.length; w++) {
      for (String p : viterbi(words[w], pieces, maxLen, null)) {
        counts.merge(p, (double) freq[w], Double::sum);
      }
    }
    List<String> candidates = new ArrayList<>();
    Map<String, Double> loss = new HashMap<>();
    List<String> always = new ArrayList<>();
    for (Map.Entry<String, Double> e : pieces.entrySet()) {
      String p = e.getKey();
      if (p.codePointCount(0, p.length()) == 1) {
        always.add(p);
        continue;
      }
      double c = counts.getOrDefault(p, 0.0);
      if (c == 0) {
        loss.put(p, 0.0);
      } else {
        // re-segment the piece without itself: the likelihood lost on each occurrence
        List<String> alt = viterbi(p, pieces, maxLen, p);
        double altLp = 0;
        for (String a : alt) {
          altLp += pieces.get(a);
        }
        loss.put(p, c * (e.getValue() - altLp));
      }
      candidates.add(p);
    }
    candidates.sort((a, b) -> {
      int cmp = Double.compare(loss.get(b), loss.get(a));
      return cmp != 0 ? cmp : a.compareTo(b);
    });
    Map<String, Double> out = new HashMap<>();
    for (String p : always) {
      out.put(p, pieces.get(p));
    }
    for (int i = 0; i < candidates.size() && out.size() < keep; i++) {
      out.put(candidates.get(i), pieces.get(candidates.get(i)));
    }
    return out;
  }

  /** The best segmentation of {@code s} by the pieces, optionally without one piece. */
  private static List<String> viterbi(
      String s, Map<String, Double> pieces, int maxLen, String without) {
    int n = s.length();
    double[] best = new double[n + 1];
    int[] from = new int[n + 1];
    java.util.Arrays.fill(best, Double.NEGATIVE_INFINITY);
    best[0] = 0;
    for (int i = 0; i < n; i++) {
      if (best[i] == Double.NEGATIVE_INFINITY) {
        continue;
      }
      for (int j = i + 1; j <= Math.min(n, i + maxLen); j++) {
        String sub = s.substring(i, j);
        Double lp = sub.equals(without) ? null : pieces.get(sub);
        if (lp != null && best[i] + lp > best[j]) {
          best[j] = best[i] + lp;
          from[j] = i;
        }
      }
    }
    List<String> out = new ArrayList<>();
    for (int j = n; j > 0; j = from[j]) {
      out.add(0, s.substring(from[j], j));
    }
    return out;
  }
}
