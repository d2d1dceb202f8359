package dev.llmkit.model;

import java.util.Objects;

/**
 * Options of one {@link InferenceSession}.
 *
 * @param overflow what happens when a chunk would take the session past the model's context
 *     length: {@link ContextOverflow#STOP} throws {@link IllegalArgumentException}; SLIDE and SHIFT
 *     forget tokens (keeping the first {@code keepFirst} and the most recent {@code keepOnShift})
 *     so generation can continue indefinitely
 * @param keepFirst how many of the first tokens an overflow keeps (llama.cpp's n_keep, e.g. the
 *     system prompt); 0 keeps none
 * @param keepOnShift how many of the most recent tokens an overflow keeps; 0 means half of what
 *     is left after the first {@code keepFirst} (llama.cpp drops the oldest half). keepFirst +
 *     keepOnShift must be smaller than the context length (checked when the session opens).
 * @param initialCacheCapacity positions the KV cache is first allocated for (it doubles as needed, up
 *     to the context length); 0 means "the size of the first chunk, rounded up to a power of two"
 */
public record SessionOptions(
    ContextOverflow overflow, int keepFirst, int keepOnShift, int initialCacheCapacity) {

  /** No sliding window, cache sized to the need. */
  public static final SessionOptions DEFAULT = new SessionOptions(ContextOverflow.STOP, 0, 0, 0);

  /** Validates the fields. */
  public SessionOptions {
    Objects.requireNonNull(overflow, "overflow");
    if (keepFirst < 0) {
      throw new IllegalArgumentException("keepFirst must be >= 0, got " + keepFirst);
    }
    if (keepOnShift < 0) {
      throw new IllegalArgumentException("keepOnShift must be >= 0, got " + keepOnShift);
    }
    if (initialCacheCapacity < 0) {
      throw new IllegalArgumentException(
          "initialCacheCapacity must be >= 0, got " + initialCacheCapacity);
    }
  }

  /**
   * The options before {@link ContextOverflow}: a sliding window is {@link ContextOverflow#SLIDE}
   * keeping no first tokens, none is {@link ContextOverflow#STOP}.
   */
  public SessionOptions(boolean slidingWindow, int keepOnShift, int initialCacheCapacity) {
    this(slidingWindow ? ContextOverflow.SLIDE : ContextOverflow.STOP, 0, keepOnShift,
        initialCacheCapacity);
  }

  /** Whether an overflow forgets tokens (SLIDE or SHIFT) rather than throwing. */
  public boolean slidingWindow() {
    return overflow != ContextOverflow.STOP;
  }

  /** A sliding window (SLIDE) that keeps the most recent half of the context on each overflow. */
  public static SessionOptions slidingWindowOptions() {
    return new SessionOptions(ContextOverflow.SLIDE, 0, 0, 0);
  }

  /** These options with another overflow policy. */
  public SessionOptions withOverflow(ContextOverflow policy) {
    return new SessionOptions(policy, keepFirst, keepOnShift, initialCacheCapacity);
  }
}
