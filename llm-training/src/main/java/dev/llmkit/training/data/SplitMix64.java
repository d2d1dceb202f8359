package dev.llmkit.training.data;

/**
 * A small seeded pseudo-random generator (SplitMix64, Steele, Lea and Flood, "Fast splittable
 * pseudorandom number generators", 2014) whose whole state is one {@code long}, so a training
 * checkpoint can save and restore it exactly.
 *
 * <p>Not thread-safe; each batch source owns one.
 */
public final class SplitMix64 {

  private static final long GAMMA = 0x9E3779B97F4A7C15L;

  private long state;

  /** A generator whose sequence is fixed by {@code seed}. */
  public SplitMix64(long seed) {
    this.state = seed;
  }

  /** The whole state; {@link #setState(long)} with it continues the same sequence. */
  public long state() {
    return state;
  }

  /** Restores a state returned by {@link #state()}. */
  public void setState(long state) {
    this.state = state;
  }

  /** The next 64 uniformly distributed bits. */
  public long nextLong() {
    long z = (state += GAMMA);
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /**
   * A uniform integer in {@code [0, bound)}, without modulo bias (rejection sampling).
   *
   * @param bound exclusive upper bound, {@code > 0}
   * @throws IllegalArgumentException when {@code bound <= 0}
   */
  public long nextLong(long bound) {
    if (bound <= 0) {
      throw new IllegalArgumentException("bound must be > 0, got " + bound);
    }
    long limit = Long.MAX_VALUE - Long.MAX_VALUE % bound;
    while (true) {
      long r = nextLong() >>> 1;
      if (r < limit) {
        return r % bound;
      }
    }
  }

  /** A uniform double in {@code [0, 1)}. */
  public double nextDouble() {
    return (nextLong() >>> 11) * 0x1.0p-53;
  }
}
