package dev.llmkit.sampling;

/**
 * Picks the next token id from a logits vector.
 *
 * <p>A sampler is stateless with respect to one generation: everything that belongs to a generation
 * (the tokens so far, the seeded random source, scratch buffers, the last choice) lives in the
 * {@link SamplingContext}, so one configured sampler can serve many concurrent generations, each
 * with its own context.
 *
 * <p>Implementations record what they chose with {@link SamplingContext#recordChoice} so that the
 * caller can read the chosen token's probability and the top-N candidates afterwards. Sampling does
 * not append the token to the context: the caller does that with {@link SamplingContext#accept(int)}
 * once it decides to keep the token.
 */
@FunctionalInterface
public interface Sampler {

  /**
   * Chooses the next token.
   *
   * @param logits unnormalised log-probabilities, one per vocabulary entry ({@code -Infinity} means
   *     "impossible"); the sampler may modify this array in place
   * @param context the generation's context: tokens so far and the random source
   * @return the chosen token id, in {@code [0, logits.length)}
   * @throws IllegalArgumentException if the logits contain NaN (the message names the position) or
   *     leave no possible token
   */
  int sample(float[] logits, SamplingContext context);
}
