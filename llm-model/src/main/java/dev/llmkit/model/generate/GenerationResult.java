package dev.llmkit.model.generate;

/**
 * The outcome of one generation.
 *
 * @param text the generated text (the prompt not repeated; without the stop token or stop string)
 * @param tokens the generated ids, the stop token included when the generation ended on one
 * @param finishReason why it stopped
 * @param promptTokens number of prompt ids run (BOS included)
 * @param generatedTokens number of ids generated (= tokens.length)
 * @param prefillNanos time to run the prompt and sample the first token
 * @param decodeNanos time for every later token (forward pass, sampling and decoding)
 */
public record GenerationResult(
    String text, int[] tokens, FinishReason finishReason, int promptTokens, int generatedTokens,
    long prefillNanos, long decodeNanos) {

  /** Prompt tokens per second of the prefill. */
  public double prefillTokensPerSecond() {
    return prefillNanos == 0 ? 0 : promptTokens * 1e9 / prefillNanos;
  }

  /** Generated tokens per second after the first one. */
  public double decodeTokensPerSecond() {
    return decodeNanos == 0 || generatedTokens < 2 ? 0 : (generatedTokens - 1) * 1e9 / decodeNanos;
  }
}
