package dev.llmkit.tensor.quant;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Java Vector API {@link QuantKernels}: dequantize-and-FMA. Eight quantized weights are loaded as a
 * 64-bit byte vector, unpacked with lane-wise integer operations, widened to eight floats and
 * multiplied into the matching eight activations; a block's (or sub-block's) sum is scaled once
 * by its f16 scale. Loaded only by {@link QuantizedMatrix}, and only when the
 * {@code jdk.incubator.vector} module is present. Heap arrays only ({@code fromArray}), the load
 * every JDK from 17 on has. Q5_K, which the k-quant mixes use for a few tensors only, goes through a
 * dequantized block and a float dot product.
 */
final class VectorQuantKernels implements QuantKernels {

  private static final VectorSpecies<Float> F = FloatVector.SPECIES_256;
  private static final VectorSpecies<Byte> B = ByteVector.SPECIES_64;
  private static final ThreadLocal<float[]> BLOCK = ThreadLocal.withInitial(() -> new float[256]);

  @Override
  public String toString() {
    return "Vector API, dequantize-and-FMA, 256-bit";
  }

  @Override
  public void matvec(QuantType t, byte[] w, int cols, float[] x, float[] xsum, float[] y, int r0, int r1) {
    // W: (rows, cols) in blocks, x: (cols) -> y[r0..r1)
    int rowBytes = (int) t.bytes(1, cols);
    switch (t) {
      case Q8_0 -> {
        for (int r = r0; r < r1; r++) {
          y[r] = dotQ8_0(w, r * rowBytes, x, cols);
        }
      }
      case Q4_0 -> {
        for (int r = r0; r < r1; r++) {
          y[r] = dotQ4_0(w, r * rowBytes, x, cols);
        }
      }
      case Q4_K -> {
        for (int r = r0; r < r1; r++) {
          y[r] = dotQ4K(w, r * rowBytes, x, xsum, cols);
        }
      }
      case Q6_K -> {
        for (int r = r0; r < r1; r++) {
          y[r] = dotQ6K(w, r * rowBytes, x, cols);
        }
      }
      case Q5_K -> {
        for (int r = r0; r < r1; r++) {
          y[r] = dotQ5K(w, r * rowBytes, x, xsum, cols);
        }
      }
      default -> {
        for (int r = r0; r < r1; r++) {
          y[r] = dotDequantized(t, w, r * rowBytes, x, cols);
        }
      }
    }
  }

  /** Eight signed bytes as eight floats. */
  private static FloatVector f(ByteVector q) {
    return (FloatVector) q.convertShape(VectorOperators.B2F, F, 0);
  }

  private static FloatVector xv(float[] x, int i) {
    return FloatVector.fromArray(F, x, i);
  }

  /** Σ W[row]·x for a Q8_0 row at w[off]: per block d·Σ q·x. */
  private static float dotQ8_0(byte[] w, int off, float[] x, int cols) {
    FloatVector t0 = FloatVector.zero(F);
    FloatVector t1 = FloatVector.zero(F);
    int b = 0;
    for (; b + 64 <= cols; b += 64, off += 68) {
      t0 = blockQ8_0(w, off, x, b).fma(FloatVector.broadcast(F, Fp16.read(w, off)), t0);
      t1 = blockQ8_0(w, off + 34, x, b + 32).fma(FloatVector.broadcast(F, Fp16.read(w, off + 34)), t1);
    }
    if (b < cols) {
      t0 = blockQ8_0(w, off, x, b).fma(FloatVector.broadcast(F, Fp16.read(w, off)), t0);
    }
    return t0.add(t1).reduceLanes(VectorOperators.ADD);
  }

  private static FloatVector blockQ8_0(byte[] w, int off, float[] x, int b) {
    int q = off + 2;
    FloatVector s = f(ByteVector.fromArray(B, w, q)).mul(xv(x, b));
    s = f(ByteVector.fromArray(B, w, q + 8)).fma(xv(x, b + 8), s);
    s = f(ByteVector.fromArray(B, w, q + 16)).fma(xv(x, b + 16), s);
    return f(ByteVector.fromArray(B, w, q + 24)).fma(xv(x, b + 24), s);
  }

  /** Σ W[row]·x for a Q4_0 row: per block d·Σ (q − 8)·x. */
  private static float dotQ4_0(byte[] w, int off, float[] x, int cols) {
    FloatVector t = FloatVector.zero(F);
    for (int b = 0; b < cols; b += 32, off += 18) {
      ByteVector v0 = ByteVector.fromArray(B, w, off + 2);
      ByteVector v1 = ByteVector.fromArray(B, w, off + 10);
      FloatVector s = f(v0.and((byte) 0x0f).sub((byte) 8)).mul(xv(x, b));
      s = f(v1.and((byte) 0x0f).sub((byte) 8)).fma(xv(x, b + 8), s);
      s = f(v0.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0f).sub((byte) 8)).fma(xv(x, b + 16), s);
      s = f(v1.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0f).sub((byte) 8)).fma(xv(x, b + 24), s);
      t = s.fma(FloatVector.broadcast(F, Fp16.read(w, off)), t);
    }
    return t.reduceLanes(VectorOperators.ADD);
  }

  /** Σ W[row]·x for a Q4_K row: Σ_sub d·sc·Σ q·x − dmin·m·Σ x. */
  private static float dotQ4K(byte[] w, int off, float[] x, float[] xsum, int cols) {
    FloatVector t = FloatVector.zero(F);
    float mins = 0f;
    for (int b = 0; b < cols; b += 256, off += 144) {
      float d = Fp16.read(w, off);
      float dmin = Fp16.read(w, off + 2);
      int sc = off + 4;
      for (int g = 0; g < 4; g++) {
        int q = off + 16 + 32 * g;
        int xb = b + 64 * g;
        FloatVector lo = FloatVector.zero(F);
        FloatVector hi = FloatVector.zero(F);
        for (int c = 0; c < 32; c += 8) {
          ByteVector v = ByteVector.fromArray(B, w, q + c);
          lo = f(v.and((byte) 0x0f)).fma(xv(x, xb + c), lo);
          hi = f(v.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0f)).fma(xv(x, xb + 32 + c), hi);
        }
        int is = 2 * g;
        t = lo.fma(FloatVector.broadcast(F, d * KQuantMath.scale(is, w, sc)), t);
        t = hi.fma(FloatVector.broadcast(F, d * KQuantMath.scale(is + 1, w, sc)), t);
        mins += dmin * KQuantMath.min(is, w, sc) * xsum[b / 32 + is]
            + dmin * KQuantMath.min(is + 1, w, sc) * xsum[b / 32 + is + 1];
      }
    }
    return t.reduceLanes(VectorOperators.ADD) - mins;
  }

  /**
   * Σ W[row]·x for a Q6_K row: q = low4 + 16·high2 − 32, so per sub-block Σ q·x = Σ low4·x + 16·Σ
   * high2·x − 32·Σ x, each sum from masks and right shifts only (the byte operations that compile to
   * vector instructions on every JDK; left shifts and ors of bytes measured several times slower).
   */
  private static float dotQ6K(byte[] w, int off, float[] x, int cols) {
    FloatVector t = FloatVector.zero(F);
    for (int b = 0; b < cols; b += 256, off += 210) {
      float d = Fp16.read(w, off + 208);
      for (int h = 0; h < 2; h++) {
        int ql = off + 64 * h;
        int qh = off + 128 + 32 * h;
        int sc = off + 192 + 8 * h;
        int xb = b + 128 * h;
        for (int p = 0; p < 2; p++) {
          for (int k = 0; k < 4; k++) { // q_k: low nibbles of ql[l] (k=0), ql[l+32] (1), high (2, 3)
            int lq = ql + (k & 1) * 32;
            int shiftLo = (k >> 1) * 4;
            int shiftHi = 2 * k;
            int xo = xb + 32 * k;
            FloatVector lo = FloatVector.zero(F);
            FloatVector hi = FloatVector.zero(F);
            FloatVector sx = FloatVector.zero(F);
            for (int c = 16 * p; c < 16 * p + 16; c += 8) {
              ByteVector l = ByteVector.fromArray(B, w, lq + c).lanewise(VectorOperators.LSHR, shiftLo).and((byte) 0x0f);
              ByteVector hb = ByteVector.fromArray(B, w, qh + c).lanewise(VectorOperators.LSHR, shiftHi).and((byte) 3);
              FloatVector xx = xv(x, xo + c);
              lo = f(l).fma(xx, lo);
              hi = f(hb).fma(xx, hi);
              sx = sx.add(xx);
            }
            FloatVector q = hi.fma(FloatVector.broadcast(F, 16f), lo).sub(sx.mul(32f));
            t = q.fma(FloatVector.broadcast(F, d * w[sc + p + 2 * k]), t);
          }
        }
      }
    }
    return t.reduceLanes(VectorOperators.ADD);
  }

  /** Σ W[row]·x for a Q5_K row: as Q4_K, with the fifth bit of each weight from qh. */
  private static float dotQ5K(byte[] w, int off, float[] x, float[] xsum, int cols) {
    FloatVector t = FloatVector.zero(F);
    float mins = 0f;
    for (int b = 0; b < cols; b += 256, off += 176) {
      float d = Fp16.read(w, off);
      float dmin = Fp16.read(w, off + 2);
      int sc = off + 4;
      int qh = off + 16;
      for (int g = 0; g < 4; g++) {
        int q = off + 48 + 32 * g;
        int xb = b + 64 * g;
        byte m1 = (byte) (1 << (2 * g));
        byte m2 = (byte) (2 << (2 * g));
        FloatVector lo = FloatVector.zero(F);
        FloatVector hi = FloatVector.zero(F);
        for (int c = 0; c < 32; c += 8) {
          ByteVector v = ByteVector.fromArray(B, w, q + c);
          ByteVector h = ByteVector.fromArray(B, w, qh + c);
          // bit set -> 16: (h & m) is 0 or m; compare and blend
          ByteVector h1 = ByteVector.zero(B).blend((byte) 16, h.and(m1).compare(VectorOperators.NE, (byte) 0));
          ByteVector h2 = ByteVector.zero(B).blend((byte) 16, h.and(m2).compare(VectorOperators.NE, (byte) 0));
          lo = f(v.and((byte) 0x0f).add(h1)).fma(xv(x, xb + c), lo);
          hi = f(v.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0f).add(h2)).fma(xv(x, xb + 32 + c), hi);
        }
        int is = 2 * g;
        t = lo.fma(FloatVector.broadcast(F, d * KQuantMath.scale(is, w, sc)), t);
        t = hi.fma(FloatVector.broadcast(F, d * KQuantMath.scale(is + 1, w, sc)), t);
        mins += dmin * KQuantMath.min(is, w, sc) * xsum[b / 32 + is]
            + dmin * KQuantMath.min(is + 1, w, sc) * xsum[b / 32 + is + 1];
      }
    }
    return t.reduceLanes(VectorOperators.ADD) - mins;
  }

  /** Any other type: each block dequantized into a scratch, then a float dot product. */
  private static float dotDequantized(QuantType t, byte[] w, int off, float[] x, int cols) {
    float[] block = BLOCK.get();
    int bs = t.blockSize();
    FloatVector s = FloatVector.zero(F);
    for (int b = 0; b < cols; b += bs, off += t.typeSize()) {
      t.codec.dequantize(w, off, block, 0);
      for (int i = 0; i < bs; i += 8) {
        s = FloatVector.fromArray(F, block, i).fma(xv(x, b + i), s);
      }
    }
    return s.reduceLanes(VectorOperators.ADD);
  }
}
