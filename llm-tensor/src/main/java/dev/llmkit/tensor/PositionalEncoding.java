package dev.llmkit.tensor;

/**
 * The sinusoidal position encoding of "Attention Is All You Need" (Vaswani et al. 2017):
 * {@code PE[pos][2i] = sin(pos / 10000^(2i/dim))}, {@code PE[pos][2i+1] = cos(pos / 10000^(2i/dim))}.
 */
public final class PositionalEncoding {

  private PositionalEncoding() {}

  /**
   * A new table of encodings, computed in double and rounded once.
   *
   * <p>-> (maxPositions, dim). For an odd dim the last column is a sine.
   *
   * @param maxPositions number of positions; must be positive
   * @param dim model width; must be positive
   */
  public static Tensor sinusoidal(int maxPositions, int dim) {
    if (maxPositions <= 0 || dim <= 0) {
      throw new IllegalArgumentException(
          "PositionalEncoding.sinusoidal: maxPositions and dim must be positive, got " + maxPositions
              + " and " + dim);
    }
    Tensor pe = Tensor.zeros(maxPositions, dim);
    var p = pe.buffer();
    for (int i2 = 0; i2 < dim; i2 += 2) {
      double invFreq = Math.pow(10000.0, -(double) i2 / dim);
      for (int pos = 0; pos < maxPositions; pos++) {
        double angle = pos * invFreq;
        p.put(pos * dim + i2, (float) Math.sin(angle));
        if (i2 + 1 < dim) {
          p.put(pos * dim + i2 + 1, (float) Math.cos(angle));
        }
      }
    }
    return pe;
  }
}
