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
    this.headDim = headDim;
    this.maxPositions = maxPositions;
    this.theta = theta;
    int half = headDim / 2;
    double[] freq = new double[half];
    for (int i = 0; i < half; i++) {
      freq[i] = Math.pow(theta, -2.0 * i / headDim);
    }
    this.cos = new float[maxPositions * half];
    this.sin = new float[maxPositions * half];
    for (int pos = 0; pos < maxPositions; pos++) {
      for (int i = 0; i < half; i++) {
        double angle = pos * freq[i];
        cos[pos * half + i] = (float) Math.cos(angle);
        sin[pos * half + i] = (float) Math.sin(angle);
      }
    }
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
