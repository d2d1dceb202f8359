package dev.llmkit.model;

import dev.llmkit.model.config.ModelConfig;

/**
 * The inference view of a language model: token ids in, logits out, one {@link InferenceSession}
 * (which owns a KV cache) per generation.
 *
 * <p>A model is immutable and shared: any number of sessions may run on it at once, from any number
 * of threads (each session from one thread at a time).
 */
public interface LanguageModel {

  /** The architecture of this model. */
  ModelConfig config();

  /** Vocabulary size V: the length of every logits vector. */
  default int vocabSize() {
    return config().vocabSize();
  }

  /** Maximum number of positions a session can hold. */
  default int contextLength() {
    return config().contextLength();
  }

  /** A new session with an empty KV cache and the default options (no sliding window). */
  default InferenceSession newSession() {
    return newSession(SessionOptions.DEFAULT);
  }

  /** A new session with an empty KV cache. */
  InferenceSession newSession(SessionOptions options);
}
