package dev.llmkit.sampling.processors;

/**
 * Weighted quickselect: the cut-off of a "smallest set of highest-ranked tokens whose probability
 * adds up to at least p" (top-p, typical-p) without sorting the vocabulary.
 *
 * <p>Entries are (key, weight) pairs, ranked by key, higher first. Each round partitions the current
 * range three ways around a median-of-three pivot (keys greater, equal, smaller) while summing the
 * weights of the first two parts, then continues in the one part that holds the cut-off. Expected
 * O(n) work; equal keys are handled in one step, so ties cannot make it quadratic.
 */
final class WeightedSelection {

  private WeightedSelection() {}

  /**
   * The largest key τ such that the entries with key {@code >= τ} weigh at least {@code target}
   * (less {@code tolerance}, which absorbs float rounding of the weights). Every entry with key τ
   * is part of that set, so ties at the boundary are all kept.
   *
   * @param keys the keys of the entries; reordered in place
   * @param weights their weights, each {@code > 0}; reordered together with the keys
   * @param n the number of entries
   * @param target the weight to reach
   * @param tolerance how much less than {@code target} still counts as reaching it, {@code >= 0}
   * @return τ, or {@code -Infinity} if all entries together do not reach the target (keep all)
   */
  static float thresholdKey(float[] keys, float[] weights, int n, double target, double tolerance) {
    double need = Math.max(target - tolerance, Double.MIN_VALUE);
    int lo = 0;
    int hi = n;
    while (lo < hi) {
      float pivot = medianOfThree(keys[lo], keys[(lo + hi) >>> 1], keys[hi - 1]);
      // Dijkstra's partition: [lo, gt) > pivot, [gt, i) == pivot, (lt, hi) < pivot
      int gt = lo;
      int i = lo;
      int lt = hi - 1;
      double massGreater = 0;
      double massEqual = 0;
      while (i <= lt) {
        float key = keys[i];
        if (key > pivot) {
          float w = weights[i];
          keys[i] = keys[gt];
          weights[i] = weights[gt];
          keys[gt] = key;
          weights[gt] = w;
          massGreater += w;
          gt++;
          i++;
        } else if (key < pivot) {
          float w = weights[i];
          keys[i] = keys[lt];
          weights[i] = weights[lt];
          keys[lt] = key;
          weights[lt] = w;
          lt--;
        } else {
          massEqual += weights[i];
          i++;
        }
      }
      if (massGreater >= need) {
        hi = gt; // the cut-off lies among the greater keys (gt > lo since need > 0)
      } else if (massGreater + massEqual >= need) {
        return pivot;
      } else {
        need -= massGreater + massEqual;
        lo = lt + 1;
      }
    }
    return Float.NEGATIVE_INFINITY;
  }

  private static float medianOfThree(float a, float b, float c) {
    if (a > b) {
      float t = a;
      a = b;
      b = t;
    }
    // a <= b
    if (c <= a) {
      return a;
    }
    return Math.min(b, c);
  }
}
