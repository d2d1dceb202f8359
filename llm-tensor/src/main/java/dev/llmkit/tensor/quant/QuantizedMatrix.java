package dev.llmkit.tensor.quant;

import dev.llmkit.tensor.kernel.Parallel;
import dev.llmkit.tensor.Simd;
import dev.llmkit.tensor.Tensor;
import dev.llmkit.tensor.WeightMatrix;
import java.nio.FloatBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A weight matrix kept quantized in memory, in GGUF blocks ({@link QuantType}), bit for bit as
 * llama.cpp stores it: {@code (rows, cols)} row-major, each row a whole number of blocks.
 *
 * <p>One row of x (decode) is multiplied straight from the blocks, dequantize-and-FMA, in blocks of
 * rows the kernel team's threads claim ({@link Parallel#forBlocks}); with the Java Vector API
 * present the blocks are unpacked eight weights at a time, else in plain Java. More rows (prefill)
 * go to {@link QuantTiles}: tiles of W dequantized into a per-thread scratch and multiplied with
 * sgemm, so no F32 copy of the whole matrix is ever held. Immutable and thread-safe.
 *
 * <p>Q6_K is the one type held otherwise: as {@link Q6KLevels} (one signed byte per weight, the
 * scales in their own runs; lossless, +30% bytes), which its products read without unpacking. The
 * system property {@code llmkit.quant.q6kLevels=false} keeps the GGUF blocks instead.
 */
public final class QuantizedMatrix implements WeightMatrix {

  private static final Logger LOG = LoggerFactory.getLogger(QuantizedMatrix.class);

  /** The decode kernels: Vector API when {@link Simd#enabled()} and they pass a self-check. */
  static final QuantKernels KERNELS = loadKernels();

  private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

  /** Whether Q6_K matrices are held as {@link Q6KLevels} (default) or as their GGUF blocks. */
  static final boolean Q6K_LEVELS = Boolean.parseBoolean(System.getProperty("llmkit.quant.q6kLevels", "true"));

  private final QuantType type;
  private final int rows;
  private final int cols;
  private final int rowBytes;
  /** The GGUF blocks, row after row; null when the matrix is held as {@link #levels}. */
  private final byte[] data;
  /** A Q6_K matrix's levels, or null. */
  private final Q6KLevels levels;

  private QuantizedMatrix(QuantType type, int rows, int cols, byte[] data) {
    this(type, rows, cols, data, Q6K_LEVELS);
  }

  /** With {@code q6kLevels}, a Q6_K matrix is held as {@link Q6KLevels} (data then dropped). */
  QuantizedMatrix(QuantType type, int rows, int cols, byte[] data, boolean q6kLevels) {
    this.type = type;
    this.rows = rows;
    this.cols = cols;
    this.rowBytes = (int) type.bytes(1, cols);
    boolean asLevels = q6kLevels && type == QuantType.Q6_K;
    this.levels = asLevels ? Q6KLevels.of(data, rows, cols) : null;
    this.data = asLevels ? null : data;
  }

  private QuantizedMatrix(Q6KLevels levels) {
    this.type = QuantType.Q6_K;
    this.rows = levels.rows;
    this.cols = levels.cols;
    this.rowBytes = (int) type.bytes(1, cols);
    this.levels = levels;
    this.data = null;
  }

  /**
   * The matrix whose GGUF bytes are {@code data} ({@code rows · type.bytes(1, cols)} bytes; not
   * copied: the caller hands it over).
   *
   * @throws IllegalArgumentException when cols is not a whole number of blocks or the byte count
   *     does not match the shape, naming both
   */
  public static QuantizedMatrix of(QuantType type, int rows, int cols, byte[] data) {
    checkBytes(type, rows, cols, data);
    return new QuantizedMatrix(type, rows, cols, data);
  }

  private static void checkBytes(QuantType type, int rows, int cols, byte[] data) {
    long expected = type.bytes(rows, cols);
    if (data.length != expected) {
      throw new IllegalArgumentException(
          type + " matrix (" + rows + ", " + cols + "): expected " + expected + " bytes, got " + data.length);
    }
  }

  /**
   * As {@link #of}, but held as the GGUF blocks whatever the type (Q6_K too, which {@link #of} holds
   * as {@link Q6KLevels}): the layout before levels, for side-by-side benchmarks.
   *
   * @throws IllegalArgumentException as {@link #of}
   */
  public static QuantizedMatrix ofBlocks(QuantType type, int rows, int cols, byte[] data) {
    checkBytes(type, rows, cols, data);
    return new QuantizedMatrix(type, rows, cols, data, false);
  }

  /**
   * {@code w: (rows, cols)} quantized as llama.cpp's reference quantizer does (same bytes as
   * {@code llama-quantize} without an importance matrix).
   *
   * @throws IllegalArgumentException when w is not 2-D or its rows are not whole blocks
   */
  public static QuantizedMatrix quantize(Tensor w, QuantType type) {
    if (w.rank() != 2) {
      throw new IllegalArgumentException("QuantizedMatrix.quantize: expected a 2-D matrix, got " + w.shapeString());
    }
    int r = w.dim(0);
    int c = w.dim(1);
    byte[] data = new byte[Math.toIntExact(type.bytes(r, c))];
    int rb = (int) type.bytes(1, c);
    FloatBuffer src = w.buffer();
    Parallel.forRange(r, 8L * c, (r0, r1) -> {
      float[] row = new float[c];
      for (int i = r0; i < r1; i++) {
        src.get(i * c, row, 0, c);
        type.quantize(row, 0, data, i * rb, c);
      }
    });
    return new QuantizedMatrix(type, r, c, data);
  }

  /** The block type. */
  public QuantType type() {
    return type;
  }

  @Override
  public int rows() {
    return rows;
  }

  @Override
  public int cols() {
    return cols;
  }

  /** Bytes held in memory, what one product reads: the GGUF blocks', or a Q6_K matrix's levels'. */
  @Override
  public long bytes() {
    return levels != null ? levels.bytes() : data.length;
  }

  /** Writes the GGUF bytes of the whole matrix, row after row. */
  public void writeTo(java.io.OutputStream out) throws java.io.IOException {
    if (levels == null) {
      out.write(data);
      return;
    }
    byte[] row = new byte[rowBytes];
    for (int r = 0; r < rows; r++) {
      levels.toGguf(r, row, 0);
      out.write(row);
    }
  }

  /** The GGUF bytes of row r (a copy). */
  public byte[] rowBytes(int r) {
    if (levels != null) {
      java.util.Objects.checkIndex(r, rows);
      byte[] row = new byte[rowBytes];
      levels.toGguf(r, row, 0);
      return row;
    }
    return java.util.Arrays.copyOfRange(data, r * rowBytes, (r + 1) * rowBytes);
  }

  /**
   * Rows {@code [from, to)} as a new matrix (their blocks copied): how a fused matrix (GPT-2's
   * stacked q, k, v) is split without dequantizing.
   *
   * @throws IndexOutOfBoundsException when the range is not within {@code [0, rows]}
   */
  public QuantizedMatrix rows(int from, int to) {
    java.util.Objects.checkFromToIndex(from, to, rows);
    if (levels != null) {
      return new QuantizedMatrix(levels.rows(from, to));
    }
    return new QuantizedMatrix(type, to - from, cols,
        java.util.Arrays.copyOfRange(data, from * rowBytes, to * rowBytes));
  }

  /**
   * Row r dequantized into {@code dst[off .. off + cols)} (bit-exact, as {@link #toTensor}): an
   * embedding lookup of a quantized token table.
   *
   * @throws IndexOutOfBoundsException when r is not a row
   */
  public void dequantizeRow(int r, float[] dst, int off) {
    java.util.Objects.checkIndex(r, rows);
    dequantize(r, dst, off);
  }

  /** Row r into {@code dst[off .. off + cols)}, unchecked. */
  private void dequantize(int r, float[] dst, int off) {
    if (levels != null) {
      levels.dequantizeRow(r, dst, off);
    } else {
      type.dequantize(data, r * rowBytes, dst, off, cols);
    }
  }

  /**
   * Embedding lookup in a quantized table: row {@code ids[offset + j]} dequantized into row j of out.
   *
   * <p>this: (V, C), ids[offset .. offset + count) -> out: (count, C), overwritten.
   *
   * @throws IllegalArgumentException naming the id when one is not in [0, V), or when out is not
   *     (count, C)
   */
  public void gatherRows(int[] ids, int offset, int count, Tensor out) {
    java.util.Objects.checkFromIndexSize(offset, count, ids.length);
    if (out.length() != count * cols) {
      throw new IllegalArgumentException("QuantizedMatrix.gatherRows: out must be (" + count + ", " + cols
          + "), got " + out.shapeString());
    }
    for (int j = 0; j < count; j++) {
      int id = ids[offset + j];
      if (id < 0 || id >= rows) {
        throw new IllegalArgumentException("QuantizedMatrix.gatherRows: token id " + id + " at index "
            + (offset + j) + " is out of range [0, " + rows + ")");
      }
    }
    FloatBuffer o = out.buffer();
    Parallel.forRange(count, 4L * cols, (j0, j1) -> {
      float[] row = new float[cols];
      for (int j = j0; j < j1; j++) {
        dequantize(ids[offset + j], row, 0);
        o.put(j * cols, row, 0, cols);
      }
    });
  }

  @Override
  public Tensor toTensor() {
    Tensor t = Tensor.zeros(rows, cols);
    float[] row = new float[cols];
    FloatBuffer b = t.buffer();
    for (int r = 0; r < rows; r++) {
      dequantize(r, row, 0);
      b.put(r * cols, row, 0, cols);
    }
    return t;
  }

  @Override
  public void linear(Tensor x, Tensor b, Tensor y) {
    // x: (T, cols), b: (rows) or null -> y: (T, rows)
    int t = cols == 0 ? 0 : x.length() / cols;
    if (cols == 0 || x.length() != t * cols || y.length() != t * rows || (b != null && b.length() != rows)) {
      throw new IllegalArgumentException(
          "QuantizedMatrix.linear: expected x (T, " + cols + "), b (" + rows + ") or null, y (T, " + rows
              + ") for " + type + " W (" + rows + ", " + cols + "), got x " + x.shapeString() + ", b "
              + (b == null ? "null" : b.shapeString()) + ", y " + y.shapeString());
    }
    if (t > 1) {
      if (levels != null) {
        QuantTiles.product(levels, x, b, y);
      } else {
        QuantTiles.product(type, data, rows, cols, rowBytes, x, b, y);
      }
      return;
    }
    if (t == 1) {
      matvec(x, b, y);
    }
  }

  /**
   * y: (rows) = W · x: (cols) + b, straight from the blocks; each block of rows adds its bias
   * itself (y = (W·x)[r] + b[r], as a separate pass would), so no serial pass over y follows.
   */
  private void matvec(Tensor x, Tensor b, Tensor y) {
    FloatBuffer bb = b == null ? null : b.buffer();
    Scratch s = SCRATCH.get();
    float[] xs = s.x(cols);
    x.buffer().get(0, xs, 0, cols);
    float[] ys = s.y(rows);
    QuantKernels k = KERNELS;
    Q6KLevels w = levels;
    float[] xsum = null;
    if (w == null) {
      // the per-32 sums of x, for the types whose offsets and mins fold into them
      xsum = s.xsum(cols / 32);
      for (int j = 0; j < cols / 32; j++) {
        float a = 0f;
        for (int i = 32 * j; i < 32 * j + 32; i++) {
          a += xs[i];
        }
        xsum[j] = a;
      }
    }
    float[] sums = xsum;
    Parallel.forBlocks(rows, cols, 4, (r0, r1) -> {
      if (w != null) {
        k.matvec(w, xs, ys, r0, r1);
      } else {
        k.matvec(type, data, cols, xs, sums, ys, r0, r1);
      }
      addBias(bb, ys, r0, r1);
    });
    y.buffer().put(0, ys, 0, rows);
  }

  /** ys[r0..r1) += b[r0..r1), when there is a bias. */
  private static void addBias(FloatBuffer b, float[] ys, int r0, int r1) {
    if (b != null) {
      for (int r = r0; r < r1; r++) {
        ys[r] += b.get(r);
      }
    }
  }

  private static QuantKernels loadKernels() {
    if (!Simd.enabled()) {
      return ScalarQuantKernels.INSTANCE;
    }
    try {
      QuantKernels k = (QuantKernels) Class.forName("dev.llmkit.tensor.quant.VectorQuantKernels")
          .getDeclaredConstructor().newInstance();
      selfCheck(k);
      return k;
    } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
      LOG.debug("quantized Vector API kernels off: {}", e.toString());
      return ScalarQuantKernels.INSTANCE;
    }
  }

  /** Each type once on small integer weights, against the plain Java kernels: exact in any order. */
  private static void selfCheck(QuantKernels k) {
    int cols = 512;
    float[] w = new float[2 * cols];
    float[] x = new float[cols];
    float[] xsum = new float[cols / 32];
    for (int i = 0; i < w.length; i++) {
      w[i] = (i * 7 % 15) - 7;
    }
    for (int i = 0; i < cols; i++) {
      x[i] = (i % 5) - 2;
      xsum[i / 32] += x[i];
    }
    for (QuantType t : QuantType.values()) {
      byte[] q = new byte[(int) t.bytes(2, cols)];
      t.quantize(w, 0, q, 0, w.length);
      float[] y1 = new float[2];
      float[] y2 = new float[2];
      k.matvec(t, q, cols, x, xsum, y1, 0, 2);
      ScalarQuantKernels.INSTANCE.matvec(t, q, cols, x, xsum, y2, 0, 2);
      agree(t.name(), y1, y2);
      if (t == QuantType.Q6_K) {
        Q6KLevels l = Q6KLevels.of(q, 2, cols);
        k.matvec(l, x, y1, 0, 2);
        agree("Q6_K levels", y1, y2);
      }
    }
  }

  private static void agree(String what, float[] y1, float[] y2) {
    for (int r = 0; r < y1.length; r++) {
      if (Math.abs(y1[r] - y2[r]) > 1e-3f * (1 + Math.abs(y2[r]))) {
        throw new IllegalStateException(what + " matvec self-check failed: " + y1[r] + " vs " + y2[r]);
      }
    }
  }

  /** A description of the decode kernels in use, e.g. for {@code llm bench}. */
  public static String kernels() {
    return KERNELS.toString();
  }

  /** Per-thread buffers, grown to the largest size seen. */
  private static final class Scratch {
    private float[] x = new float[0];
    private float[] xsum = new float[0];
    private float[] y = new float[0];

    float[] x(int n) {
      return x.length >= n ? x : (x = new float[n]);
    }

    float[] xsum(int n) {
      return xsum.length >= n ? xsum : (xsum = new float[n]);
    }

    float[] y(int n) {
      return y.length >= n ? y : (y = new float[n]);
    }
  }
}
