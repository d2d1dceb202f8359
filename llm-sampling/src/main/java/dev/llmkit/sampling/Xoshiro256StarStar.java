package dev.llmkit.sampling;

/**
 * The xoshiro256** generator of Blackman and Vigna (2018), seeded from a 64-bit seed through
 * SplitMix64, exactly as the authors' reference C code recommends.
 *
 * <p>The algorithm is fully specified here (no JDK implementation detail is involved), so a seed
 * gives the same sequence on every machine and every Java version. Not thread-safe.
 */
final class Xoshiro256StarStar {

  private long s0;
  private long s1;
  private long s2;
  private long s3;

  /** Seeds the four state words from consecutive SplitMix64 outputs of {@code seed}. */
  Xoshiro256StarStar(long seed) {
    reseed(seed);
  }

  /** Creates a generator with the given raw state (for tests against the reference vectors). */
  Xoshiro256StarStar(long s0, long s1, long s2, long s3) {
    this.s0 = s0;
    this.s1 = s1;
    this.s2 = s2;
    this.s3 = s3;
  }

  /** Restarts the sequence of {@code seed}. */
  void reseed(long seed) {
    long x = seed;
    x += 0x9E3779B97F4A7C15L;
    s0 = splitMix64Mix(x);
    x += 0x9E3779B97F4A7C15L;
    s1 = splitMix64Mix(x);
    x += 0x9E3779B97F4A7C15L;
    s2 = splitMix64Mix(x);
    x += 0x9E3779B97F4A7C15L;
    s3 = splitMix64Mix(x);
  }

  /** The output function of SplitMix64 (Steele, Lea and Flood 2014) for state {@code z}. */
  static long splitMix64Mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** The next 64 random bits. */
  long nextLong() {
    long result = Long.rotateLeft(s1 * 5, 7) * 9;
    long t = s1 << 17;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = Long.rotateLeft(s3, 45);
    return result;
  }

  /** A double uniformly distributed in {@code [0, 1)}: the top 53 bits of {@link #nextLong()}. */
  double nextDouble() {
    return (nextLong() >>> 11) * 0x1.0p-53;
  }
}
