package dev.llmkit.model.generate;

/**
 * One finished beam-search hypothesis.
 *
 * @param tokens the generated ids (the prompt not repeated), ending with the EOS id when the
 *     hypothesis ended on one
 * @param score {@code sumLogprobs / length^lengthPenalty}, by which hypotheses are ranked (Hugging
 *     Face's {@code sequences_scores})
 * @param sumLogprobs the sum of the log-probabilities of the generated ids (the EOS included)
 */
public record BeamHypothesis(int[] tokens, double score, double sumLogprobs) {}
