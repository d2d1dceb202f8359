package dev.llmkit.sampling;

/**
 * A deterministic {@code exp} for softmax: plain IEEE float arithmetic only, so it returns the same
 * bits on every machine and JVM (unlike {@link Math#exp}, which may differ by an ulp between
 * platforms). That is what makes a seed choose the same token everywhere.
 *
 * <p>Accuracy: relative error below 3e-7 (about two float ulps) for arguments in [-87, 0]; below
 * about -87.7 the result is 0 (a token that far below the best one has probability under 1e-38
 * relative to it), and so it is for {@code -Infinity}.
 */
public final class ExpMath {

  private static final float LOG2E = 1.44269504088896341f;
  /** ln 2 split in a high part exact in float and a low correction (Cody and Waite reduction). */
  private static final float LN2_HI = 0.693359375f;

  private static final float LN2_LO = -2.12194440e-4f;
  /** 1.5 * 2^23: adding it rounds a float of magnitude below 2^22 to the nearest integer. */
  private static final float ROUND = 12582912f;

  private static final int ROUND_BITS = 0x4B400000;

  private ExpMath() {}

  /**
   * {@code e^x} for {@code x <= 0}, deterministic across platforms. Branch-free straight-line code.
   *
   * @param x the argument; must be {@code <= 0} or {@code -Infinity} (softmax always subtracts the
   *     maximum first)
   * @return {@code e^x}; 0 below about -87.7 and for {@code -Infinity}
   */
  public static float expNonPositive(float x) {
    // below -104 the result is 0 either way; clamping keeps -Infinity out of the arithmetic
    x = Math.max(x, -104f);
    // x = n ln2 + r with n = round(x log2 e), |r| <= ln2 / 2 (plus rounding); e^x = 2^n e^r
    float t = x * LOG2E + ROUND;
    float n = t - ROUND;
    int ni = Float.floatToRawIntBits(t) - ROUND_BITS;
    float r = x - n * LN2_HI;
    r = r - n * LN2_LO;
    // e^r by its Taylor polynomial to degree 7 in Horner form (truncation < 2e-8 on |r| <= 0.35)
    float p = 1.0f / 5040f;
    p = p * r + 1.0f / 720f;
    p = p * r + 1.0f / 120f;
    p = p * r + 1.0f / 24f;
    p = p * r + 1.0f / 6f;
    p = p * r + 0.5f;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
    // 2^n from its exponent bits: a normal float for -126 <= n <= 0, and 0 for n < -126
    return p * Float.intBitsToFloat(Math.max(ni + 127, 0) << 23);
  }
}
