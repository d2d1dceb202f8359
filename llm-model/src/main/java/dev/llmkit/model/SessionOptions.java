package dev.llmkit.model;

/**
 * Options of one {@link InferenceSession}.
 *
 * @param slidingWindow false: a chunk that would take the session past the model's context length
 *     throws {@link IllegalArgumentException}; true: the session forgets its oldest tokens instead
 *     (it keeps the most recent {@code keepOnShift} tokens, recomputes their KV cache from position 0,
 *     then goes on), so generation can continue indefinitely
 * @param keepOnShift how many of the most recent tokens a sliding-window shift keeps; 0 means half
 *     the context length. Must be smaller than the context length (checked when the session opens).
 * @param initialCacheCapacity positions the KV cache is first allocated for (it doubles as needed, up
 *     to the context length); 0 means "the size of the first chunk, rounded up to a power of two"
 */
public record SessionOptions(boolean slidingWindow, int keepOnShift, int initialCacheCapacity) {

  /** No sliding window, cache sized to the need. */
  public static final SessionOptions DEFAULT = new SessionOptions(false, 0, 0);

  /** Validates the fields. */
  public SessionOptions {
    if (keepOnShift < 0) {
      throw new IllegalArgumentException("keepOnShift must be >= 0, got " + keepOnShift);
    }
    if (initialCacheCapacity < 0) {
      throw new IllegalArgumentException(
          "initialCacheCapacity must be >= 0, got " + initialCacheCapacity);
    }
  }

  /** A sliding window that keeps half the context on each shift. */
  public static SessionOptions slidingWindowOptions() {
    return new SessionOptions(true, 0, 0);
  }
}
