package dev.llmkit.model;

/**
 * How likely a model finds a token sequence: the log-probability of every token given the ones
 * before it.
 *
 * @param ids the scored ids
 * @param logProbabilities element i is {@code ln p(ids[i+1] | ids[0..i])} (length ids.length - 1:
 *     the first token has no prediction)
 */
public record SequenceScore(int[] ids, float[] logProbabilities) {

  /** Sum of the log-probabilities. */
  public double totalLogProbability() {
    double s = 0;
    for (float lp : logProbabilities) {
      s += lp;
    }
    return s;
  }

  /** {@code exp(-mean log-probability)}: the perplexity; NaN for fewer than two ids. */
  public double perplexity() {
    return logProbabilities.length == 0
        ? Double.NaN
        : Math.exp(-totalLogProbability() / logProbabilities.length);
  }
}
