package dev.llmkit.sampling;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Everything one generation needs for sampling: the tokens so far (prompt and generated), a seeded
 * random source, reusable scratch buffers, and what the last {@link Sampler#sample} call chose.
 *
 * <p>Create one context per generation (it is not thread-safe); share the {@link Sampler} between
 * generations. The random source is xoshiro256** seeded through SplitMix64, an algorithm specified
 * independently of the JDK, so a seed draws the same tokens on every machine. After the first few
 * tokens have sized the scratch buffers to the vocabulary, sampling allocates nothing per token
 * (except the opt-in reports {@link #lastChoice()} and {@link #topCandidates(int)}).
 *
 * <p>Sampling does not append the chosen token: call {@link #accept(int)} for each token the
 * generation keeps, so that penalties see it.
 */
public final class SamplingContext {

  private final long seed;
  private final Xoshiro256StarStar random;

  private int[] tokens = new int[64];
  private int size;

  private int lastToken = -1;
  private float lastProbability = Float.NaN;
  private float lastLogProbability = Float.NaN;
  private float[] distribution = new float[0];
  private int distributionLength;
  private double distributionTotal = 1.0;

  private float[] floatScratch = new float[0];
  private float[] floatScratch2 = new float[0];
  private int[] intScratch = new int[0];
  private double[] doubleScratch = new double[0];

  /**
   * Creates a context with no tokens.
   *
   * @param seed fixes every random draw of this generation
   */
  public SamplingContext(long seed) {
    this.seed = seed;
    this.random = new Xoshiro256StarStar(seed);
  }

  /**
   * Creates a context whose history starts with the prompt's tokens.
   *
   * @param seed fixes every random draw of this generation
   * @param prompt the prompt's token ids (each {@code >= 0})
   */
  public SamplingContext(long seed, int... prompt) {
    this(seed);
    acceptAll(prompt);
  }

  /** The seed this context was created with. */
  public long seed() {
    return seed;
  }

  /**
   * Appends one token to the history (a prompt token or a generated one).
   *
   * @param token a token id, {@code >= 0}
   */
  public void accept(int token) {
    if (token < 0) {
      throw new IllegalArgumentException("token " + token + " is negative; expected a token id >= 0");
    }
    if (size == tokens.length) {
      tokens = Arrays.copyOf(tokens, tokens.length * 2);
    }
    tokens[size++] = token;
  }

  /**
   * Appends several tokens to the history, in order.
   *
   * @param ids token ids, each {@code >= 0}
   */
  public void acceptAll(int... ids) {
    for (int id : ids) {
      accept(id);
    }
  }

  /** The number of tokens in the history. */
  public int size() {
    return size;
  }

  /**
   * One token of the history.
   *
   * @param index position in the history, {@code 0 <= index < size()}
   * @return the token id at that position
   */
  public int token(int index) {
    if (index < 0 || index >= size) {
      throw new IndexOutOfBoundsException(
          "history index " + index + " is outside [0, " + size + ")");
    }
    return tokens[index];
  }

  /** A copy of the history (prompt and generated tokens), oldest first. */
  public int[] tokens() {
    return Arrays.copyOf(tokens, size);
  }

  /**
   * Starts the generation over: empties the history, forgets the last choice and restarts the random
   * sequence of {@link #seed()}. Scratch buffers are kept.
   */
  public void reset() {
    size = 0;
    lastToken = -1;
    lastProbability = Float.NaN;
    lastLogProbability = Float.NaN;
    distributionLength = 0;
    distributionTotal = 1.0;
    random.reseed(seed);
  }

  /** The next random double, uniform in {@code [0, 1)}. */
  public double nextDouble() {
    return random.nextDouble();
  }

  /** The next 64 random bits. */
  public long nextLong() {
    return random.nextLong();
  }

  // ---- what the last sample chose --------------------------------------------------------------

  /**
   * Records the choice of a {@link Sampler}; called by samplers, not by users.
   *
   * @param token the chosen token id
   * @param probability its probability in the distribution it was drawn from
   * @param logProbability the natural logarithm of {@code probability}
   */
  public void recordChoice(int token, double probability, double logProbability) {
    this.lastToken = token;
    this.lastProbability = (float) probability;
    this.lastLogProbability = (float) logProbability;
  }

  /**
   * A buffer of at least {@code vocabSize} floats where a sampler writes the final distribution it
   * draws from, as non-negative weights proportional to the probabilities (one per token), so that
   * {@link #topCandidates} can report it. Calling this marks the first {@code vocabSize} entries as
   * that distribution; the sampler then calls {@link #setDistributionTotal(double)}.
   *
   * @param vocabSize the length of the logits vector
   * @return a reused buffer; its previous contents are undefined
   */
  public float[] distributionBuffer(int vocabSize) {
    if (distribution.length < vocabSize) {
      distribution = new float[vocabSize];
    }
    distributionLength = vocabSize;
    distributionTotal = 1.0;
    return distribution;
  }

  /**
   * Sets the sum of the weights written into {@link #distributionBuffer(int)}, so that a weight
   * divided by it is a probability.
   *
   * @param total the sum of the weights, {@code > 0}
   */
  public void setDistributionTotal(double total) {
    if (!(total > 0) || Double.isInfinite(total)) {
      throw new IllegalArgumentException("distribution total is " + total + "; expected a finite number > 0");
    }
    distributionTotal = total;
  }

  /** The token chosen by the last {@link Sampler#sample} call, or -1 before the first one. */
  public int lastToken() {
    return lastToken;
  }

  /** The probability of the last chosen token in the distribution it was drawn from (NaN if none). */
  public float lastProbability() {
    return lastProbability;
  }

  /** The natural logarithm of {@link #lastProbability()} (NaN if none). */
  public float lastLogProbability() {
    return lastLogProbability;
  }

  /** The last choice as a record, or {@code null} before the first one (allocates a record). */
  public Choice lastChoice() {
    return lastToken < 0 ? null : new Choice(lastToken, lastProbability, lastLogProbability);
  }

  /**
   * The {@code n} most probable tokens of the distribution the last choice was drawn from, most
   * probable first (equal probabilities: lower id first), tokens of probability 0 left out. Uses
   * partial selection (a heap of {@code n}), not a full sort.
   *
   * @param n how many candidates, {@code >= 0}
   * @return at most {@code n} candidates (fewer if fewer have a non-zero probability)
   */
  public List<Choice> topCandidates(int n) {
    int[] ids = new int[Math.min(n, Math.max(distributionLength, 0))];
    float[] probs = new float[ids.length];
    int count = topCandidates(n, ids, probs);
    List<Choice> out = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      out.add(new Choice(ids[i], probs[i], (float) StrictMath.log(probs[i])));
    }
    return out;
  }

  /**
   * Allocation-free form of {@link #topCandidates(int)}: writes the candidates into the arrays.
   *
   * @param n how many candidates, {@code >= 0}
   * @param ids receives the token ids, most probable first; length {@code >= min(n, vocab)}
   * @param probabilities receives their probabilities; same length as {@code ids}
   * @return how many candidates were written
   */
  public int topCandidates(int n, int[] ids, float[] probabilities) {
    if (n < 0) {
      throw new IllegalArgumentException("n is " + n + "; expected n >= 0");
    }
    int k = Math.min(n, distributionLength);
    if (ids.length < k || probabilities.length < k) {
      throw new IllegalArgumentException(
          "ids/probabilities have length " + ids.length + "/" + probabilities.length
              + "; expected at least " + k);
    }
    int count = TopSelection.top(distribution, distributionLength, k, 0f, ids, probabilities);
    for (int i = 0; i < count; i++) {
      probabilities[i] = (float) (probabilities[i] / distributionTotal);
    }
    return count;
  }

  // ---- scratch buffers for processors and samplers ---------------------------------------------

  /**
   * A reusable float buffer of at least {@code minLength} entries, for a processor or sampler to use
   * during one call. Its contents are undefined on entry and it must not be kept across calls: the
   * next processor in the chain receives the same buffer.
   *
   * @param minLength the length needed
   * @return the buffer
   */
  public float[] floatScratch(int minLength) {
    if (floatScratch.length < minLength) {
      floatScratch = new float[minLength];
    }
    return floatScratch;
  }

  /**
   * A second reusable float buffer, distinct from {@link #floatScratch(int)}, with the same rules.
   *
   * @param minLength the length needed
   * @return the buffer
   */
  public float[] floatScratch2(int minLength) {
    if (floatScratch2.length < minLength) {
      floatScratch2 = new float[minLength];
    }
    return floatScratch2;
  }

  /**
   * A reusable int buffer of at least {@code minLength} entries, with the same rules as
   * {@link #floatScratch(int)}.
   *
   * @param minLength the length needed
   * @return the buffer
   */
  public int[] intScratch(int minLength) {
    if (intScratch.length < minLength) {
      intScratch = new int[minLength];
    }
    return intScratch;
  }

  /**
   * A reusable double buffer of at least {@code minLength} entries, with the same rules as
   * {@link #floatScratch(int)}.
   *
   * @param minLength the length needed
   * @return the buffer
   */
  public double[] doubleScratch(int minLength) {
    if (doubleScratch.length < minLength) {
      doubleScratch = new double[minLength];
    }
    return doubleScratch;
  }
}
