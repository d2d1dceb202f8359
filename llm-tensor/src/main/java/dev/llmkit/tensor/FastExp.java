package dev.llmkit.tensor;

/**
 * {@code e^x} in plain Java, several times faster than {@link Math#exp} and accurate to about 1e-9
 * relative (far below float precision), for the exponentials of softmax, cross-entropy and the
 * SiLU/GELU activations.
 *
 * <p>Method (table-driven, as in Tang's algorithm): {@code x = (32m + j)·ln2/32 + r} with
 * {@code |r| <= ln2/64}; then {@code e^x = 2^m · 2^(j/32) · e^r}, with {@code 2^(j/32)} from a
 * 32-entry table, {@code e^r} by its cubic Taylor polynomial (truncation error {@code r⁴/24 < 6e-10})
 * and {@code 2^m} added straight into the exponent bits. A short dependency chain, so independent
 * elements overlap in the CPU's pipeline.
 */
final class FastExp {

  private static final int TABLE_BITS = 5;
  private static final int TABLE_SIZE = 1 << TABLE_BITS;
  /** 32 / ln 2. */
  private static final double INV_STEP = TABLE_SIZE / Math.log(2.0);
  /** High part of ln2/32 with trailing zero bits, so that {@code k·STEP_HI} is exact for |k| < 2^20. */
  private static final double STEP_HI;
  /** ln2/32 − STEP_HI. */
  private static final double STEP_LO;
  /** Bit patterns of 2^(j/32), j = 0..31. */
  private static final long[] TABLE = new long[TABLE_SIZE];

  static {
    double step = Math.log(2.0) / TABLE_SIZE;
    STEP_HI = Double.longBitsToDouble(Double.doubleToRawLongBits(step) & 0xFFFFFFFFF0000000L);
    // ln2/32 to ~1e-33: ln 2 = 0.6931471805599453094172321214581766 (computed in two parts)
    STEP_LO = (0.6931471805599453 / TABLE_SIZE - STEP_HI) + 2.319046813846299558e-17 / TABLE_SIZE;
    for (int j = 0; j < TABLE_SIZE; j++) {
      TABLE[j] = Double.doubleToRawLongBits(Math.pow(2.0, (double) j / TABLE_SIZE));
    }
  }

  private FastExp() {}

  /** {@code e^x}; 0 below −708, +∞ above 709, NaN for NaN. */
  static double exp(double x) {
    if (x < -708) {
      return 0;
    }
    if (x > 709) {
      return Double.POSITIVE_INFINITY;
    }
    double kd = Math.rint(x * INV_STEP);
    long k = (long) kd;
    double r = (x - kd * STEP_HI) - kd * STEP_LO;
    double p = 1 + r * (1 + r * (0.5 + r * (1.0 / 6)));
    double scale = Double.longBitsToDouble(TABLE[(int) (k & (TABLE_SIZE - 1))] + ((k >> TABLE_BITS) << 52));
    return p * scale;
  }
}
