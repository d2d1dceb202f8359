package dev.llmkit.sampling;

/**
 * Checks and softmax pieces shared by samplers and processors, written for speed on 50k–200k
 * vocabularies (single passes, no allocation) and for reproducibility (the deterministic
 * {@link ExpMath#expNonPositive}).
 */
public final class Logits {

  private Logits() {}

  /**
   * The largest logit, checking every entry.
   *
   * @param logits the logits
   * @return the maximum ({@code -Infinity} if every entry is {@code -Infinity})
   * @throws IllegalArgumentException naming the first position holding NaN or {@code +Infinity}
   */
  public static float checkedMax(float[] logits) {
    float max = Float.NEGATIVE_INFINITY;
    for (int i = 0; i < logits.length; i++) {
      float v = logits[i];
      if (v > max) {
        max = v;
      } else if (v != v) {
        throw nan(logits, i);
      }
    }
    if (max == Float.POSITIVE_INFINITY) {
      for (int i = 0; i < logits.length; i++) {
        if (logits[i] == Float.POSITIVE_INFINITY) {
          throw new IllegalArgumentException(
              "logits[" + i + "] is +Infinity; expected a finite number or -Infinity");
        }
      }
    }
    return max;
  }

  /**
   * The position of the largest logit; equal maxima: the lowest position wins.
   *
   * @param logits the logits
   * @return the index of the first maximum
   * @throws IllegalArgumentException if an entry is NaN or {@code +Infinity} (naming the position),
   *     or if every entry is {@code -Infinity}
   */
  public static int argmax(float[] logits) {
    float max = Float.NEGATIVE_INFINITY;
    int best = -1;
    for (int i = 0; i < logits.length; i++) {
      float v = logits[i];
      if (v > max) {
        max = v;
        best = i;
      } else if (v != v) {
        throw nan(logits, i);
      }
    }
    if (max == Float.POSITIVE_INFINITY) {
      throw new IllegalArgumentException(
          "logits[" + best + "] is +Infinity; expected a finite number or -Infinity");
    }
    if (best < 0) {
      throw noPossibleToken(logits.length);
    }
    return best;
  }

  /**
   * Writes {@code exp(logits[i] - max)} into {@code weights} and returns their sum: the unnormalised
   * softmax. Entries at {@code -Infinity} get weight 0.
   *
   * @param logits the logits, of length V
   * @param max the largest logit (finite)
   * @param weights receives V weights; length {@code >= V}
   * @return the sum of the weights, {@code >= 1}
   */
  public static double expWeights(float[] logits, float max, float[] weights) {
    double sum = 0;
    for (int i = 0; i < logits.length; i++) {
      float l = logits[i];
      // removed tokens skip the exp: after top-k or top-p most of the vocabulary is -Infinity
      float w = l == Float.NEGATIVE_INFINITY ? 0f : ExpMath.expNonPositive(l - max);
      weights[i] = w;
      sum += w;
    }
    return sum;
  }

  /** The exception for a NaN at {@code position}. */
  static IllegalArgumentException nan(float[] logits, int position) {
    return new IllegalArgumentException(
        "logits[" + position + "] is NaN; expected a finite number or -Infinity (vocabulary of "
            + logits.length + ")");
  }

  /**
   * The exception for a logits vector with no possible token left.
   *
   * @param vocabSize the length of the logits vector
   * @return the exception to throw
   */
  public static NoPossibleTokenException noPossibleToken(int vocabSize) {
    return new NoPossibleTokenException(
        "all " + vocabSize + " logits are -Infinity; expected at least one possible token");
  }
}
