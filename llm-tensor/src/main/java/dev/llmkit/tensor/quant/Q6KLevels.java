package dev.llmkit.tensor.quant;

/**
 * A Q6_K matrix as {@link QuantizedMatrix} keeps it in memory: the same weights, scales and values
 * as the GGUF blocks ({@link Q6K}), rearranged at load so that a product unpacks nothing: each
 * weight's level {@code q − 32} as one signed byte in weight order ({@link #q}), the int8 sub-block
 * scales in their own run ({@link #scales}), the f16 super-block scales in theirs ({@link #d}).
 *
 * <p>Why: the GGUF block splits each 6-bit level into a nibble of {@code ql} and two bits of {@code
 * qh}, in an order where a vector of lanes needs about a dozen shifts, masks and ors per 16 weights
 * before its conversion to float; from this layout a lane is one sign extension. It costs 274 bytes
 * per 256 weights instead of 210 (+30%): for the GPT-2 output matrix of Q4_K_M and Q4_0 files, the
 * one matrix most worth it (40% of a decode step's weight work), 42 MB instead of 32.
 *
 * <p>Lossless both ways: {@link #toGguf} gives back the file's bytes, and {@link #dequantizeRow}
 * computes every weight as {@code (d·sc)·(q − 32)} in float, exactly as {@link Q6K} does.
 *
 * <p>(rows, cols), cols a multiple of 256. Immutable after {@link #of}.
 */
final class Q6KLevels {

  private static final int QK = 256;
  /** GGUF bytes of one block: ql[128], qh[64], scales[16], d (f16). */
  private static final int BLOCK = 210;

  final int rows;
  final int cols;
  /** (rows, cols): level − 32 of each weight, in [−32, 31], row-major in weight order. */
  final byte[] q;
  /** (rows, cols / 16): the int8 scale of each 16 weights. */
  final byte[] scales;
  /** (rows, cols / 256): each super-block's f16 scale, its raw bits. */
  final short[] d;

  private Q6KLevels(int rows, int cols, byte[] q, byte[] scales, short[] d) {
    this.rows = rows;
    this.cols = cols;
    this.q = q;
    this.scales = scales;
    this.d = d;
  }

  /** The levels of the {@code (rows, cols)} Q6_K matrix whose GGUF bytes are {@code gguf}. */
  static Q6KLevels of(byte[] gguf, int rows, int cols) {
    int blocks = Math.toIntExact((long) rows * cols / QK);
    byte[] q = new byte[Math.toIntExact((long) rows * cols)];
    byte[] sc = new byte[blocks * 16];
    short[] d = new short[blocks];
    for (int b = 0; b < blocks; b++) {
      int off = b * BLOCK;
      int y = b * QK;
      // in each 128-weight half: weights l, l+32, l+64, l+96 from ql[l], ql[l+32], qh[l] (as Q6K)
      for (int n = 0; n < 2; n++, y += 128) {
        int ql = off + 64 * n;
        int qh = off + 128 + 32 * n;
        for (int l = 0; l < 32; l++) {
          int h = gguf[qh + l] & 0xff;
          int a = gguf[ql + l] & 0xff;
          int c = gguf[ql + l + 32] & 0xff;
          q[y + l] = (byte) (((a & 0xf) | (h & 3) << 4) - 32);
          q[y + l + 32] = (byte) (((c & 0xf) | ((h >> 2) & 3) << 4) - 32);
          q[y + l + 64] = (byte) (((a >> 4) | ((h >> 4) & 3) << 4) - 32);
          q[y + l + 96] = (byte) (((c >> 4) | ((h >> 6) & 3) << 4) - 32);
        }
      }
      System.arraycopy(gguf, off + 192, sc, 16 * b, 16);
      d[b] = (short) ((gguf[off + 208] & 0xff) | (gguf[off + 209] & 0xff) << 8);
    }
    return new Q6KLevels(rows, cols, q, sc, d);
  }

  /** Bytes held: what a product streams. */
  long bytes() {
    return q.length + scales.length + 2L * d.length;
  }

  /** Rows {@code [from, to)} as their own levels (copied). */
  Q6KLevels rows(int from, int to) {
    int bpr = cols / QK;
    return new Q6KLevels(to - from, cols,
        java.util.Arrays.copyOfRange(q, from * cols, to * cols),
        java.util.Arrays.copyOfRange(scales, from * cols / 16, to * cols / 16),
        java.util.Arrays.copyOfRange(d, from * bpr, to * bpr));
  }

  /** The GGUF bytes of row r into {@code dst[off .. off + 210·cols/256)}, as the file had them. */
  void toGguf(int r, byte[] dst, int off) {
    int bpr = cols / QK;
    for (int k = 0; k < bpr; k++, off += BLOCK) {
      int b = r * bpr + k;
      int y = b * QK;
      for (int n = 0; n < 2; n++, y += 128) {
        int ql = off + 64 * n;
        int qh = off + 128 + 32 * n;
        for (int l = 0; l < 32; l++) {
          int q1 = q[y + l] + 32;
          int q2 = q[y + l + 32] + 32;
          int q3 = q[y + l + 64] + 32;
          int q4 = q[y + l + 96] + 32;
          dst[ql + l] = (byte) ((q1 & 0xf) | (q3 & 0xf) << 4);
          dst[ql + l + 32] = (byte) ((q2 & 0xf) | (q4 & 0xf) << 4);
          dst[qh + l] = (byte) ((q1 >> 4) | (q2 >> 4) << 2 | (q3 >> 4) << 4 | (q4 >> 4) << 6);
        }
      }
      System.arraycopy(scales, 16 * b, dst, off + 192, 16);
      dst[off + 208] = (byte) d[b];
      dst[off + 209] = (byte) (d[b] >> 8);
    }
  }

  /** Super-block b's scale d as a float (exact). */
  float d(int b) {
    return Fp16.fromTable(d[b]);
  }

  /** Row r's weights into {@code dst[off .. off + cols)}: {@code (d·sc)·(q − 32)}, bit-exact as {@link Q6K}. */
  void dequantizeRow(int r, float[] dst, int off) {
    int bpr = cols / QK;
    for (int k = 0; k < bpr; k++) {
      int b = r * bpr + k;
      float db = d(b);
      for (int j = 0; j < 16; j++) {
        float ds = db * scales[16 * b + j];
        int y = QK * b + 16 * j;
        int o = off + QK * k + 16 * j;
        for (int i = 0; i < 16; i++) {
          dst[o + i] = ds * q[y + i];
        }
      }
    }
  }
}
