package dev.llmkit.tensor;

import dev.llmkit.tensor.kernel.Parallel;

import java.nio.FloatBuffer;

/**
 * Rotary position embedding (RoPE, Su et al. 2021), applied in place to query or key rows.
 *
 * <p>Each head's dimensions are grouped into {@code headDim/2} pairs; pair {@code i} of the row at
 * position {@code p} is rotated by the angle {@code p · theta^(−2i/headDim)}:
 * {@code (a, b) -> (a·cos − b·sin, a·sin + b·cos)}. {@link RopeStyle} says which dimensions pair up:
 * {@code (x[2i], x[2i+1])} for Meta/llama2.c, {@code (x[i], x[i + headDim/2])} for Hugging Face. The
 * two agree when Hugging Face's rows are the Meta rows permuted as its conversion script does.
 */
public final class Rope {

  private Rope() {}

  /**
   * Rotates x in place.
   *
   * <p>x: (T, nHeads·headDim), row t at position {@code startPos + t}; or (B, T, nHeads·headDim), row
   * (b, t) at position {@code startPos + t}. Works for keys too, with nHeads = nKvHeads.
   *
   * @param x queries or keys, heads interleaved in each row as the projection produces them
   * @param nHeads number of heads in a row
   * @param startPos position of the first row (0 for a prompt, the cache length when decoding)
   * @param table cos/sin table; its headDim must equal the row length / nHeads and it must cover
   *     positions up to startPos + T − 1
   * @param style which dimensions pair up
   */
  public static void apply(Tensor x, int nHeads, int startPos, RopeTable table, RopeStyle style) {
    rotate("Rope.apply", x, nHeads, startPos, table, style, 1f);
  }

  /**
   * Backward of {@link #apply}: rotates the gradient in place by the negative angles (the rotation is
   * orthogonal, so its transpose is its inverse). Same arguments as {@link #apply}, with x the gradient
   * of the rotated rows; it becomes the gradient of the unrotated rows.
   */
  public static void applyBackward(
      Tensor dx, int nHeads, int startPos, RopeTable table, RopeStyle style) {
    rotate("Rope.applyBackward", dx, nHeads, startPos, table, style, -1f);
  }

  private static void rotate(
      String op, Tensor x, int nHeads, int startPos, RopeTable table, RopeStyle style, float sign) {
    ShapeChecks.nonNull(op, "x", x);
    if (table == null || style == null) {
      throw new NullPointerException(op + ": table and style must not be null");
    }
    int c = ShapeChecks.cols(x);
    int rows = ShapeChecks.rows(x);
    if (nHeads <= 0 || c % nHeads != 0) {
      throw new IllegalArgumentException(
          op + ": row length " + c + " of x " + x.shapeString() + " is not divisible by nHeads "
              + nHeads);
    }
    int headDim = c / nHeads;
    if (headDim != table.headDim()) {
      throw new IllegalArgumentException(
          op + ": x " + x.shapeString() + " with " + nHeads + " heads has headDim " + headDim
              + " but the RopeTable has headDim " + table.headDim());
    }
    int t = x.rank() >= 2 ? x.dim(-2) : 1;
    if (startPos < 0 || (long) startPos + t > table.maxPositions()) {
      throw new IllegalArgumentException(
          op + ": positions " + startPos + ".." + ((long) startPos + t - 1) + " of x "
              + x.shapeString() + " are outside the RopeTable's [0, " + table.maxPositions() + ")");
    }
    if (rows == 0) {
      return;
    }
    FloatBuffer px = x.buffer();
    float[] cos = table.cosTable();
    float[] sin = table.sinTable();
    int half = headDim / 2;
    boolean adjacent = style == RopeStyle.ADJACENT_PAIRS;
    Parallel.forRange(rows, 3L * c, (r0, r1) -> {
      float[] xs = RowScratch.get(0, c);
      for (int r = r0; r < r1; r++) {
        int tb = (startPos + r % t) * half;
        int base = r * c;
        px.get(base, xs, 0, c);
        for (int hb = 0; hb < c; hb += headDim) {
          for (int i = 0; i < half; i++) {
            float cs = cos[tb + i];
            float sn = sign * sin[tb + i];
            int ia = adjacent ? hb + 2 * i : hb + i;
            int ib = adjacent ? ia + 1 : ia + half;
            float a = xs[ia];
            float b = xs[ib];
            xs[ia] = a * cs - b * sn;
            xs[ib] = a * sn + b * cs;
          }
        }
        px.put(base, xs, 0, c);
      }
    });
  }
}
