package dev.llmkit.tensor;

import dev.llmkit.tensor.kernel.Parallel;

import java.nio.FloatBuffer;

/**
 * A weight matrix copied into a Java array, for the batch-1 matrix-vector product of decoding.
 *
 * <p>Decoding one token reads every weight once, so its speed is the speed of streaming the weights
 * from memory. The Java Vector API reads heap arrays at the machine's memory bandwidth on every JDK
 * from 17 on, while its only load from off-heap memory on JDK 17 ({@code fromByteBuffer}) runs at
 * about half of it; and the heap kernel, split over {@link Parallel}'s team, measured about 15%
 * faster than OpenBLAS's {@code sgemv} on the tensors' own memory (benchmarks/README.md,
 * {@code MatVecBenchmark}). The price is a second copy of the matrix, on the Java heap: a model
 * decides whether to pay it ({@link DecodeMatrices}).
 *
 * <p>Immutable after {@link #copyOf}: later changes to the source tensor are not seen by one-row
 * products (many-row products read the source in place). Safe to use
 * from many threads at once. Without the Vector API the product runs in plain Java, which is slower
 * than {@link Matmul#matvec}; check {@link Simd#enabled()} before choosing this class.
 */
public final class HeapMatrix implements WeightMatrix {

  /** The tensor copied: many-row products read it in place. */
  private final Tensor source;
  /** (rows, cols) row-major. */
  private final float[] w;
  private final int rows;
  private final int cols;

  private HeapMatrix(Tensor source, float[] w, int rows, int cols) {
    this.source = source;
    this.w = w;
    this.rows = rows;
    this.cols = cols;
  }

  /**
   * A copy of the 2-D tensor {@code w: (rows, cols)}.
   *
   * @throws IllegalArgumentException when {@code w} is not 2-D
   */
  public static HeapMatrix copyOf(Tensor w) {
    if (w.rank() != 2) {
      throw new IllegalArgumentException("HeapMatrix: expected a 2-D matrix, got " + w.shapeString());
    }
    return new HeapMatrix(w, w.toArray(), w.dim(0), w.dim(1));
  }

  /** Number of rows (outputs). */
  @Override
  public int rows() {
    return rows;
  }

  /** Number of columns (inputs). */
  @Override
  public int cols() {
    return cols;
  }

  /** Bytes of heap the copy holds (what one decode step streams). */
  @Override
  public long bytes() {
    return 4L * w.length;
  }

  /** The source tensor (rows, cols), which many-row products read in place. */
  @Override
  public Tensor toTensor() {
    return source;
  }

  /**
   * The linear layer {@code y = x·Wᵀ + bias}: one row of x ({@code cols} elements, any shape, e.g.
   * {@code (1, in)}) reads the heap copy; more rows read the source tensor in place through
   * {@link Matmul#linear}.
   *
   * @param x {@code (T, in)}
   * @param bias {@code (out)} or null
   * @param y {@code (T, out)}
   * @throws IllegalArgumentException when the lengths do not fit, naming them
   */
  @Override
  public void linear(Tensor x, Tensor bias, Tensor y) {
    if (x.length() != cols && x.rank() == 2 && x.dim(1) == cols) {
      // x: (T, in), W: (out, in) -> y: (T, out)
      Matmul.linear(x, source, bias, y);
      return;
    }
    // x: (K), W: (N, K), bias: (N) -> y: (N)
    if (x.length() != cols || y.length() != rows || (bias != null && bias.length() != rows)) {
      throw new IllegalArgumentException(
          "HeapMatrix.linear: expected x (" + cols + "), bias (" + rows + ") or null, y (" + rows
              + ") for W (" + rows + ", " + cols + "), got x " + x.shapeString() + ", bias "
              + (bias == null ? "null" : bias.shapeString()) + ", y " + y.shapeString());
    }
    float[] xs = RowScratch.load(0, x, cols);
    float[] ys = RowScratch.get(1, rows);
    SimdKernels kernels = Simd.kernelsOrScalar();
    int k = cols;
    // blocks of rows claimed by the threads as they go; multiples of the kernel's 4 rows
    FloatBuffer b = bias == null ? null : bias.buffer();
    // each block adds its rows' bias itself: no serial pass over y after the product
    Parallel.forBlocks(rows, k, 4, (r0, r1) -> {
      kernels.matvec(w, k, xs, ys, r0, r1);
      if (b != null) {
        for (int r = r0; r < r1; r++) {
          ys[r] += b.get(r);
        }
      }
    });
    y.buffer().put(0, ys, 0, rows);
  }

  /**
   * Rows of x each with the one-row kernel's operations, so every row of y equals, bit for bit,
   * what {@link #linear} gives for that row alone; the weights are streamed once for all rows: each
   * thread takes a block of W's rows and, a tile of them at a time (brought into cache, then kept
   * there), multiplies it with every row of x ({@link SimdKernels#matvecRows}).
   *
   * @param x {@code (T, in)}
   * @param bias {@code (out)} or null
   * @param y {@code (T, out)}
   */
  @Override
  public void linearRows(Tensor x, Tensor bias, Tensor y) {
    int n = x.rank() == 2 ? x.dim(0) : 1;
    if (n == 1) {
      linear(x, bias, y);
      return;
    }
    if (x.dim(1) != cols || y.rank() != 2 || y.dim(0) != n || y.dim(1) != rows
        || (bias != null && bias.length() != rows)) {
      throw new IllegalArgumentException(
          "HeapMatrix.linearRows: expected x (" + n + ", " + cols + "), bias (" + rows
              + ") or null, y (" + n + ", " + rows + ") for W (" + rows + ", " + cols + "), got x "
              + x.shapeString() + ", bias " + (bias == null ? "null" : bias.shapeString()) + ", y "
              + y.shapeString());
    }
    float[][][] scratch = ROWS.get();
    float[][] xs = rowsOf(scratch, 0, n, cols);
    float[][] ys = rowsOf(scratch, 1, n, rows);
    FloatBuffer xb = x.buffer();
    for (int i = 0; i < n; i++) {
      xb.get(i * cols, xs[i], 0, cols);
    }
    float[] bs = null;
    if (bias != null) {
      bs = rowsOf(scratch, 2, 1, rows)[0];
      bias.buffer().get(0, bs, 0, rows);
    }
    float[] b = bs;
    SimdKernels kernels = Simd.kernelsOrScalar();
    int k = cols;
    // x rows packed once for all blocks; each block reads its tiles of W from memory once, then
    // adds the bias to its rows (after the sum, as linear does) and stores them
    float[] packed = kernels.packRows(xs, n, k, PACKED.get());
    if (packed != null) {
      PACKED.set(packed);
    }
    FloatBuffer yb = y.buffer();
    Parallel.forBlocks(rows, (long) k * n, 4, (r0, r1) -> {
      kernels.matvecRows(w, k, xs, packed, ys, n, r0, r1);
      for (int i = 0; i < n; i++) {
        float[] yi = ys[i];
        if (b != null) {
          for (int r = r0; r < r1; r++) {
            yi[r] += b[r];
          }
        }
        yb.put(i * rows + r0, yi, r0, r1 - r0);
      }
    });
  }

  /** Per-thread scratch of {@link #linearRows}' packed x rows. */
  private static final ThreadLocal<float[]> PACKED = new ThreadLocal<>();

  /**
   * Per-thread row arrays of {@link #linearRows}: slot 0 the x rows, slot 1 the y rows, slot 2 the
   * bias.
   */
  private static final ThreadLocal<float[][][]> ROWS =
      ThreadLocal.withInitial(() -> new float[3][0][0]);

  private static float[][] rowsOf(float[][][] scratch, int slot, int n, int len) {
    float[][] a = scratch[slot];
    if (a.length < n || a[0].length < len) {
      a = new float[Math.max(n, a.length)][Math.max(len, a.length == 0 ? 0 : a[0].length)];
      scratch[slot] = a;
    }
    return a;
  }
}
