package dev.llmkit.tensor.quant;

import dev.llmkit.tensor.Matmul;
import dev.llmkit.tensor.Simd;
import dev.llmkit.tensor.Tensor;
import dev.llmkit.tensor.kernel.Parallel;
import java.nio.FloatBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The many-row product of a quantized matrix (prefill): {@code y = x·Wᵀ (+ b)} with W dequantized a
 * tile of rows at a time into a per-thread scratch and each tile multiplied by one sgemm that writes
 * its band of y's columns in place. The tiles are sized so that their count is a multiple of the
 * thread count and the threads claim them one at a time (both cores busy to the end even for W of
 * 768 rows); a tile is dequantized once per call, by the thread that multiplies it, while the other
 * thread multiplies its own. No F32 copy of W is held: the scratch is one tile per thread.
 */
final class QuantTiles {

  private static final Logger LOG = LoggerFactory.getLogger(QuantTiles.class);

  /**
   * Most rows of W in one tile. Each sgemm call packs all of x again, so wider tiles amortise that
   * better: on one thread, x (512, 768) · tileᵀ ran at 0.90x the F32 sgemm's rate with 128-row tiles
   * and 0.97x with 256 (Q8_0, GPT-2's 3072×768 and 768×3072).
   */
  static final int MAX_TILE_ROWS = Integer.getInteger("llmkit.quantTileRows", 256);

  /** The dequantizer: Vector API when {@link Simd#enabled()} and it passes a bit-exact self-check. */
  static final Dequantizer DEQUANTIZER = loadDequantizer();

  private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

  private QuantTiles() {}

  /**
   * y = x·Wᵀ (+ b), W {@code (rows, cols)} of type t in w (row r at byte {@code r·rowBytes}).
   *
   * <p>x: (T, cols), b: (rows) or null -> y: (T, rows), overwritten; shapes checked by the caller.
   */
  static void product(QuantType t, byte[] w, int rows, int cols, int rowBytes, Tensor x, Tensor b, Tensor y) {
    Dequantizer dq = DEQUANTIZER;
    product((r0, r1, f) -> dq.rows(t, w, rowBytes, cols, r0, r1, f), rows, cols, x, b, y);
  }

  /** As above for a Q6_K matrix held as {@link Q6KLevels}. */
  static void product(Q6KLevels w, Tensor x, Tensor b, Tensor y) {
    Dequantizer dq = DEQUANTIZER;
    product((r0, r1, f) -> dq.rows(w, r0, r1, f), w.rows, w.cols, x, b, y);
  }

  /** Rows {@code [r0, r1)} of W dequantized into {@code dst}, row-major. */
  @FunctionalInterface
  private interface Rows {
    void dequantize(int r0, int r1, float[] dst);
  }

  private static void product(Rows source, int rows, int cols, Tensor x, Tensor b, Tensor y) {
    int tRows = x.length() / cols;
    Tensor x2 = x.reshape(tRows, cols);
    Tensor y2 = y.reshape(tRows, rows);
    boolean acc = b != null;
    if (acc) {
      fillRows(b, y2, tRows, rows);
    }
    int tileRows = tileRows(rows, Parallel.threads());
    int tiles = (rows + tileRows - 1) / tileRows;
    Parallel.forBlocks(tiles, (long) tRows * cols * tileRows, 1, (i0, i1) -> {
      Scratch s = SCRATCH.get();
      for (int i = i0; i < i1; i++) {
        int r0 = i * tileRows;
        int n = Math.min(tileRows, rows - r0);
        float[] f = s.floats(n * cols);
        source.dequantize(r0, r0 + n, f);
        Tensor tile = s.tile(n * cols);
        tile.buffer().put(0, f, 0, n * cols);
        Matmul.matmulTransBColumns(x2, tile, n, y2, r0, acc); // y[:, r0 .. r0+n) (+)= x · tileᵀ
      }
    });
  }

  /**
   * Rows per tile for W of {@code rows} rows over {@code threads} threads: at most {@link
   * #MAX_TILE_ROWS}, as even as possible, their count a multiple of the threads.
   */
  static int tileRows(int rows, int threads) {
    int perThread = (rows + threads - 1) / threads;
    int tilesPerThread = Math.max(1, (perThread + MAX_TILE_ROWS - 1) / MAX_TILE_ROWS);
    int tiles = tilesPerThread * threads;
    return Math.max(1, (rows + tiles - 1) / tiles);
  }

  /** Every row of y: (T, N) set to b: (N). */
  private static void fillRows(Tensor b, Tensor y, int tRows, int n) {
    float[] bias = new float[n];
    b.buffer().get(0, bias, 0, n);
    FloatBuffer yb = y.buffer();
    Parallel.forRange(tRows, n, (i0, i1) -> {
      for (int i = i0; i < i1; i++) {
        yb.put(i * n, bias, 0, n);
      }
    });
  }

  private static Dequantizer loadDequantizer() {
    if (!Simd.enabled()) {
      return Dequantizer.SCALAR;
    }
    try {
      Dequantizer d = (Dequantizer) Class.forName("dev.llmkit.tensor.quant.VectorDequantizer")
          .getDeclaredConstructor().newInstance();
      selfCheck(d);
      return d;
    } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
      LOG.debug("quantized Vector API dequantizer off: {}", e.toString());
      return Dequantizer.SCALAR;
    }
  }

  /** Each type on two rows of varied weights, against the plain Java codecs: bit for bit. */
  static void selfCheck(Dequantizer d) {
    int cols = 512;
    float[] w = new float[2 * cols];
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) Math.sin(i * 0.37) * (1 + i % 7);
    }
    for (QuantType t : QuantType.values()) {
      byte[] q = new byte[(int) t.bytes(2, cols)];
      t.quantize(w, 0, q, 0, w.length);
      float[] a = new float[2 * cols];
      float[] e = new float[2 * cols];
      d.rows(t, q, (int) t.bytes(1, cols), cols, 0, 2, a);
      Dequantizer.SCALAR.rows(t, q, (int) t.bytes(1, cols), cols, 0, 2, e);
      for (int i = 0; i < a.length; i++) {
        if (Float.floatToRawIntBits(a[i]) != Float.floatToRawIntBits(e[i])) {
          throw new IllegalStateException(t + " dequantize self-check failed at " + i + ": " + a[i] + " vs " + e[i]);
        }
      }
      if (t == QuantType.Q6_K) {
        float[] l = new float[2 * cols];
        d.rows(Q6KLevels.of(q, 2, cols), 0, 2, l);
        for (int i = 0; i < l.length; i++) {
          if (Float.floatToRawIntBits(l[i]) != Float.floatToRawIntBits(e[i])) {
            throw new IllegalStateException("Q6_K levels dequantize self-check failed at " + i + ": " + l[i] + " vs " + e[i]);
          }
        }
      }
    }
  }

  /** A description of the dequantizer in use. */
  static String dequantizer() {
    return DEQUANTIZER.toString();
  }

  /** Per-thread tile buffers, grown to the largest tile seen. */
  private static final class Scratch {
    private float[] floats = new float[0];
    private Tensor tile;

    float[] floats(int n) {
      return floats.length >= n ? floats : (floats = new float[n]);
    }

    Tensor tile(int n) {
      if (tile == null || tile.length() < n) {
        tile = Tensor.zeros(n);
      }
      return tile;
    }
  }
}
