package dev.llmkit.sampling;

/**
 * A token with its probability in the distribution a sampler drew from.
 *
 * @param token the token id
 * @param probability its probability, in {@code [0, 1]}
 * @param logProbability the natural logarithm of that probability ({@code -Infinity} for 0)
 */
public record Choice(int token, float probability, float logProbability) {}
