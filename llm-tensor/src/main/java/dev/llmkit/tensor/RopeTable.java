package dev.llmkit.tensor;

/**
 * Precomputed cosines and sines of rotary position embedding (Su et al. 2021): for position
 * {@code pos} and pair {@code i} of a head ({@code 0 <= i < headDim/2}) the angle is
 * {@code pos · theta^(−2i/headDim)}. Angles are computed in double and rounded once.
 *
 * <p>Immutable and safe to share between threads and layers.
 */
public final class RopeTable {

  private final int headDim;
  private final int maxPositions;
  private final double theta;
  /** cos[pos * headDim/2 + i]. */
  private final float[] cos;
  /** sin[pos * headDim/2 + i]. */
  private final float[] sin;

  /**
   * Precomputes the table.
   *
   * @param headDim dimensions per head; must be even and positive
   * @param maxPositions number of positions (the context length); must be positive
   * @param theta base of the frequencies (Llama 1/2: 10000, Llama 3: 500000); must be positive
   */
  public RopeTable(int headDim, int maxPositions, double theta) {
    this(headDim, maxPositions, theta, standardFrequencies(headDim, theta), 1.0);
  }

  /**
   * A table of given frequencies, for scaled RoPE (Llama 3's, linear, YaRN): the angle of pair
   * {@code i} at {@code pos} is {@code pos · inverseFrequencies[i]}, and cos and sin are multiplied
   * by {@code magnitude} (YaRN's attention factor; 1 otherwise).
   *
   * @param theta the base the frequencies derive from (reported by {@link #theta()})
   * @param inverseFrequencies headDim/2 positive finite frequencies
   * @param magnitude positive factor on cos and sin
   */
  public RopeTable(int headDim, int maxPositions, double theta, double[] inverseFrequencies,
      double magnitude) {
    if (headDim <= 0 || headDim % 2 != 0) {
      throw new IllegalArgumentException("RopeTable: headDim must be even and positive, got " + headDim);
    }
    if (maxPositions <= 0) {
      throw new IllegalArgumentException("RopeTable: maxPositions must be positive, got " + maxPositions);
    }
    if (!(theta > 0) || Double.isInfinite(theta)) {
      throw new IllegalArgumentException("RopeTable: theta must be positive and finite, got " + theta);
    }
    if ((long) maxPositions * headDim / 2 > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException(
          "RopeTable: " + maxPositions + " positions × " + headDim / 2 + " pairs is too large");
    }
    int half = headDim / 2;
    if (inverseFrequencies == null || inverseFrequencies.length != half) {
      throw new IllegalArgumentException("RopeTable: expected " + half + " inverse frequencies, got "
          + (inverseFrequencies == null ? "null" : String.valueOf(inverseFrequencies.length)));
    }
    for (double f : inverseFrequencies) {
      if (!(f > 0) || Double.isInfinite(f)) {
        throw new IllegalArgumentException(
            "RopeTable: inverse frequencies must be positive and finite, got " + f);
      }
    }
    if (!(magnitude > 0) || Double.isInfinite(magnitude)) {
      throw new IllegalArgumentException(
          "RopeTable: magnitude must be positive and finite, got " + magnitude);
    }
    this.headDim = headDim;
    this.maxPositions = maxPositions;
    this.theta = theta;
    this.cos = new float[maxPositions * half];
    this.sin = new float[maxPositions * half];
    for (int pos = 0; pos < maxPositions; pos++) {
      for (int i = 0; i < half; i++) {
        double angle = pos * inverseFrequencies[i];
        cos[pos * half + i] = (float) (magnitude * Math.cos(angle));
        sin[pos * half + i] = (float) (magnitude * Math.sin(angle));
      }
    }
  }

  /** The plain frequencies {@code theta^(−2i/headDim)} for {@code i < headDim/2}. */
  public static double[] standardFrequencies(int headDim, double theta) {
    double[] freq = new double[Math.max(0, headDim / 2)];
    for (int i = 0; i < freq.length; i++) {
      freq[i] = Math.pow(theta, -2.0 * i / headDim);
    }
    return freq;
  }

  /** Dimensions per head. */
  public int headDim() {
    return headDim;
  }

  /** Number of positions the table covers (positions 0 .. maxPositions-1). */
  public int maxPositions() {
    return maxPositions;
  }

  /** Base of the frequencies. */
  public double theta() {
    return theta;
  }

  /** cos of the angle of pair {@code i} at position {@code pos}. */
  public float cos(int pos, int i) {
    return cos[index(pos, i)];
  }

  /** sin of the angle of pair {@code i} at position {@code pos}. */
  public float sin(int pos, int i) {
    return sin[index(pos, i)];
  }

  private int index(int pos, int i) {
    if (pos < 0 || pos >= maxPositions || i < 0 || i >= headDim / 2) {
      throw new IndexOutOfBoundsException(
          "RopeTable: (pos " + pos + ", pair " + i + ") outside [0, " + maxPositions + ") × [0, "
              + headDim / 2 + ")");
    }
    return pos * (headDim / 2) + i;
  }

  /** Raw cos array, [pos * headDim/2 + i]; for kernels in this package (do not modify). */
  float[] cosTable() {
    return cos;
  }

  /** Raw sin array, [pos * headDim/2 + i]; for kernels in this package (do not modify). */
  float[] sinTable() {
    return sin;
  }
}
