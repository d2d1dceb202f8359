package dev.llmkit.model.cost;

import dev.llmkit.tensor.Matmul;
import dev.llmkit.tensor.Tensor;

/**
 * Short measurements of this machine, the denominators of utilisation figures: peak FLOP/s (a
 * matrix product, the best any training step can do here) and memory bandwidth (a matrix-vector
 * product over a matrix far larger than the caches, the best any decode step can do here). Each
 * takes well under a second; each reports the best of several runs after a warm-up.
 */
public final class MachineProbe {

  /** Side of the square matrix product of {@link #peakFlops()}. */
  static final int GEMM_SIZE = 2048;
  /** Shape of the matrix {@link #memoryBandwidth()} streams: 128 MiB of f32. */
  static final int STREAM_ROWS = 4096;
  static final int STREAM_COLS = 8192;

  private MachineProbe() {}

  /**
   * Peak FLOP/s of an f32 {@code 2048³} matrix product through the library's BLAS path, counting
   * {@code 2·M·N·K} FLOPs per product; best of 3 after a warm-up.
   */
  public static double peakFlops() {
    int n = GEMM_SIZE;
    // a: (n, n), b: (n, n) -> c: (n, n)
    Tensor a = Tensor.rand(1, -1f, 1f, n, n);
    Tensor b = Tensor.rand(2, -1f, 1f, n, n);
    Tensor c = Tensor.zeros(n, n);
    Matmul.matmul(a, false, b, false, c, false);
    long best = Long.MAX_VALUE;
    for (int r = 0; r < 3; r++) {
      long t0 = System.nanoTime();
      Matmul.matmul(a, false, b, false, c, false);
      best = Math.min(best, System.nanoTime() - t0);
    }
    return 2.0 * n * n * n / (best / 1e9);
  }

  /**
   * Read bandwidth in bytes/s: a matrix-vector product over a 128 MiB f32 matrix (each weight read
   * once, as decoding reads its weights); best of 5 after a warm-up.
   */
  public static double memoryBandwidth() {
    // w: (rows, cols), x: (cols) -> y: (rows)
    Tensor w = Tensor.full(0.5f, STREAM_ROWS, STREAM_COLS);
    Tensor x = Tensor.full(1f, STREAM_COLS);
    Tensor y = Tensor.zeros(STREAM_ROWS);
    Matmul.matvec(w, x, y);
    long best = Long.MAX_VALUE;
    for (int r = 0; r < 5; r++) {
      long t0 = System.nanoTime();
      Matmul.matvec(w, x, y);
      best = Math.min(best, System.nanoTime() - t0);
    }
    return 4.0 * STREAM_ROWS * STREAM_COLS / (best / 1e9);
  }
}
