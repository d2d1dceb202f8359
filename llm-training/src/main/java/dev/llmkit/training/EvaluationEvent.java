package dev.llmkit.training;

import java.util.Map;

/**
 * The result of one evaluation: the mean loss of each evaluation set (for example {@code "val"} and
 * {@code "train"}) over its fixed batches.
 *
 * @param step steps completed when the evaluation ran
 * @param losses mean cross-entropy per evaluation set, in the order the sets were added
 */
public record EvaluationEvent(long step, Map<String, Float> losses) {

  /** Copies the map. */
  public EvaluationEvent {
    losses = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(losses));
  }

  /** Perplexity {@code exp(loss)} of set {@code name}, or NaN when there is no such set. */
  public double perplexity(String name) {
    Float l = losses.get(name);
    return l == null ? Double.NaN : Math.exp(l);
  }
}
