package dev.llmkit.tensor;

import dev.llmkit.tensor.kernel.Parallel;

import java.nio.FloatBuffer;

/**
 * Matrix products: general (BLAS sgemm), batched, the batch-1 matrix-vector product of decoding,
 * and the linear layer {@code y = x·wᵀ + b} with its backward pass.
 *
 * <p>Everything goes to the OpenBLAS that ND4J ships, called directly on the tensors' memory
 * (skipping ND4J's per-op overhead). The matrix-vector product {@link #matvec} uses BLAS level-2
 * {@code sgemv}, split over {@link Parallel}'s team by fixed row blocks (so results are
 * reproducible). Decoding can go faster still from a heap copy of each weight matrix read by a
 * Vector API kernel: see {@link HeapMatrix}, which a model uses when it can afford the memory.
 *
 * <p>Every output is preallocated by the caller. Backward kernels add (+=) into the gradients they
 * are given; a null gradient is not computed.
 */
public final class Matmul {

  private Matmul() {}

  // ------------------------------------------------------------------------------------ matmul

  /**
   * {@code out = op(a)·op(b)} (or {@code out += op(a)·op(b)} when {@code accumulate}).
   *
   * <p>2-D: {@code a: (M, K)} or {@code (K, M)} if {@code transA}; {@code b: (K, N)} or {@code (N, K)}
   * if {@code transB}; {@code out: (M, N)}. 3-D: the same batched over the first dimension, where
   * {@code b} may also be 2-D (shared by every batch entry); {@code out: (B, M, N)}.
   *
   * @throws IllegalArgumentException when the shapes do not fit, naming the operation and the shapes
   */
  public static void matmul(
      Tensor a, boolean transA, Tensor b, boolean transB, Tensor out, boolean accumulate) {
    int ra = a.rank();
    int rb = b.rank();
    boolean ok = (ra == 2 && rb == 2 && out.rank() == 2) || (ra == 3 && (rb == 2 || rb == 3) && out.rank() == 3);
    if (ok && ra == 3 && rb == 3 && b.dim(0) != a.dim(0)) {
      ok = false;
    }
    if (ok && ra == 3 && out.dim(0) != a.dim(0)) {
      ok = false;
    }
    int m = 0;
    int k = 0;
    int n = 0;
    if (ok) {
      m = transA ? a.dim(-1) : a.dim(-2);
      k = transA ? a.dim(-2) : a.dim(-1);
      int kb = transB ? b.dim(-1) : b.dim(-2);
      n = transB ? b.dim(-2) : b.dim(-1);
      ok = k == kb && out.dim(-2) == m && out.dim(-1) == n;
    }
    if (!ok) {
      throw new IllegalArgumentException(
          "matmul: cannot multiply a " + a.shapeString() + (transA ? "ᵀ" : "") + " by b "
              + b.shapeString() + (transB ? "ᵀ" : "") + " into out " + out.shapeString()
              + " (expected a (M,K), b (K,N), out (M,N), optionally batched over a leading dimension)");
    }
    int batches = ra == 3 ? a.dim(0) : 1;
    long aStride = (long) m * k * 4;
    long bStride = rb == 3 ? (long) k * n * 4 : 0;
    long oStride = (long) m * n * 4;
    for (int i = 0; i < batches; i++) {
      gemm(transA, transB, m, n, k,
          a.address() + i * aStride, b.address() + i * bStride, out.address() + i * oStride,
          accumulate, out, i);
    }
  }

  /** One row-major product on addresses; leading dimensions follow from the shapes. */
  private static void gemm(
      boolean transA, boolean transB, int m, int n, int k, long a, long b, long c,
      boolean accumulate, Tensor out, int batch) {
    if (m == 0 || n == 0) {
      return;
    }
    if (k == 0) {
      if (!accumulate) {
        FloatBuffer o = out.buffer();
        int base = batch * m * n;
        for (int i = 0; i < m * n; i++) {
          o.put(base + i, 0f);
        }
      }
      return;
    }
    int lda = transA ? m : k;
    int ldb = transB ? k : n;
    Blas.sgemm(transA, transB, m, n, k, 1f, a, lda, b, ldb, accumulate ? 1f : 0f, c, n);
  }

  /**
   * A band of columns of a wider product, on the calling thread (one sgemm, never split): {@code
   * out[:, col0 .. col0+n) = a·tileᵀ} (or {@code +=} when {@code accumulate}). For callers that split
   * a product into tiles of W themselves (a quantized matrix dequantized a tile at a time).
   *
   * <p>a: (M, K), tile: the first n·K elements read as (n, K), out: (M, N) with {@code col0 + n ≤ N}.
   *
   * @throws IllegalArgumentException when the shapes do not fit, naming them
   */
  public static void matmulTransBColumns(Tensor a, Tensor tile, int n, Tensor out, int col0, boolean accumulate) {
    int m = a.rank() == 2 ? a.dim(0) : -1;
    int k = a.rank() == 2 ? a.dim(1) : -1;
    if (m < 0 || out.rank() != 2 || out.dim(0) != m || n < 0 || col0 < 0 || col0 + n > out.dim(1)
        || (long) n * k > tile.length()) {
      throw new IllegalArgumentException("matmulTransBColumns: cannot write a " + a.shapeString() + " · ("
          + n + ", K)ᵀ tile of " + tile.length() + " elements into columns [" + col0 + ", " + (col0 + n)
          + ") of out " + out.shapeString() + " (expected a (M, K), tile n·K elements, out (M, N ≥ col0 + n))");
    }
    if (m == 0 || n == 0 || k == 0) {
      if (!accumulate && k == 0) {
        FloatBuffer o = out.buffer();
        for (int i = 0; i < m; i++) {
          for (int j = 0; j < n; j++) {
            o.put(i * out.dim(1) + col0 + j, 0f);
          }
        }
      }
      return;
    }
    int ldc = out.dim(1);
    Blas.sgemmSerial(false, true, m, n, k, 1f, a.address(), k, tile.address(), k, accumulate ? 1f : 0f,
        out.address() + 4L * col0, ldc);
  }

  /** A new {@code (M, N)} (or batched {@code (B, M, N)}) tensor holding {@code a·b}. */
  public static Tensor matmul(Tensor a, Tensor b) {
    if (a.rank() < 2 || b.rank() < 2) {
      throw new IllegalArgumentException(
          "matmul: expected 2-D or 3-D operands, got a " + a.shapeString() + " and b " + b.shapeString());
    }
    Tensor out = a.rank() == 3 ? Tensor.zeros(a.dim(0), a.dim(1), b.dim(-1)) : Tensor.zeros(a.dim(0), b.dim(-1));
    matmul(a, false, b, false, out, false);
    return out;
  }

  // ------------------------------------------------------------------------------------ matvec

  /**
   * The batch-1 matrix-vector product of decoding: {@code out = w·x}.
   *
   * @param w {@code (N, K)} weight matrix, row-major
   * @param x {@code (K)} (or any shape of K elements, e.g. {@code (1, K)})
   * @param out {@code (N)} (or any shape of N elements)
   */
  public static void matvec(Tensor w, Tensor x, Tensor out) {
    // w: (N, K), x: (K) -> out: (N)
    matvecBlas(w, x, out);
  }

  private static void checkMatvec(Tensor w, Tensor x, Tensor out) {
    if (w.rank() != 2 || x.length() != w.dim(1) || out.length() != w.dim(0)) {
      throw new IllegalArgumentException(
          "matvec: expected w (N,K), x (K), out (N), got w " + w.shapeString() + ", x "
              + x.shapeString() + ", out " + out.shapeString());
    }
  }

  /** BLAS level-2 path (OpenBLAS sgemv on the tensors' memory). */
  static void matvecBlas(Tensor w, Tensor x, Tensor out) {
    checkMatvec(w, x, out);
    int n = w.dim(0);
    int k = w.dim(1);
    if (n == 0) {
      return;
    }
    if (k == 0) {
      out.fill(0f);
      return;
    }
    Blas.sgemv(n, k, 1f, w.address(), k, x.address(), 0f, out.address());
  }

  /** Plain Java path, one thread per row range: the reference the others are checked against. */
  static void matvecScalar(Tensor w, Tensor x, Tensor out) {
    checkMatvec(w, x, out);
    int n = w.dim(0);
    int k = w.dim(1);
    float[] xs = x.toArray();
    FloatBuffer wb = w.buffer();
    FloatBuffer o = out.buffer();
    Parallel.forRange(n, k, (from, to) -> {
      for (int r = from; r < to; r++) {
        int base = r * k;
        float s = 0f;
        for (int i = 0; i < k; i++) {
          s += wb.get(base + i) * xs[i];
        }
        o.put(r, s);
      }
    });
  }

  // ------------------------------------------------------------------------------------ linear

  /**
   * The linear layer {@code y = x·wᵀ + bias} ({@code nn.Linear}'s layout: {@code w} is
   * {@code (out, in)}). One row goes through {@link #matvec}; more rows through sgemm.
   *
   * @param x {@code (rows, in)} (any leading dimensions, flattened to rows)
   * @param w {@code (out, in)}
   * @param bias {@code (out)} or null
   * @param y {@code (rows, out)} (same leading dimensions as x)
   */
  public static void linear(Tensor x, Tensor w, Tensor bias, Tensor y) {
    // x: (rows, in), w: (out, in), bias: (out) -> y: (rows, out)
    int[] d = linearDims("linear", x, w, y);
    int rows = d[0];
    int in = d[1];
    int outF = d[2];
    if (bias != null && bias.length() != outF) {
      throw new IllegalArgumentException(
          "linear: bias " + bias.shapeString() + " does not match w " + w.shapeString()
              + " (expected (" + outF + "))");
    }
    if (rows == 0 || outF == 0) {
      return;
    }
    if (rows == 1) {
      matvec(w, x, y);
      if (bias != null) {
        FloatBuffer yb = y.buffer();
        FloatBuffer bb = bias.buffer();
        for (int j = 0; j < outF; j++) {
          yb.put(j, yb.get(j) + bb.get(j));
        }
      }
      return;
    }
    boolean acc = false;
    if (bias != null) {
      FloatBuffer yb = y.buffer();
      FloatBuffer bb = bias.buffer();
      float[] b = new float[outF];
      bb.get(0, b);
      for (int r = 0; r < rows; r++) {
        yb.put(r * outF, b);
      }
      acc = true;
    }
    if (in == 0) {
      if (!acc) {
        y.fill(0f);
      }
      return;
    }
    Blas.sgemm(false, true, rows, outF, in, 1f, x.address(), in, w.address(), in, acc ? 1f : 0f, y.address(), outF);
  }

  /**
   * Backward of {@link #linear}: {@code dx += dy·w}, {@code dw += dyᵀ·x}, {@code db += Σ_rows dy}.
   * Any of {@code dx}, {@code dw}, {@code db} may be null (not needed).
   *
   * @param x {@code (rows, in)} the forward input
   * @param w {@code (out, in)}
   * @param dy {@code (rows, out)} gradient of the output
   * @param dx {@code (rows, in)} or null
   * @param dw {@code (out, in)} or null
   * @param db {@code (out)} or null
   */
  public static void linearBackward(Tensor x, Tensor w, Tensor dy, Tensor dx, Tensor dw, Tensor db) {
    int[] d = linearDims("linearBackward", x, w, dy);
    int rows = d[0];
    int in = d[1];
    int outF = d[2];
    if (dx != null && dx.length() != x.length()) {
      throw new IllegalArgumentException(
          "linearBackward: dx " + dx.shapeString() + " does not match x " + x.shapeString());
    }
    if (dw != null && !dw.sameShape(w)) {
      throw new IllegalArgumentException(
          "linearBackward: dw " + dw.shapeString() + " does not match w " + w.shapeString());
    }
    if (db != null && db.length() != outF) {
      throw new IllegalArgumentException(
          "linearBackward: db " + db.shapeString() + " does not match w " + w.shapeString()
              + " (expected (" + outF + "))");
    }
    if (rows == 0) {
      return;
    }
    // dx: (rows, in) += dy (rows, out) · w (out, in)
    if (dx != null && in > 0 && outF > 0) {
      Blas.sgemm(false, false, rows, in, outF, 1f, dy.address(), outF, w.address(), in, 1f, dx.address(), in);
    }
    // dw: (out, in) += dyᵀ (out, rows) · x (rows, in)
    if (dw != null && in > 0 && outF > 0) {
      Blas.sgemm(true, false, outF, in, rows, 1f, dy.address(), outF, x.address(), in, 1f, dw.address(), in);
    }
    // db: (out) += Σ_rows dy
    if (db != null && outF > 0) {
      FloatBuffer g = dy.buffer();
      FloatBuffer b = db.buffer();
      Parallel.forRange(outF, rows, (from, to) -> {
        for (int j = from; j < to; j++) {
          float s = 0f;
          for (int r = 0; r < rows; r++) {
            s += g.get(r * outF + j);
          }
          b.put(j, b.get(j) + s);
        }
      });
    }
  }

  /** Product of all dimensions but the last. */
  private static int leadingRows(Tensor t) {
    int r = 1;
    for (int i = 0; i < t.rank() - 1; i++) {
      r *= t.dim(i);
    }
    return r;
  }

  /** Checks x (rows, in), w (out, in), y (rows, out); returns {rows, in, out}. */
  private static int[] linearDims(String op, Tensor x, Tensor w, Tensor y) {
    if (w.rank() != 2 || x.rank() < 1 || y.rank() < 1) {
      throw new IllegalArgumentException(
          op + ": expected x (rows,in), w (out,in), y (rows,out), got x " + x.shapeString() + ", w "
              + w.shapeString() + ", y " + y.shapeString());
    }
    int outF = w.dim(0);
    int in = w.dim(1);
    int rows = leadingRows(x);
    boolean ok = x.dim(-1) == in && y.dim(-1) == outF && leadingRows(y) == rows;
    if (!ok) {
      throw new IllegalArgumentException(
          op + ": expected x (rows," + in + "), w (out,in), y (rows," + outF + "), got x "
              + x.shapeString() + ", w " + w.shapeString() + ", y " + y.shapeString());
    }
    return new int[] {rows, in, outF};
  }
}
