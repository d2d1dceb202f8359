package dev.llmkit.tensor.quant;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Java Vector API {@link Dequantizer}: 8 quantized bytes at a time are loaded, sign-extended to 8
 * int lanes (256 bits, the width of llm-tensor's other kernels: one shape per JVM lets C2 keep every
 * vector in registers), unpacked there with masks, shifts and ors (int-lane
 * operations are single instructions; byte-lane shifts are not, x86 has none), converted to floats
 * and scaled, in the same float operations and order as the plain Java codecs, so the result is
 * bit-exact. Loaded only by {@link QuantTiles}, and only when the {@code jdk.incubator.vector}
 * module is present.
 */
final class VectorDequantizer implements Dequantizer {

  private static final VectorSpecies<Integer> I = IntVector.SPECIES_256;
  private static final VectorSpecies<Float> F = VectorSpecies.of(float.class, I.vectorShape());
  private static final VectorSpecies<Byte> B =
      VectorSpecies.of(byte.class, VectorShape.forBitSize(I.length() * 8));
  private static final int L = I.length();

  @Override
  public String toString() {
    return "Vector API, " + L + " weights at a time";
  }

  @Override
  public void rows(QuantType t, byte[] w, int rowBytes, int cols, int r0, int r1, float[] dst) {
    int blocks = cols / t.blockSize();
    int ts = t.typeSize();
    int bs = t.blockSize();
    for (int r = r0; r < r1; r++) {
      int off = r * rowBytes;
      int y = (r - r0) * cols;
      for (int i = 0; i < blocks; i++, off += ts, y += bs) {
        switch (t) {
          case Q8_0 -> q8_0(w, off, dst, y);
          case Q4_0 -> q4_0(w, off, dst, y);
          case Q4_K -> q4K(w, off, dst, y);
          case Q5_K -> q5K(w, off, dst, y);
          case Q6_K -> q6K(w, off, dst, y);
          default -> t.codec.dequantize(w, off, dst, y);
        }
      }
    }
  }

  /** As {@link Q6KLevels#dequantizeRow}: {@code (d·sc)·(q − 32)}, one float product per weight. */
  @Override
  public void rows(Q6KLevels w, int r0, int r1, float[] dst) {
    int cols = w.cols;
    for (int r = r0; r < r1; r++) {
      int y = (r - r0) * cols;
      for (int b = r * cols; b < (r + 1) * cols; b += 256, y += 256) {
        float d = w.d(b / 256);
        for (int j = 0; j < 16; j++) {
          float ds = d * w.scales[b / 16 + j];
          for (int c = 0; c < 16; c += L) {
            floats(ints(w.q, b + 16 * j + c)).mul(ds).intoArray(dst, y + 16 * j + c);
          }
        }
      }
    }
  }

  /** L bytes at w[i], sign-extended to L ints. */
  private static IntVector ints(byte[] w, int i) {
    return (IntVector) ByteVector.fromArray(B, w, i).convertShape(VectorOperators.B2I, I, 0);
  }

  private static FloatVector floats(IntVector v) {
    return (FloatVector) v.convertShape(VectorOperators.I2F, F, 0);
  }

  /** block_q8_0: w = q·d. */
  private static void q8_0(byte[] w, int off, float[] dst, int y) {
    float d = Fp16.read(w, off);
    for (int c = 0; c < 32; c += L) {
      floats(ints(w, off + 2 + c)).mul(d).intoArray(dst, y + c);
    }
  }

  /** block_q4_0: weight j = (low nibble of qs[j] − 8)·d, weight j+16 = (high nibble − 8)·d. */
  private static void q4_0(byte[] w, int off, float[] dst, int y) {
    float d = Fp16.read(w, off);
    for (int c = 0; c < 16; c += L) {
      IntVector v = ints(w, off + 2 + c);
      floats(v.and(0xf).sub(8)).mul(d).intoArray(dst, y + c);
      floats(v.lanewise(VectorOperators.ASHR, 4).and(0xf).sub(8)).mul(d).intoArray(dst, y + 16 + c);
    }
  }

  /** block_q4_K: in 64-weight group g, w = d·sc·q − dmin·m with q the low (then high) nibbles. */
  private static void q4K(byte[] w, int off, float[] dst, int y) {
    float d = Fp16.read(w, off);
    float dmin = Fp16.read(w, off + 2);
    int sc = off + 4;
    for (int g = 0; g < 4; g++) {
      int q = off + 16 + 32 * g;
      float d1 = d * KQuantMath.scale(2 * g, w, sc);
      float m1 = dmin * KQuantMath.min(2 * g, w, sc);
      float d2 = d * KQuantMath.scale(2 * g + 1, w, sc);
      float m2 = dmin * KQuantMath.min(2 * g + 1, w, sc);
      int yg = y + 64 * g;
      for (int c = 0; c < 32; c += L) {
        IntVector v = ints(w, q + c);
        floats(v.and(0xf)).mul(d1).sub(m1).intoArray(dst, yg + c);
        floats(v.lanewise(VectorOperators.ASHR, 4).and(0xf)).mul(d2).sub(m2).intoArray(dst, yg + 32 + c);
      }
    }
  }

  /** block_q5_K: as q4_K, the fifth bit of weight l of sub-block 2g (2g+1) bit 2g (2g+1) of qh[l]. */
  private static void q5K(byte[] w, int off, float[] dst, int y) {
    float d = Fp16.read(w, off);
    float dmin = Fp16.read(w, off + 2);
    int sc = off + 4;
    int qh = off + 16;
    for (int g = 0; g < 4; g++) {
      int q = off + 48 + 32 * g;
      float d1 = d * KQuantMath.scale(2 * g, w, sc);
      float m1 = dmin * KQuantMath.min(2 * g, w, sc);
      float d2 = d * KQuantMath.scale(2 * g + 1, w, sc);
      float m2 = dmin * KQuantMath.min(2 * g + 1, w, sc);
      int yg = y + 64 * g;
      for (int c = 0; c < 32; c += L) {
        IntVector v = ints(w, q + c);
        IntVector h = ints(w, qh + c);
        IntVector lo = v.and(0xf).or(h.lanewise(VectorOperators.ASHR, 2 * g).and(1).lanewise(VectorOperators.LSHL, 4));
        IntVector hi = v.lanewise(VectorOperators.ASHR, 4).and(0xf)
            .or(h.lanewise(VectorOperators.ASHR, 2 * g + 1).and(1).lanewise(VectorOperators.LSHL, 4));
        floats(lo).mul(d1).sub(m1).intoArray(dst, yg + c);
        floats(hi).mul(d2).sub(m2).intoArray(dst, yg + 32 + c);
      }
    }
  }

  /**
   * block_q6_K: in each 128-weight half, weights l, l+32, l+64, l+96 (l &lt; 32) from the low and
   * high nibbles of ql[l], ql[l+32] and bit pairs 0–3 of qh[l]; w = (d·sc)·(q − 32), sc per 16.
   */
  private static void q6K(byte[] w, int off, float[] dst, int y) {
    float d = Fp16.read(w, off + 208);
    for (int n = 0; n < 2; n++) {
      int ql = off + 64 * n;
      int qh = off + 128 + 32 * n;
      int sc = off + 192 + 8 * n;
      int yn = y + 128 * n;
      // q_k, k = 0..3: low nibbles of ql[l] (k = 0), ql[l+32] (1), high nibbles (2, 3); bits 2k, 2k+1 of qh[l]
      for (int k = 0; k < 4; k++) {
        q6Quarter(w, ql + 32 * (k & 1), 4 * (k >> 1), qh, 2 * k, d * w[sc + 2 * k], d * w[sc + 2 * k + 1], dst, yn + 32 * k);
      }
    }
  }

  /**
   * 32 weights of a q6_K block: q = ((ql[l] &gt;&gt; lo) &amp; 15 | ((qh[l] &gt;&gt; hi) &amp; 3) &lt;&lt; 4) − 32,
   * w = ds0·q for l &lt; 16, ds1·q after. Its own method with its own loop, so that C2 compiles it
   * whole with every vector in registers (unrolled into q6K, the vectors were boxed).
   */
  private static void q6Quarter(byte[] w, int ql, int lo, int qh, int hi, float ds0, float ds1, float[] dst, int y) {
    for (int l = 0; l < 32; l += L) {
      IntVector q = ints(w, ql + l).lanewise(VectorOperators.ASHR, lo).and(0xf)
          .or(ints(w, qh + l).lanewise(VectorOperators.ASHR, hi).and(3).lanewise(VectorOperators.LSHL, 4)).sub(32);
      floats(q).mul(l < 16 ? ds0 : ds1).intoArray(dst, y + l);
    }
  }
}
