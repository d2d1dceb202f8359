package dev.llmkit.sampling;

/**
 * A deterministic {@code exp} for softmax: plain IEEE float arithmetic only, so it returns the same
 * bits on every machine and JVM (unlike {@link Math#exp}, which may differ by an ulp between
 * platforms). That is what makes a seed choose the same token everywhere.
 *
 * <p>Accuracy: relative error below 3e-7 (about two float ulps) for arguments in [-87, 0]; below
 * -87.3 the result is 0 (a token that far below the best one has probability under 1e-38 relative
 * to it).
 */
public final class ExpMath {

  private static final float LOG2E = 1.44269504088896341f;
  /** ln 2 split in a high part exact in float and a low correction (Cody and Waite reduction). */
  private static final float LN2_HI = 0.693359375f;

  private static final float LN2_LO = -2.12194440e-4f;
  private static final float MIN_ARG = -87.3f;

  private ExpMath() {}

  /**
   * {@code e^x} for {@code x <= 0}, deterministic across platforms.
   *
   * @param x the argument; must be {@code <= 0} or {@code -Infinity} (softmax always subtracts the
   *     maximum first)
   * @return {@code e^x}, 0 for {@code x < -87.3}
   */
  public static float expNonPositive(float x) {
    if (!(x >= MIN_ARG)) { // also catches -Infinity and NaN (NaN callers have validated before)
      return 0f;
    }
    // x = n ln2 + r, |r| <= ln2 / 2; e^x = 2^n e^r
    float n = (float) Math.floor(x * LOG2E + 0.5f);
    float r = x - n * LN2_HI;
    r = r - n * LN2_LO;
    // e^r by its Taylor polynomial to degree 7 in Horner form (truncation < 1.2e-8 on |r| <= 0.35)
    float p = 1.0f / 5040f;
    p = p * r + 1.0f / 720f;
    p = p * r + 1.0f / 120f;
    p = p * r + 1.0f / 24f;
    p = p * r + 1.0f / 6f;
    p = p * r + 0.5f;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
    // 2^n with -126 <= n <= 0 is a normal float built from its exponent bits
    return p * Float.intBitsToFloat(((int) n + 127) << 23);
  }
}
