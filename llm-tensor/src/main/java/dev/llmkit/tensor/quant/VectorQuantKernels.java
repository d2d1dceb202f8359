package dev.llmkit.tensor.quant;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Java Vector API {@link QuantKernels}: dequantize-and-FMA. {@code L} quantized weights (16 on a
 * 512-bit machine, 8 on a 256-bit one) are loaded as an {@code L}-byte vector, unpacked with
 * lane-wise operations, widened to {@code L} floats ({@code vpmovsxbd} + {@code vcvtdq2ps}) and
 * multiplied into the matching activations; a block's (or sub-block's) sum is scaled once by its
 * scale. Loaded only by {@link QuantizedMatrix}, and only when the {@code jdk.incubator.vector}
 * module is present. Heap arrays only ({@code fromArray}), the load every JDK from 17 on has.
 *
 * <p>What makes it fast (each measured, see benchmarks/README "Quantized weights"):
 * <ul>
 *   <li>nibbles and 2-bit fields are shifted in <em>int</em> lanes ({@link #shr}, {@link #shl}) and
 *       masked per byte afterwards: x86 has no byte shift, and C2 emulates a {@code ByteVector}
 *       shift by widening, shifting and narrowing, several times slower;
 *   <li>constant offsets of the levels (Q4_0's −8) and the K-quants' mins are folded into per-32
 *       sums of x ({@code xsum}) instead of a subtraction per weight;
 *   <li>the K-quants' eight 6-bit scales and mins are unpacked once per super-block from three
 *       little-endian ints, as ggml's {@code utmp} does;
 *   <li>two rows per pass share each activation load and give two independent FMA chains;
 *   <li>Q6_K is read from its {@link Q6KLevels} (one byte per weight, no unpacking): 2.6-3.1x faster
 *       per core than from the GGUF blocks ({@link #dotQ6K}, still used with
 *       {@code -Dllmkit.quant.q6kLevels=false}).
 * </ul>
 */
final class VectorQuantKernels implements QuantKernels {

  /**
   * Float species: 256-bit by default, like every other Vector API kernel of llm-tensor; the system
   * property {@code llmkit.quant.vectorBits=512} selects 512-bit vectors where the JIT has them.
   *
   * <p>Not 512 by default: on JDK 17 the Vector API's operations are virtual calls whose type
   * profile every caller shares, so 512-bit kernels here beside the 256-bit prefill dequantizer and
   * attention made C2 box the vectors of the prefill path (measured on the GPT-2 124M Q8_0 file,
   * quiet 2-core AVX-512 machine: prefill 260 tok/s with 512-bit decode kernels against 846 with
   * 256-bit ones; decode of the 4-bit files is 1.3-1.5x faster with 512 — see benchmarks/README).
   */
  private static final VectorSpecies<Float> F =
      FloatVector.SPECIES_PREFERRED.length() >= 16 && "512".equals(System.getProperty("llmkit.quant.vectorBits"))
          ? FloatVector.SPECIES_512
          : FloatVector.SPECIES_256;
  /** Weights per vector step. */
  private static final int L = F.length();
  /** L ints: one weight per float lane. */
  private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
  /** L bytes: one weight per float lane. */
  private static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class, VectorShape.forBitSize(8 * L));
  private static final VarHandle INT_LE = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
  private static final ThreadLocal<float[]> BLOCK = ThreadLocal.withInitial(() -> new float[256]);

  @Override
  public String toString() {
    return "Vector API, dequantize-and-FMA, " + F.vectorBitSize() + "-bit";
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
          y[r] = dotQ4_0(w, r * rowBytes, x, xsum, cols);
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

  @Override
  public void matvec(Q6KLevels w, float[] x, float[] y, int r0, int r1) {
    // W: (rows, cols) levels, x: (cols) -> y[r0..r1)
    for (int r = r0; r < r1; r++) {
      y[r] = dotQ6KLevels(w.q, w.scales, w.d, r, w.cols, x);
    }
  }

  /**
   * Σ W[row]·x for a Q6_K row held as {@link Q6KLevels}: per super-block d·Σ_16 sc·Σ (q − 32)·x, each
   * lane one sign extension and one conversion (no unpacking), two sub-blocks per step for two
   * independent chains, each 16 weights' sum scaled once by its int8 scale.
   */
  private static float dotQ6KLevels(byte[] q, byte[] sc, short[] d, int r, int cols, float[] x) {
    FloatVector t = FloatVector.zero(F);
    int o = r * cols;
    int s = o / 16;
    int blk = o / 256;
    for (int b = 0; b < cols; b += 256, blk++) {
      FloatVector t0 = FloatVector.zero(F);
      FloatVector t1 = FloatVector.zero(F);
      for (int j = 0; j < 256; j += 32, s += 2) {
        int i = o + b + j;
        int xi = b + j;
        FloatVector s0 = f(bytes(q, i)).mul(xv(x, xi));
        FloatVector s1 = f(bytes(q, i + 16)).mul(xv(x, xi + 16));
        for (int c = L; c < 16; c += L) {
          s0 = f(bytes(q, i + c)).fma(xv(x, xi + c), s0);
          s1 = f(bytes(q, i + 16 + c)).fma(xv(x, xi + 16 + c), s1);
        }
        t0 = s0.fma(FloatVector.broadcast(F, (float) sc[s]), t0);
        t1 = s1.fma(FloatVector.broadcast(F, (float) sc[s + 1]), t1);
      }
      t = t0.add(t1).fma(FloatVector.broadcast(F, Fp16.fromTable(d[blk])), t);
    }
    return t.reduceLanes(VectorOperators.ADD);
  }

  /** L signed bytes as L floats. */
  private static FloatVector f(ByteVector q) {
    return (FloatVector) q.convertShape(VectorOperators.B2F, F, 0);
  }

  private static ByteVector bytes(byte[] w, int i) {
    return ByteVector.fromArray(B, w, i);
  }

  private static FloatVector xv(float[] x, int i) {
    return FloatVector.fromArray(F, x, i);
  }

  /** Each 32-bit lane shifted right by n (the bytes' bits cross: mask each byte afterwards). */
  private static ByteVector shr(ByteVector v, int n) {
    return v.reinterpretAsInts().lanewise(VectorOperators.LSHR, n).reinterpretAsBytes();
  }

  /** Each 32-bit lane shifted left by n (mask each byte afterwards). */
  private static ByteVector shl(ByteVector v, int n) {
    return v.reinterpretAsInts().lanewise(VectorOperators.LSHL, n).reinterpretAsBytes();
  }

  private static int int32(byte[] w, int i) {
    return (int) INT_LE.get(w, i);
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
    FloatVector s = f(bytes(w, q)).mul(xv(x, b));
    for (int c = L; c < 32; c += L) {
      s = f(bytes(w, q + c)).fma(xv(x, b + c), s);
    }
    return s;
  }

  /** Σ W[row]·x for a Q4_0 row: per block d·(Σ q·x − 8·Σ x), q the unsigned nibbles. */
  private static float dotQ4_0(byte[] w, int off, float[] x, float[] xsum, int cols) {
    FloatVector t = FloatVector.zero(F);
    float corr = 0f;
    for (int b = 0; b < cols; b += 32, off += 18) {
      float d = Fp16.read(w, off);
      ByteVector v = bytes(w, off + 2);
      FloatVector s = f(v.and((byte) 0x0f)).mul(xv(x, b));
      s = f(shr(v, 4).and((byte) 0x0f)).fma(xv(x, b + 16), s);
      for (int c = L; c < 16; c += L) {
        v = bytes(w, off + 2 + c);
        s = f(v.and((byte) 0x0f)).fma(xv(x, b + c), s);
        s = f(shr(v, 4).and((byte) 0x0f)).fma(xv(x, b + 16 + c), s);
      }
      t = s.fma(FloatVector.broadcast(F, d), t);
      corr += d * xsum[b >> 5];
    }
    return t.reduceLanes(VectorOperators.ADD) - 8f * corr;
  }

  /** Σ W[row]·x for a Q4_K row: Σ_sub d·sc·Σ q·x − dmin·m·Σ x. */
  private static float dotQ4K(byte[] w, int off, float[] x, float[] xsum, int cols) {
    FloatVector t0 = FloatVector.zero(F);
    FloatVector t1 = FloatVector.zero(F);
    float mins = 0f;
    for (int b = 0; b < cols; b += 256, off += 144) {
      float d = Fp16.read(w, off);
      mins += Fp16.read(w, off + 2) * minSum(w, off + 4, xsum, b >> 5);
      int sc03 = scales03(w, off + 4);
      int sc47 = scales47(w, off + 4);
      for (int g = 0; g < 4; g++) {
        int q = off + 16 + 32 * g;
        int xb = b + 64 * g;
        ByteVector v = bytes(w, q);
        FloatVector lo = f(v.and((byte) 0x0f)).mul(xv(x, xb));
        FloatVector hi = f(shr(v, 4).and((byte) 0x0f)).mul(xv(x, xb + 32));
        for (int k = L; k < 32; k += L) {
          v = bytes(w, q + k);
          lo = f(v.and((byte) 0x0f)).fma(xv(x, xb + k), lo);
          hi = f(shr(v, 4).and((byte) 0x0f)).fma(xv(x, xb + 32 + k), hi);
        }
        int scales = g < 2 ? sc03 : sc47;
        int sh = 16 * (g & 1);
        t0 = lo.fma(FloatVector.broadcast(F, d * ((scales >>> sh) & 0xff)), t0);
        t1 = hi.fma(FloatVector.broadcast(F, d * ((scales >>> (sh + 8)) & 0xff)), t1);
      }
    }
    return t0.add(t1).reduceLanes(VectorOperators.ADD) - mins;
  }

  /*
   * The K-quants' 12 scale bytes at w[sc]: as ints a, m, c (little-endian), the 6-bit scales of
   * sub-blocks 0..3 are the bytes of a & 0x3f3f3f3f and their mins those of m & 0x3f3f3f3f; sub-blocks
   * 4..7 take their low four bits from c (scales low nibbles, mins high ones) and their top two from
   * the top two bits of a (scales) and m (mins). One byte per sub-block, as ggml's utmp.
   */

  /** The 6-bit scales of sub-blocks 0..3, one per byte. */
  private static int scales03(byte[] w, int sc) {
    return int32(w, sc) & 0x3f3f3f3f;
  }

  /** The 6-bit scales of sub-blocks 4..7, one per byte. */
  private static int scales47(byte[] w, int sc) {
    return (int32(w, sc + 8) & 0x0f0f0f0f) | ((int32(w, sc) >>> 2) & 0x30303030);
  }

  /** Σ_j min_j · Σ x over sub-block j, the eight 6-bit mins at w[sc] against xsum[xs..xs+8). */
  private static float minSum(byte[] w, int sc, float[] xsum, int xs) {
    int m = int32(w, sc + 4);
    int mn03 = m & 0x3f3f3f3f;
    int mn47 = ((int32(w, sc + 8) >>> 4) & 0x0f0f0f0f) | ((m >>> 2) & 0x30303030);
    return subSum(mn03, xsum, xs) + subSum(mn47, xsum, xs + 4);
  }

  /** Σ_j byte j of m · xsum[xs + j] over the four bytes of m. */
  private static float subSum(int m, float[] xsum, int xs) {
    return (m & 0xff) * xsum[xs] + ((m >>> 8) & 0xff) * xsum[xs + 1] + ((m >>> 16) & 0xff) * xsum[xs + 2]
        + (m >>> 24) * xsum[xs + 3];
  }

  /**
   * Σ W[row]·x for a Q6_K row: d·Σ_16 sc·Σ (q − 32)·x per super-block, q = low4 | high2 &lt;&lt; 4
   * assembled with int-lane shifts and byte masks, the −32 a byte subtraction ({@code vpsubb}), the
   * int8 scale sc multiplied in int lanes before the conversion to float (exact: |(q − 32)·sc| ≤
   * 4096; measured 6–10% faster than a float multiply per 16 weights). In each 128-weight half,
   * byte l of ql[32j..32j+31] holds weight 32j+l in its low nibble and 64+32j+l in its high one;
   * their two high bits are bits 2j, 2j+1 and 2j+4, 2j+5 of qh[l]. One loop body per j: a body with
   * all four quarters is too large for C2 to inline its Vector API calls
   * ({@code NodeCountInliningCutoff}), and then runs several times slower than the scalar code.
   */
  private static float dotQ6K(byte[] w, int off, float[] x, int cols) {
    FloatVector t = FloatVector.zero(F);
    for (int b = 0; b < cols; b += 256, off += 210) {
      FloatVector t0 = FloatVector.zero(F);
      FloatVector t1 = FloatVector.zero(F);
      for (int h = 0; h < 2; h++) {
        int qh = off + 128 + 32 * h;
        int sc = off + 192 + 8 * h;
        for (int j = 0; j < 2; j++) {
          int ql = off + 64 * h + 32 * j;
          int xb = b + 128 * h + 32 * j;
          for (int l = 0; l < 32; l += L) {
            ByteVector v = bytes(w, ql + l);
            ByteVector hb = shr(bytes(w, qh + l), 2 * j);
            ByteVector qa = v.and((byte) 0x0f).or(shl(hb, 4).and((byte) 0x30)).sub((byte) 32);
            ByteVector qb = shr(v, 4).and((byte) 0x0f).or(hb.and((byte) 0x30)).sub((byte) 32);
            int is = sc + 2 * j + l / 16; // one scale per 16 weights; L divides 16
            t0 = scaled(qa, w[is]).fma(xv(x, xb + l), t0);
            t1 = scaled(qb, w[is + 4]).fma(xv(x, xb + 64 + l), t1);
          }
        }
      }
      t = t0.add(t1).fma(FloatVector.broadcast(F, Fp16.read(w, off + 208)), t);
    }
    return t.reduceLanes(VectorOperators.ADD);
  }

  /** L signed bytes times the int sc, as L floats. */
  private static FloatVector scaled(ByteVector q, int sc) {
    IntVector i = (IntVector) q.convertShape(VectorOperators.B2I, I, 0);
    return (FloatVector) i.mul(sc).convert(VectorOperators.I2F, 0);
  }

  /** Σ W[row]·x for a Q5_K row: as Q4_K, with the fifth bit of each weight from qh. */
  private static float dotQ5K(byte[] w, int off, float[] x, float[] xsum, int cols) {
    FloatVector t0 = FloatVector.zero(F);
    FloatVector t1 = FloatVector.zero(F);
    float mins = 0f;
    for (int b = 0; b < cols; b += 256, off += 176) {
      float d = Fp16.read(w, off);
      mins += Fp16.read(w, off + 2) * minSum(w, off + 4, xsum, b >> 5);
      int sc03 = scales03(w, off + 4);
      int sc47 = scales47(w, off + 4);
      int qh = off + 16;
      for (int g = 0; g < 4; g++) {
        int q = off + 48 + 32 * g;
        int xb = b + 64 * g;
        FloatVector lo = FloatVector.zero(F);
        FloatVector hi = FloatVector.zero(F);
        for (int k = 0; k < 32; k += L) {
          ByteVector v = bytes(w, q + k);
          ByteVector hb = shr(bytes(w, qh + k), 2 * g); // bit 0: sub-block 2g, bit 1: 2g+1
          lo = f(v.and((byte) 0x0f).or(shl(hb, 4).and((byte) 0x10))).fma(xv(x, xb + k), lo);
          hi = f(shr(v, 4).and((byte) 0x0f).or(shl(hb, 3).and((byte) 0x10))).fma(xv(x, xb + 32 + k), hi);
        }
        int scales = g < 2 ? sc03 : sc47;
        int sh = 16 * (g & 1);
        t0 = lo.fma(FloatVector.broadcast(F, d * ((scales >>> sh) & 0xff)), t0);
        t1 = hi.fma(FloatVector.broadcast(F, d * ((scales >>> (sh + 8)) & 0xff)), t1);
      }
    }
    return t0.add(t1).reduceLanes(VectorOperators.ADD) - mins;
  }

  /** Any other type: each block dequantized into a scratch, then a float dot product. */
  private static float dotDequantized(QuantType t, byte[] w, int off, float[] x, int cols) {
    float[] block = BLOCK.get();
    int bs = t.blockSize();
    FloatVector s = FloatVector.zero(F);
    for (int b = 0; b < cols; b += bs, off += t.typeSize()) {
      t.codec.dequantize(w, off, block, 0);
      for (int i = 0; i < bs; i += L) {
        s = FloatVector.fromArray(F, block, i).fma(xv(x, b + i), s);
      }
    }
    return s.reduceLanes(VectorOperators.ADD);
  }
}
