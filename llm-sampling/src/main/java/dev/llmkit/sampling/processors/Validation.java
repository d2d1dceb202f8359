package dev.llmkit.sampling.processors;

/** The checks of the sampling settings, shared by the processors and {@code SamplerConfig}. */
public final class Validation {

  private Validation() {}

  /**
   * Checks a temperature.
   *
   * @param t the temperature
   * @return {@code t}
   * @throws IllegalArgumentException unless {@code t} is finite and {@code >= 0}
   */
  public static float temperature(float t) {
    if (!(t >= 0) || Float.isInfinite(t)) {
      throw new IllegalArgumentException(
          "temperature is " + t + "; expected a finite number >= 0 (0 means greedy)");
    }
    return t;
  }

  /**
   * Checks a top-k.
   *
   * @param k the number of tokens kept
   * @return {@code k}
   * @throws IllegalArgumentException if {@code k < 0}
   */
  public static int topK(int k) {
    if (k < 0) {
      throw new IllegalArgumentException("top-k is " + k + "; expected an integer >= 0 (0 disables it)");
    }
    return k;
  }

  /**
   * Checks a probability mass setting that must lie in (0, 1] (top-p, typical-p).
   *
   * @param name the setting's name, for the message
   * @param p the value
   * @return {@code p}
   * @throws IllegalArgumentException unless {@code 0 < p <= 1}
   */
  public static float massInUnitInterval(String name, float p) {
    if (!(p > 0 && p <= 1)) {
      throw new IllegalArgumentException(
          name + " is " + p + "; expected a number in (0, 1] (1 disables it)");
    }
    return p;
  }

  /**
   * Checks a min-p.
   *
   * @param p the value
   * @return {@code p}
   * @throws IllegalArgumentException unless {@code 0 <= p <= 1}
   */
  public static float minP(float p) {
    if (!(p >= 0 && p <= 1)) {
      throw new IllegalArgumentException(
          "min-p is " + p + "; expected a number in [0, 1] (0 disables it)");
    }
    return p;
  }

  /**
   * Checks a multiplicative penalty (repetition penalty).
   *
   * @param name the setting's name, for the message
   * @param penalty the value
   * @return {@code penalty}
   * @throws IllegalArgumentException unless the penalty is finite and {@code > 0}
   */
  public static float positivePenalty(String name, float penalty) {
    if (!(penalty > 0) || Float.isInfinite(penalty)) {
      throw new IllegalArgumentException(
          name + " is " + penalty + "; expected a finite number > 0 (1 disables it)");
    }
    return penalty;
  }

  /**
   * Checks an additive penalty (frequency or presence penalty, OpenAI semantics: 0 disables it,
   * a negative value encourages repetition).
   *
   * @param name the setting's name, for the message
   * @param penalty the value
   * @return {@code penalty}
   * @throws IllegalArgumentException unless the penalty is finite
   */
  public static float additivePenalty(String name, float penalty) {
    if (!Float.isFinite(penalty)) {
      throw new IllegalArgumentException(
          name + " is " + penalty + "; expected a finite number (0 disables it)");
    }
    return penalty;
  }

  /**
   * Checks a token id against the vocabulary, at sampling time.
   *
   * @param what what the id is, for the message (e.g. "banned token")
   * @param token the id
   * @param vocabSize the length of the logits vector
   * @return {@code token}
   * @throws IllegalArgumentException unless {@code 0 <= token < vocabSize}
   */
  public static int tokenInVocabulary(String what, int token, int vocabSize) {
    if (token < 0 || token >= vocabSize) {
      throw new IllegalArgumentException(
          what + " " + token + " is outside the vocabulary; expected an id in [0, " + vocabSize
              + ")");
    }
    return token;
  }
}
