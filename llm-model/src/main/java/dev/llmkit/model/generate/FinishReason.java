package dev.llmkit.model.generate;

/** Why a generation stopped. */
public enum FinishReason {
  /** The model produced an end-of-sequence (stop) token. */
  EOS,
  /** The text produced contains one of the stop strings. */
  STOP_STRING,
  /** The requested number of new tokens was generated. */
  MAX_TOKENS,
  /** The session reached the model's context length (and no sliding window was chosen). */
  CONTEXT_FULL
}
