/**
 * llm-sampling: turning logits into the next token. API: package {@code dev.llmkit.sampling}; the
 * individual logits processors in {@code dev.llmkit.sampling.processors} are reached through its
 * factories and are not exported.
 */
module dev.llmkit.sampling {
  exports dev.llmkit.sampling;
  exports dev.llmkit.sampling.grammar;
}
