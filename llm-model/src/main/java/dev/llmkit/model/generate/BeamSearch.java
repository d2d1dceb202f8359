package dev.llmkit.model.generate;

import dev.llmkit.model.BatchSession;
import dev.llmkit.model.LanguageModel;
import dev.llmkit.model.SessionOptions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Beam search with Hugging Face's semantics ({@code generate(num_beams=…)}: the
 * {@code BeamSearchScorer} of transformers 4.3x–4.4x): each step, every beam's log-softmax scores
 * (n-grams banned by {@code no_repeat_ngram_size} set to −∞) plus the beam's running score; the top
 * {@code max(2, 1 + #eos)·numBeams} candidates over all beams; EOS candidates among the first
 * numBeams ranks become finished hypotheses scored {@code sum / length^lengthPenalty} (length: the
 * generated tokens, the EOS included), the best numBeams others the next beams; the search ends by
 * {@code early_stopping} or at {@code max_new_tokens}, when the running beams are finished too.
 *
 * <p>All beams advance in one batched step of a {@link BatchSession} (the weights read once per
 * step), whose rows are reordered to the surviving beams' parents. Works for every
 * {@link LanguageModel}: an encoder–decoder model's decoder view with the prompt
 * {@code [decoder_start_token_id]}, any model through the generic batch session.
 */
public final class BeamSearch {

  private final LanguageModel model;

  /** Beam search over the model's next-token distributions. */
  public BeamSearch(LanguageModel model) {
    this.model = Objects.requireNonNull(model, "model");
  }

  /**
   * The best {@code numReturnSequences} finished hypotheses, best first.
   *
   * @param prompt the prompt ids (not empty), taken as they are
   * @param options the beam settings; null EOS ids mean the model config's EOS id (or none)
   * @throws IllegalArgumentException when the prompt is empty, holds an id outside the vocabulary,
   *     or leaves no room in the context for a new token
   */
  public List<BeamHypothesis> search(int[] prompt, BeamSearchOptions options) {
    Set<Integer> eos = options.eosTokens() != null ? options.eosTokens()
        : model.config().eosTokenId() >= 0 ? Set.of(model.config().eosTokenId()) : Set.of();
    return search(prompt, options, eos);
  }

  /** {@link #search(int[], BeamSearchOptions)} with the EOS ids given (the options' are ignored). */
  public List<BeamHypothesis> search(int[] prompt, BeamSearchOptions options, Set<Integer> eos) {
    Objects.requireNonNull(prompt, "prompt");
    Objects.requireNonNull(options, "options");
    Objects.requireNonNull(eos, "eos");
    if (prompt.length == 0) {
      throw new IllegalArgumentException("beam search needs a non-empty prompt");
    }
    int ctx = model.contextLength();
    if (prompt.length >= ctx) {
      throw new IllegalArgumentException("the prompt has " + prompt.length
          + " tokens, leaving no room for a new one in the context length " + ctx);
    }
    int beams = options.numBeams();
    int vocab = model.vocabSize();
    int promptLen = prompt.length;
    // the longest sequence: Hugging Face's max_length, within the context
    int maxLength = (int) Math.min((long) promptLen + options.maxNewTokens(), ctx);
    double lp = options.lengthPenalty();
    Hypotheses finished = new Hypotheses(beams, lp, options.earlyStopping(), maxLength - promptLen);
    int keep = Math.max(2, 1 + eos.size()) * beams;
    int[][] seqs = new int[beams][maxLength];
    float[] beamScores = new float[beams];
    Arrays.fill(beamScores, 1, beams, -1e9f);
    float[] scores = new float[vocab];
    float[] topScore = new float[keep];
    int[] topIndex = new int[keep];
    int[] sources = new int[beams];
    int[] nextTokens = new int[beams];
    float[] nextScores = new float[beams];
    int[] rows = new int[beams];
    for (int b = 0; b < beams; b++) {
      rows[b] = b;
      System.arraycopy(prompt, 0, seqs[b], 0, promptLen);
    }
    int curLen = promptLen;
    boolean done = false;
    try (BatchSession session = model.newBatchSession(beams, new SessionOptions(false, 0, maxLength))) {
      session.prefill(0, prompt, 0, promptLen);
      for (int b = 1; b < beams; b++) {
        session.copy(0, b);
      }
      while (true) {
        // candidates: (beam, token) -> logsoftmax + beam score, the best `keep` of them
        int found = 0;
        for (int b = 0; b < beams; b++) {
          logSoftmax(session.logits(b), scores);
          banRepeatedNgrams(seqs[b], curLen, options.noRepeatNgramSize(), scores);
          for (int t = 0; t < vocab; t++) {
            float s = scores[t] + beamScores[b];
            found = insert(topScore, topIndex, found, keep, s, b * vocab + t);
          }
        }
        // Hugging Face's BeamSearchScorer.process
        int cur = curLen + 1;
        int beamIdx = 0;
        for (int rank = 0; rank < found && beamIdx < beams; rank++) {
          int token = topIndex[rank] % vocab;
          int src = topIndex[rank] / vocab;
          if (eos.contains(token)) {
            if (rank >= beams) {
              continue;
            }
            int[] hyp = Arrays.copyOfRange(seqs[src], promptLen, curLen + 1);
            hyp[hyp.length - 1] = token;
            finished.add(hyp, topScore[rank], cur - promptLen);
          } else {
            nextScores[beamIdx] = topScore[rank];
            nextTokens[beamIdx] = token;
            sources[beamIdx] = src;
            beamIdx++;
          }
        }
        if (beamIdx < beams) {
          throw new IllegalStateException("beam search: fewer than " + beams
              + " possible continuations (every other token is banned or impossible)");
        }
        done = done || finished.isDone(topScore[0], cur - promptLen);
        // the next beams: their parents' rows and sequences, plus the new tokens
        int[][] next = new int[beams][];
        for (int b = 0; b < beams; b++) {
          next[b] = seqs[sources[b]].clone();
          next[b][curLen] = nextTokens[b];
          beamScores[b] = nextScores[b];
        }
        seqs = next;
        curLen++;
        if (done || curLen >= maxLength) {
          break;
        }
        session.reorder(sources);
        session.step(rows, nextTokens, beams);
      }
    }
    if (!done) {
      for (int b = 0; b < beams; b++) {
        finished.add(Arrays.copyOfRange(seqs[b], promptLen, curLen), beamScores[b], curLen - promptLen);
      }
    }
    return finished.best(options.numReturnSequences());
  }

  /** Inserts (s, index) into the descending top list of at most k; returns the new size. */
  private static int insert(float[] top, int[] idx, int size, int k, float s, int index) {
    if (size == k && !(s > top[k - 1])) {
      return size;
    }
    int i = size == k ? k - 1 : size;
    while (i > 0 && s > top[i - 1]) {
      top[i] = top[i - 1];
      idx[i] = idx[i - 1];
      i--;
    }
    top[i] = s;
    idx[i] = index;
    return size == k ? k : size + 1;
  }

  /** out = log softmax(logits), in float as torch computes it (the sum in double). */
  static void logSoftmax(float[] logits, float[] out) {
    float max = Float.NEGATIVE_INFINITY;
    for (float l : logits) {
      max = Math.max(max, l);
    }
    double sum = 0;
    for (float l : logits) {
      sum += Math.exp(l - max);
    }
    float lse = (float) Math.log(sum);
    for (int i = 0; i < logits.length; i++) {
      out[i] = (logits[i] - max) - lse;
    }
  }

  /**
   * Hugging Face's NoRepeatNGramLogitsProcessor: the tokens that would complete an n-gram already
   * in seq[0..len) get −∞.
   */
  static void banRepeatedNgrams(int[] seq, int len, int n, float[] scores) {
    if (n < 1 || len + 1 < n) {
      return;
    }
    int start = len + 1 - n; // the last n-1 tokens: seq[start..len)
    for (int i = 0; i + n <= len; i++) {
      boolean match = true;
      for (int j = 0; j < n - 1 && match; j++) {
        match = seq[i + j] == seq[start + j];
      }
      if (match) {
        scores[seq[i + n - 1]] = Float.NEGATIVE_INFINITY;
      }
    }
  }

  /** Hugging Face's BeamHypotheses: the best finished hypotheses and the stopping rule. */
  private static final class Hypotheses {
    private final int numBeams;
    private final double lengthPenalty;
    private final BeamSearchOptions.EarlyStopping early;
    private final int maxGenerated;
    private final List<BeamHypothesis> beams = new ArrayList<>();
    private double worst = 1e9;

    Hypotheses(int numBeams, double lengthPenalty, BeamSearchOptions.EarlyStopping early,
        int maxGenerated) {
      this.numBeams = numBeams;
      this.lengthPenalty = lengthPenalty;
      this.early = early;
      this.maxGenerated = maxGenerated;
    }

    void add(int[] tokens, float sumLogprobs, int generatedLen) {
      double score = sumLogprobs / Math.pow(generatedLen, lengthPenalty);
      if (beams.size() < numBeams || score > worst) {
        beams.add(new BeamHypothesis(tokens, score, sumLogprobs));
        if (beams.size() > numBeams) {
          int worstAt = 0;
          for (int i = 1; i < beams.size(); i++) {
            if (beams.get(i).score() < beams.get(worstAt).score()) {
              worstAt = i;
            }
          }
          beams.remove(worstAt);
          worst = beams.stream().mapToDouble(BeamHypothesis::score).min().orElse(1e9);
        } else {
          worst = Math.min(score, worst);
        }
      }
    }

    boolean isDone(float bestSumLogprobs, int generatedLen) {
      if (beams.size() < numBeams) {
        return false;
      }
      return switch (early) {
        case TRUE -> true;
        case FALSE -> worst >= bestSumLogprobs / Math.pow(generatedLen, lengthPenalty);
        case NEVER -> worst >= bestSumLogprobs
            / Math.pow(lengthPenalty > 0 ? maxGenerated : generatedLen, lengthPenalty);
      };
    }

    List<BeamHypothesis> best(int n) {
      List<BeamHypothesis> sorted = new ArrayList<>(beams);
      sorted.sort(Comparator.comparingDouble(BeamHypothesis::score).reversed());
      return List.copyOf(sorted.subList(0, Math.min(n, sorted.size())));
    }
  }
}
