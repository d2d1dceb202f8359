package dev.llmkit.model;

/**
 * One candidate next token.
 *
 * @param token the token id
 * @param probability its softmax probability
 * @param logit its raw logit
 */
public record TokenProbability(int token, float probability, float logit) {}
