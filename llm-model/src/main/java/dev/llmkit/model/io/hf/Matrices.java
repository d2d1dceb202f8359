package dev.llmkit.model.io.hf;

import dev.llmkit.tensor.Tensor;
import java.nio.FloatBuffer;

/** Layout conversions between Conv1D {@code [in, out]} and nn.Linear {@code [out, in]} matrices. */
final class Matrices {

  private static final int BLOCK = 64;

  private Matrices() {}

  /**
   * Columns {@code [from, to)} of a row-major matrix, transposed.
   *
   * <pre>// src: (R, N) -> out: (to - from, R)</pre>
   */
  static Tensor transposeColumns(Tensor src, int from, int to) {
    int rows = src.dim(0);
    int cols = src.dim(1);
    if (from < 0 || to > cols || from > to) {
      throw new IllegalArgumentException(
          "columns [" + from + ", " + to + ") out of range for shape " + src.shapeString());
    }
    int n = to - from;
    Tensor out = Tensor.zeros(n, rows);
    FloatBuffer s = src.buffer();
    FloatBuffer d = out.buffer();
    for (int r0 = 0; r0 < rows; r0 += BLOCK) {
      int r1 = Math.min(rows, r0 + BLOCK);
      for (int c0 = 0; c0 < n; c0 += BLOCK) {
        int c1 = Math.min(n, c0 + BLOCK);
        for (int r = r0; r < r1; r++) {
          int base = r * cols + from;
          for (int c = c0; c < c1; c++) {
            d.put(c * rows + r, s.get(base + c));
          }
        }
      }
    }
    return out;
  }

  /** The transpose of a matrix. <pre>// m: (R, N) -> out: (N, R)</pre> */
  static Tensor transpose(Tensor m) {
    return transposeColumns(m, 0, m.dim(1));
  }

  /**
   * Stacks matrices {@code (n_i, C)} along dimension 0 and transposes the result.
   *
   * <pre>// parts: (n_0, C), (n_1, C), ... -> out: (C, n_0 + n_1 + ...)</pre>
   */
  static Tensor concatRowsTransposed(Tensor... parts) {
    int c = parts[0].dim(1);
    int total = 0;
    for (Tensor p : parts) {
      if (p.dim(1) != c) {
        throw new IllegalArgumentException(
            "cannot stack " + p.shapeString() + " with matrices of width " + c);
      }
      total += p.dim(0);
    }
    Tensor out = Tensor.zeros(c, total);
    FloatBuffer d = out.buffer();
    int col = 0;
    for (Tensor p : parts) {
      FloatBuffer s = p.buffer();
      int rows = p.dim(0);
      for (int r = 0; r < rows; r++) {
        for (int i = 0; i < c; i++) {
          d.put(i * total + col + r, s.get(r * c + i));
        }
      }
      col += rows;
    }
    return out;
  }

  /** Concatenates vectors. */
  static Tensor concat(Tensor... parts) {
    int total = 0;
    for (Tensor p : parts) {
      total += p.length();
    }
    Tensor out = Tensor.zeros(total);
    int at = 0;
    for (Tensor p : parts) {
      out.buffer().put(at, p.buffer(), 0, p.length());
      at += p.length();
    }
    return out;
  }

  /** Elements {@code [from, to)} of a vector, copied. */
  static Tensor range(Tensor v, int from, int to) {
    Tensor out = Tensor.zeros(to - from);
    out.buffer().put(0, v.buffer(), from, to - from);
    return out;
  }
}
