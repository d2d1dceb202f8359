package dev.llmkit.sampling;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * Straightforward full-sort, double-precision implementations of the filters, written from the
 * Hugging Face formulas, used as the independent reference of the tests.
 */
public final class Reference {

  private Reference() {}

  /** softmax in double with Math.exp; -Infinity gets 0. */
  public static double[] softmax(float[] logits) {
    double max = Double.NEGATIVE_INFINITY;
    for (float l : logits) {
      max = Math.max(max, l);
    }
    double[] p = new double[logits.length];
    double sum = 0;
    for (int i = 0; i < logits.length; i++) {
      p[i] = Math.exp(logits[i] - max);
      sum += p[i];
    }
    for (int i = 0; i < p.length; i++) {
      p[i] /= sum;
    }
    return p;
  }

  /** Token ids sorted by logit, highest first (ties: lower id first). */
  public static int[] byLogitDescending(float[] logits) {
    return IntStream.range(0, logits.length)
        .boxed()
        .sorted(Comparator.comparing((Integer i) -> -logits[i]).thenComparing(i -> i))
        .mapToInt(Integer::intValue)
        .toArray();
  }

  /** Which tokens top-k keeps: logit >= the k-th largest logit. */
  public static boolean[] topK(float[] logits, int k) {
    float[] sorted = logits.clone();
    Arrays.sort(sorted); // ascending
    float kth = sorted[sorted.length - Math.min(k, logits.length)];
    boolean[] keep = new boolean[logits.length];
    for (int i = 0; i < logits.length; i++) {
      keep[i] = logits[i] >= kth && logits[i] > Float.NEGATIVE_INFINITY;
    }
    return keep;
  }

  /**
   * Which tokens top-p keeps: walk the tokens by decreasing probability until the cumulative mass
   * reaches p; keep those, plus every token tied with the last one.
   */
  public static boolean[] topP(float[] logits, double p) {
    double max = Double.NEGATIVE_INFINITY;
    for (float l : logits) {
      max = Math.max(max, l);
    }
    double sum = 0;
    for (float l : logits) {
      sum += Math.exp(l - max);
    }
    float[] sorted = logits.clone();
    Arrays.sort(sorted); // ascending: walk it from the end
    double cumulative = 0;
    float last = Float.NEGATIVE_INFINITY;
    for (int j = sorted.length - 1; j >= 0; j--) {
      cumulative += Math.exp(sorted[j] - max) / sum;
      last = sorted[j];
      if (cumulative >= p) {
        break;
      }
    }
    boolean[] keep = new boolean[logits.length];
    for (int i = 0; i < logits.length; i++) {
      keep[i] = logits[i] >= last && logits[i] > Float.NEGATIVE_INFINITY;
    }
    return keep;
  }

  /** The cumulative mass of the top-p walk just before the token where it stops (for margins). */
  public static double[] topPBoundaryMasses(float[] logits) {
    double[] probs = softmax(logits);
    Arrays.sort(probs);
    double[] cumulative = new double[probs.length];
    double c = 0;
    for (int j = 0; j < probs.length; j++) {
      c += probs[probs.length - 1 - j];
      cumulative[j] = c;
    }
    return cumulative;
  }

  /** Hugging Face's TypicalLogitsWarper with a full sort, ties at the boundary kept. */
  public static boolean[] typicalP(float[] logits, double mass) {
    double[] probs = softmax(logits);
    double entropy = 0;
    for (double q : probs) {
      if (q > 0) {
        entropy -= q * Math.log(q);
      }
    }
    double[] shifted = new double[logits.length];
    for (int i = 0; i < logits.length; i++) {
      shifted[i] = probs[i] > 0 ? Math.abs(-Math.log(probs[i]) - entropy) : Double.POSITIVE_INFINITY;
    }
    Integer[] order = IntStream.range(0, logits.length).boxed().toArray(Integer[]::new);
    Arrays.sort(order, Comparator.comparingDouble(i -> shifted[i]));
    double cumulative = 0;
    double last = Double.POSITIVE_INFINITY;
    for (int id : order) {
      cumulative += probs[id];
      last = shifted[id];
      if (cumulative >= mass) {
        break;
      }
    }
    boolean[] keep = new boolean[logits.length];
    for (int i = 0; i < logits.length; i++) {
      keep[i] = shifted[i] <= last * (1 + 1e-9) + 1e-12 && probs[i] > 0;
    }
    return keep;
  }

  /** The probabilities left after masking: softmax over the kept tokens. */
  public static double[] renormalised(float[] logits, boolean[] keep) {
    float[] masked = logits.clone();
    for (int i = 0; i < masked.length; i++) {
      if (!keep[i]) {
        masked[i] = Float.NEGATIVE_INFINITY;
      }
    }
    return softmax(masked);
  }

  /** Which entries of a processed logits vector are still possible. */
  public static boolean[] finite(float[] logits) {
    boolean[] out = new boolean[logits.length];
    for (int i = 0; i < logits.length; i++) {
      out[i] = logits[i] > Float.NEGATIVE_INFINITY;
    }
    return out;
  }
}
