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

  /**
   * A new {@link BatchSession} of {@code rows} rows, each row opened like a session with
   * {@code options}. This default builds it from independent sessions ({@link SessionBatch});
   * models with a batched forward pass override it.
   *
   * @throws IllegalArgumentException when rows is below 1
   */
  default BatchSession newBatchSession(int rows, SessionOptions options) {
    return new SessionBatch(this, rows, options);
  }

  /** {@link #newBatchSession(int, SessionOptions)} with the default options. */
  default BatchSession newBatchSession(int rows) {
    return newBatchSession(rows, SessionOptions.DEFAULT);
  }
}
