package dev.llmkit.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Java Vector API implementation of {@link SimdKernels}. Loaded only by {@link Simd}, and only when
 * the {@code jdk.incubator.vector} module is present; never referenced directly elsewhere. It loads
 * from heap arrays only ({@code fromArray}), which is the one load every JDK from 17 to 25 has.
 */
final class VectorKernels implements SimdKernels {

  /**
   * The preferred species, capped at 256 bits, or at the system property {@code llmkit.simd.bits}
   * (128, 256 or 512; at most 512 so that two vectors fit in {@link #PAD}).
   *
   * <p>256 by default because on JDK 17 one JVM should use one vector shape: the Vector API's
   * {@code fma}, {@code add}, ... are virtual calls whose type profile is shared by every caller, so
   * with 512-bit kernels here and the 256-bit ones of {@link #matvec} and the quantized kernels,
   * C2 could not bind them statically and boxed every vector of the prefill attention's
   * {@code block4x4} (1.2 GB of garbage per 256-token GPT-2 prefill; on one thread that prefill ran
   * at 346 tokens/s of CPU time with 512-bit kernels, 801 with 256-bit ones, AMD EPYC with AVX-512).
   */
  private static final VectorSpecies<Float> F = VectorSpecies.of(float.class, VectorShape.forBitSize(
      Math.min(Math.min(FloatVector.SPECIES_PREFERRED.vectorBitSize(), 512),
          Integer.getInteger("llmkit.simd.bits", 256))));

  private static final int L = F.length();

  /**
   * The species of {@link #matvec}: at most 256 bits. On the development machine (AMD EPYC with
   * AVX-512, JDK 17) the 512-bit product streamed weights about 35% slower than the 256-bit one.
   */
  private static final VectorSpecies<Float> M =
      F.vectorBitSize() <= 256 ? F : FloatVector.SPECIES_256;

  private static final int ML = M.length();

  @Override
  public String toString() {
    return "Vector API, " + F.vectorBitSize() + "-bit";
  }

  @Override
  public void scores4(
      float[] q, int q0, int q1, int q2, int q3, float[] kt, int ktOff, int ktStride, int hd,
      float scale, float[] s, int sStride, int n) {
    // s: (4, n) = q: 4 rows of (hd) · kt: (hd, n), in blocks of 4 rows × 2 vectors of keys
    for (int j = 0; j < n; j += 2 * L) {
      FloatVector c00 = FloatVector.zero(F);
      FloatVector c01 = FloatVector.zero(F);
      FloatVector c10 = FloatVector.zero(F);
      FloatVector c11 = FloatVector.zero(F);
      FloatVector c20 = FloatVector.zero(F);
      FloatVector c21 = FloatVector.zero(F);
      FloatVector c30 = FloatVector.zero(F);
      FloatVector c31 = FloatVector.zero(F);
      int k = ktOff + j;
      for (int d = 0; d < hd; d++, k += ktStride) {
        FloatVector k0 = FloatVector.fromArray(F, kt, k);
        FloatVector k1 = FloatVector.fromArray(F, kt, k + L);
        FloatVector b = FloatVector.broadcast(F, q[q0 + d]);
        c00 = k0.fma(b, c00);
        c01 = k1.fma(b, c01);
        b = FloatVector.broadcast(F, q[q1 + d]);
        c10 = k0.fma(b, c10);
        c11 = k1.fma(b, c11);
        b = FloatVector.broadcast(F, q[q2 + d]);
        c20 = k0.fma(b, c20);
        c21 = k1.fma(b, c21);
        b = FloatVector.broadcast(F, q[q3 + d]);
        c30 = k0.fma(b, c30);
        c31 = k1.fma(b, c31);
      }
      c00.mul(scale).intoArray(s, j);
      c01.mul(scale).intoArray(s, j + L);
      c10.mul(scale).intoArray(s, sStride + j);
      c11.mul(scale).intoArray(s, sStride + j + L);
      c20.mul(scale).intoArray(s, 2 * sStride + j);
      c21.mul(scale).intoArray(s, 2 * sStride + j + L);
      c30.mul(scale).intoArray(s, 3 * sStride + j);
      c31.mul(scale).intoArray(s, 3 * sStride + j + L);
    }
  }

  @Override
  public void scores1(
      float[] q, int q0, float[] kt, int ktOff, int ktStride, int hd, float scale, float[] s, int sOff, int n) {
    // s: (n) = q: (hd) · kt: (hd, n), four vectors of keys at a time
    for (int j = 0; j < n; j += 4 * L) {
      combineRows4(q, q0, hd, kt, ktOff + j, ktStride, scale, s, sOff + j);
    }
  }

  /**
   * {@code out[o + e] = scale · Σ_{i<count} c[cOff+i] · m[mOff + i·mStride + e]} for {@code e < 4L}:
   * a combination of {@code count} rows of 4 vectors, in four independent fma chains. Row i of the
   * scores is a key dimension; of a weighted sum, a position.
   */
  private static void combineRows4(
      float[] c, int cOff, int count, float[] m, int mOff, int mStride, float scale, float[] out, int o) {
    FloatVector c0 = FloatVector.zero(F);
    FloatVector c1 = FloatVector.zero(F);
    FloatVector c2 = FloatVector.zero(F);
    FloatVector c3 = FloatVector.zero(F);
    int k = mOff;
    for (int i = 0; i < count; i++, k += mStride) {
      FloatVector b = FloatVector.broadcast(F, c[cOff + i]);
      c0 = FloatVector.fromArray(F, m, k).fma(b, c0);
      c1 = FloatVector.fromArray(F, m, k + L).fma(b, c1);
      c2 = FloatVector.fromArray(F, m, k + 2 * L).fma(b, c2);
      c3 = FloatVector.fromArray(F, m, k + 3 * L).fma(b, c3);
    }
    store4(c0.mul(scale), c1.mul(scale), c2.mul(scale), c3.mul(scale), out, o);
  }

  /**
   * {@inheritDoc}
   *
   * <p>A row's lanes are summed once, at its end ({@link #sumLanes}).
   */
  @Override
  public void matvec(float[] w, int k, float[] x, float[] y, int r0, int r1) {
    // y[r0..r1) = W[r0..r1, :] · x, four rows at a time: four independent load-fma streams, and each
    // loaded x vector is used four times
    int r = r0;
    for (; r + 4 <= r1; r += 4) {
      matvec4(w, k, x, y, r);
    }
    for (; r < r1; r++) {
      matvec1(w, k, x, y, r);
    }
  }

  /** {@code y[r..r+4) = W[r..r+4, :] · x}. */
  private static void matvec4(float[] w, int k, float[] x, float[] y, int r) {
    FloatVector a0 = FloatVector.zero(M);
    FloatVector a1 = FloatVector.zero(M);
    FloatVector a2 = FloatVector.zero(M);
    FloatVector a3 = FloatVector.zero(M);
    int b0 = r * k;
    int b1 = b0 + k;
    int b2 = b1 + k;
    int b3 = b2 + k;
    int kv = k - k % ML;
    for (int i = 0; i < kv; i += ML) {
      FloatVector xv = FloatVector.fromArray(M, x, i);
      a0 = FloatVector.fromArray(M, w, b0 + i).fma(xv, a0);
      a1 = FloatVector.fromArray(M, w, b1 + i).fma(xv, a1);
      a2 = FloatVector.fromArray(M, w, b2 + i).fma(xv, a2);
      a3 = FloatVector.fromArray(M, w, b3 + i).fma(xv, a3);
    }
    y[r] = tail(w, b0, x, kv, k, sumLanes(a0));
    y[r + 1] = tail(w, b1, x, kv, k, sumLanes(a1));
    y[r + 2] = tail(w, b2, x, kv, k, sumLanes(a2));
    y[r + 3] = tail(w, b3, x, kv, k, sumLanes(a3));
  }

  /** {@code y[r] = W[r, :] · x}, the same order of operations as one row of {@link #matvec4}. */
  private static void matvec1(float[] w, int k, float[] x, float[] y, int r) {
    FloatVector a = FloatVector.zero(M);
    int b = r * k;
    int kv = k - k % ML;
    for (int i = 0; i < kv; i += ML) {
      a = FloatVector.fromArray(M, w, b + i).fma(FloatVector.fromArray(M, x, i), a);
    }
    y[r] = tail(w, b, x, kv, k, sumLanes(a));
  }

  /**
   * Floats of W that {@link #matvecRows} brings into cache at a time (64 KB, well inside the 1 MB
   * L2 of the development machine, with the packed vectors beside it).
   */
  static final int TILE_FLOATS = 16_384;

  /** Vectors per group of {@link #matvec2x8}. */
  static final int GROUP = 8;

  /**
   * {@inheritDoc}
   *
   * <p>Each (vector, row of W) pair keeps its own accumulator, fed in the order {@link #matvec4}
   * feeds it, and its lanes are summed as there, so each element is bit for bit what {@link #matvec}
   * gives. W is taken a tile of {@link #TILE_FLOATS} at a time: first one load per cache line of
   * the tile ({@link #touch}), then the products over the tile, now in cache: groups of 8 vectors
   * from {@code packed} by pairs of W rows ({@link #matvec2x8}, 16 accumulators), the other vectors
   * by pairs of vectors ({@link #matvec4x2}). A product loop that also waits for memory keeps too
   * few cache lines in flight (it does 16 fmas per line of W): on the development machine the
   * touch pass plus the in-cache products took 0.8× the time of products streaming W themselves.
   */
  @Override
  public void matvecRows(float[] w, int k, float[][] xs, float[] packed, float[][] ys, int n, int r0, int r1) {
    int groups = packed == null ? 0 : n / GROUP;
    int kv = k - k % ML;
    int tile = Math.max(2, (TILE_FLOATS / k) & ~1);
    for (int t0 = r0; t0 < r1; t0 += tile) {
      int t1 = Math.min(t0 + tile, r1);
      touch(w, t0 * k, t1 * k);
      for (int g = 0; g < groups; g++) {
        int j = g * GROUP;
        int r = t0;
        for (; r + 2 <= t1; r += 2) {
          matvec2x8(w, k, packed, g * GROUP * kv, xs, ys, j, r);
        }
        if (r < t1) {
          for (int t = j; t < j + GROUP; t++) {
            matvec1(w, k, xs[t], ys[t], r);
          }
        }
      }
      matvecRowsPairs(w, k, xs, ys, n, t0, t1, groups * GROUP);
    }
  }

  /**
   * {@inheritDoc}
   *
   * <p>Groups of {@link #GROUP} vectors, each group's vector blocks interleaved: element i of
   * vector {@code j = g·GROUP + t} at {@code g·GROUP·kv + (i/ML)·GROUP·ML + t·ML + i%ML} for
   * {@code i < kv} (the whole vectors; the tail is read from {@code xs}). Null when n < GROUP.
   */
  @Override
  public float[] packRows(float[][] xs, int n, int k, float[] scratch) {
    int groups = n / GROUP;
    if (groups == 0) {
      return null;
    }
    int kv = k - k % ML;
    int len = groups * GROUP * kv;
    float[] p = scratch != null && scratch.length >= len ? scratch : new float[len];
    for (int g = 0; g < groups; g++) {
      int base = g * GROUP * kv;
      for (int t = 0; t < GROUP; t++) {
        float[] x = xs[g * GROUP + t];
        for (int i = 0; i < kv; i += ML) {
          System.arraycopy(x, i, p, base + i * GROUP + t * ML, ML);
        }
      }
    }
    return p;
  }

  /** Written only when a touched tile sums to NaN: keeps {@link #touch}'s loads. */
  @SuppressWarnings("unused")
  private static float touched;

  /**
   * One load per 64-byte line of {@code w[from..to)}, nothing else in the loop: many lines in
   * flight at once, so the tile streams in at the memory's bandwidth.
   */
  private static void touch(float[] w, int from, int to) {
    float s = 0f;
    for (int i = from; i < to; i += 16) {
      s += w[i];
    }
    if (s != s) {
      touched = s;
    }
  }

  /** Vectors {@code [j, n)} of {@link #matvecRows} in passes of 2 vectors ({@link #matvec4x2}), then one. */
  private static void matvecRowsPairs(
      float[] w, int k, float[][] xs, float[][] ys, int n, int r0, int r1, int j) {
    for (; j + 2 <= n; j += 2) {
      int r = r0;
      for (; r + 4 <= r1; r += 4) {
        matvec4x2(w, k, xs[j], xs[j + 1], ys[j], ys[j + 1], r);
      }
      for (; r < r1; r++) {
        matvec1(w, k, xs[j], ys[j], r);
        matvec1(w, k, xs[j + 1], ys[j + 1], r);
      }
    }
    if (j < n) {
      for (int r = r0; r + 4 <= r1; r += 4) {
        matvec4(w, k, xs[j], ys[j], r);
      }
      for (int r = r1 - (r1 - r0) % 4; r < r1; r++) {
        matvec1(w, k, xs[j], ys[j], r);
      }
    }
  }

  /**
   * {@code ys[j+t][r] = W[r, :]·xs[j+t]} and the same for row r+1, t = 0..7, the vectors read from
   * their packed group at {@code xp[p0..]} ({@link #packRows}); per element as {@link #matvec4}.
   * 16 accumulators (AVX-512 has 32 vector registers; on AVX2's 16 some spill, still correct); 2 W
   * loads and 8 vector loads, all sequential, per 16 fmas.
   */
  private static void matvec2x8(
      float[] w, int k, float[] xp, int p0, float[][] xs, float[][] ys, int j, int r) {
    FloatVector a0 = FloatVector.zero(M);
    FloatVector a1 = FloatVector.zero(M);
    FloatVector a2 = FloatVector.zero(M);
    FloatVector a3 = FloatVector.zero(M);
    FloatVector a4 = FloatVector.zero(M);
    FloatVector a5 = FloatVector.zero(M);
    FloatVector a6 = FloatVector.zero(M);
    FloatVector a7 = FloatVector.zero(M);
    FloatVector c0 = FloatVector.zero(M);
    FloatVector c1 = FloatVector.zero(M);
    FloatVector c2 = FloatVector.zero(M);
    FloatVector c3 = FloatVector.zero(M);
    FloatVector c4 = FloatVector.zero(M);
    FloatVector c5 = FloatVector.zero(M);
    FloatVector c6 = FloatVector.zero(M);
    FloatVector c7 = FloatVector.zero(M);
    int b0 = r * k;
    int b1 = b0 + k;
    int kv = k - k % ML;
    for (int i = 0, p = p0; i < kv; i += ML, p += GROUP * ML) {
      FloatVector w0 = FloatVector.fromArray(M, w, b0 + i);
      FloatVector w1 = FloatVector.fromArray(M, w, b1 + i);
      FloatVector u = FloatVector.fromArray(M, xp, p);
      a0 = w0.fma(u, a0);
      c0 = w1.fma(u, c0);
      u = FloatVector.fromArray(M, xp, p + 1 * ML);
      a1 = w0.fma(u, a1);
      c1 = w1.fma(u, c1);
      u = FloatVector.fromArray(M, xp, p + 2 * ML);
      a2 = w0.fma(u, a2);
      c2 = w1.fma(u, c2);
      u = FloatVector.fromArray(M, xp, p + 3 * ML);
      a3 = w0.fma(u, a3);
      c3 = w1.fma(u, c3);
      u = FloatVector.fromArray(M, xp, p + 4 * ML);
      a4 = w0.fma(u, a4);
      c4 = w1.fma(u, c4);
      u = FloatVector.fromArray(M, xp, p + 5 * ML);
      a5 = w0.fma(u, a5);
      c5 = w1.fma(u, c5);
      u = FloatVector.fromArray(M, xp, p + 6 * ML);
      a6 = w0.fma(u, a6);
      c6 = w1.fma(u, c6);
      u = FloatVector.fromArray(M, xp, p + 7 * ML);
      a7 = w0.fma(u, a7);
      c7 = w1.fma(u, c7);
    }
    // lanes summed with reduceLanes here, not through sumLanes: past C2's node-count inlining
    // cutoff a vector handed to a call that is not inlined is boxed (see benchmarks/README.md)
    ys[j + 0][r] = tail(w, b0, xs[j + 0], kv, k, a0.reduceLanes(VectorOperators.ADD));
    ys[j + 1][r] = tail(w, b0, xs[j + 1], kv, k, a1.reduceLanes(VectorOperators.ADD));
    ys[j + 2][r] = tail(w, b0, xs[j + 2], kv, k, a2.reduceLanes(VectorOperators.ADD));
    ys[j + 3][r] = tail(w, b0, xs[j + 3], kv, k, a3.reduceLanes(VectorOperators.ADD));
    ys[j + 4][r] = tail(w, b0, xs[j + 4], kv, k, a4.reduceLanes(VectorOperators.ADD));
    ys[j + 5][r] = tail(w, b0, xs[j + 5], kv, k, a5.reduceLanes(VectorOperators.ADD));
    ys[j + 6][r] = tail(w, b0, xs[j + 6], kv, k, a6.reduceLanes(VectorOperators.ADD));
    ys[j + 7][r] = tail(w, b0, xs[j + 7], kv, k, a7.reduceLanes(VectorOperators.ADD));
    ys[j + 0][r + 1] = tail(w, b1, xs[j + 0], kv, k, c0.reduceLanes(VectorOperators.ADD));
    ys[j + 1][r + 1] = tail(w, b1, xs[j + 1], kv, k, c1.reduceLanes(VectorOperators.ADD));
    ys[j + 2][r + 1] = tail(w, b1, xs[j + 2], kv, k, c2.reduceLanes(VectorOperators.ADD));
    ys[j + 3][r + 1] = tail(w, b1, xs[j + 3], kv, k, c3.reduceLanes(VectorOperators.ADD));
    ys[j + 4][r + 1] = tail(w, b1, xs[j + 4], kv, k, c4.reduceLanes(VectorOperators.ADD));
    ys[j + 5][r + 1] = tail(w, b1, xs[j + 5], kv, k, c5.reduceLanes(VectorOperators.ADD));
    ys[j + 6][r + 1] = tail(w, b1, xs[j + 6], kv, k, c6.reduceLanes(VectorOperators.ADD));
    ys[j + 7][r + 1] = tail(w, b1, xs[j + 7], kv, k, c7.reduceLanes(VectorOperators.ADD));
  }

  /** {@code y0[r..r+4) = W[r..r+4, :]·x0}, the same for x1; per element as {@link #matvec4}. */
  private static void matvec4x2(
      float[] w, int k, float[] x0, float[] x1, float[] y0, float[] y1, int r) {
    FloatVector a0 = FloatVector.zero(M);
    FloatVector a1 = FloatVector.zero(M);
    FloatVector a2 = FloatVector.zero(M);
    FloatVector a3 = FloatVector.zero(M);
    FloatVector c0 = FloatVector.zero(M);
    FloatVector c1 = FloatVector.zero(M);
    FloatVector c2 = FloatVector.zero(M);
    FloatVector c3 = FloatVector.zero(M);
    int b0 = r * k;
    int b1 = b0 + k;
    int b2 = b1 + k;
    int b3 = b2 + k;
    int kv = k - k % ML;
    for (int i = 0; i < kv; i += ML) {
      FloatVector u = FloatVector.fromArray(M, x0, i);
      FloatVector v = FloatVector.fromArray(M, x1, i);
      FloatVector w0 = FloatVector.fromArray(M, w, b0 + i);
      FloatVector w1 = FloatVector.fromArray(M, w, b1 + i);
      FloatVector w2 = FloatVector.fromArray(M, w, b2 + i);
      FloatVector w3 = FloatVector.fromArray(M, w, b3 + i);
      a0 = w0.fma(u, a0);
      c0 = w0.fma(v, c0);
      a1 = w1.fma(u, a1);
      c1 = w1.fma(v, c1);
      a2 = w2.fma(u, a2);
      c2 = w2.fma(v, c2);
      a3 = w3.fma(u, a3);
      c3 = w3.fma(v, c3);
    }
    y0[r] = tail(w, b0, x0, kv, k, sumLanes(a0));
    y0[r + 1] = tail(w, b1, x0, kv, k, sumLanes(a1));
    y0[r + 2] = tail(w, b2, x0, kv, k, sumLanes(a2));
    y0[r + 3] = tail(w, b3, x0, kv, k, sumLanes(a3));
    y1[r] = tail(w, b0, x1, kv, k, sumLanes(c0));
    y1[r + 1] = tail(w, b1, x1, kv, k, sumLanes(c1));
    y1[r + 2] = tail(w, b2, x1, kv, k, sumLanes(c2));
    y1[r + 3] = tail(w, b3, x1, kv, k, sumLanes(c3));
  }

  /** {@code s + Σ_{kv<=i<k} w[b+i]·x[i]}: the elements after the last whole vector. */
  private static float tail(float[] w, int b, float[] x, int kv, int k, float s) {
    for (int i = kv; i < k; i++) {
      s += w[b + i] * x[i];
    }
    return s;
  }

  /**
   * The sum of the lanes of {@code v}, {@code reduceLanes(ADD)}: on JDK 17 both C2 (x86's
   * {@code reduce8F}) and the interpreter add the lanes first to last, so the bits do not depend on
   * the execution mode. A sum through {@code intoArray}, through {@code lane(i)}, or a tree of
   * {@code rearrange}s measured 5-30% slower per product on the development machine.
   */
  private static float sumLanes(FloatVector v) {
    return v.reduceLanes(VectorOperators.ADD);
  }

  @Override
  public void weightedSum(
      float[] p, int pOff, int pStride, int rows, int n, float[] v, int vOff, int vStride, int hd, float[] o,
      int o0, int o1, int o2, int o3) {
    // o: rows × (hd) = p: rows × (n) · v: (n, hd) rows at vOff + j*vStride
    if (rows == 1 && hd % (4 * L) == 0) {
      weightedSum1(p, pOff, n, v, vOff, vStride, hd, o, o0);
      return;
    }
    int p0 = pOff;
    int p1 = pOff + (rows > 1 ? pStride : 0);
    int p2 = pOff + (rows > 2 ? 2 * pStride : 0);
    int p3 = pOff + (rows > 3 ? 3 * pStride : 0);
    int e = 0;
    for (; e + 4 * L <= hd; e += 4 * L) {
      block4x4(p, p0, p1, p2, p3, rows, n, v, vOff + e, vStride, o, o0 + e, o1 + e, o2 + e, o3 + e);
    }
    for (; e + L <= hd; e += L) {
      block4x1(p, p0, p1, p2, p3, rows, n, v, vOff + e, vStride, o, o0 + e, o1 + e, o2 + e, o3 + e);
    }
    for (; e < hd; e++) {
      int[] pr = {p0, p1, p2, p3};
      int[] or = {o0, o1, o2, o3};
      for (int r = 0; r < rows; r++) {
        float acc = 0f;
        for (int j = 0; j < n; j++) {
          acc += p[pr[r] + j] * v[vOff + j * vStride + e];
        }
        o[or[r] + e] = acc;
      }
    }
  }

  /**
   * One 4-vector-wide column block of {@link #weightedSum} for up to 4 rows (16 accumulators). Its
   * own method, so that C2 compiles the Vector API calls in it to registers: inside one large
   * method it ran out of inlining budget and boxed every vector (seen as allocation in JFR).
   */
  private static void block4x4(
      float[] p, int p0, int p1, int p2, int p3, int rows, int n, float[] v, int vOff, int vStride,
      float[] o, int o0, int o1, int o2, int o3) {
    FloatVector c00 = FloatVector.zero(F);
    FloatVector c01 = FloatVector.zero(F);
    FloatVector c02 = FloatVector.zero(F);
    FloatVector c03 = FloatVector.zero(F);
    FloatVector c10 = FloatVector.zero(F);
    FloatVector c11 = FloatVector.zero(F);
    FloatVector c12 = FloatVector.zero(F);
    FloatVector c13 = FloatVector.zero(F);
    FloatVector c20 = FloatVector.zero(F);
    FloatVector c21 = FloatVector.zero(F);
    FloatVector c22 = FloatVector.zero(F);
    FloatVector c23 = FloatVector.zero(F);
    FloatVector c30 = FloatVector.zero(F);
    FloatVector c31 = FloatVector.zero(F);
    FloatVector c32 = FloatVector.zero(F);
    FloatVector c33 = FloatVector.zero(F);
    int vr = vOff;
    for (int j = 0; j < n; j++, vr += vStride) {
      FloatVector v0 = FloatVector.fromArray(F, v, vr);
      FloatVector v1 = FloatVector.fromArray(F, v, vr + L);
      FloatVector v2 = FloatVector.fromArray(F, v, vr + 2 * L);
      FloatVector v3 = FloatVector.fromArray(F, v, vr + 3 * L);
      FloatVector b = FloatVector.broadcast(F, p[p0 + j]);
      c00 = v0.fma(b, c00);
      c01 = v1.fma(b, c01);
      c02 = v2.fma(b, c02);
      c03 = v3.fma(b, c03);
      b = FloatVector.broadcast(F, p[p1 + j]);
      c10 = v0.fma(b, c10);
      c11 = v1.fma(b, c11);
      c12 = v2.fma(b, c12);
      c13 = v3.fma(b, c13);
      b = FloatVector.broadcast(F, p[p2 + j]);
      c20 = v0.fma(b, c20);
      c21 = v1.fma(b, c21);
      c22 = v2.fma(b, c22);
      c23 = v3.fma(b, c23);
      b = FloatVector.broadcast(F, p[p3 + j]);
      c30 = v0.fma(b, c30);
      c31 = v1.fma(b, c31);
      c32 = v2.fma(b, c32);
      c33 = v3.fma(b, c33);
    }
    store4(c00, c01, c02, c03, o, o0);
    if (rows > 1) {
      store4(c10, c11, c12, c13, o, o1);
    }
    if (rows > 2) {
      store4(c20, c21, c22, c23, o, o2);
    }
    if (rows > 3) {
      store4(c30, c31, c32, c33, o, o3);
    }
  }

  /** One single-vector column block of {@link #weightedSum} for up to 4 rows. */
  private static void block4x1(
      float[] p, int p0, int p1, int p2, int p3, int rows, int n, float[] v, int vOff, int vStride,
      float[] o, int o0, int o1, int o2, int o3) {
    FloatVector c0 = FloatVector.zero(F);
    FloatVector c1 = FloatVector.zero(F);
    FloatVector c2 = FloatVector.zero(F);
    FloatVector c3 = FloatVector.zero(F);
    int vr = vOff;
    for (int j = 0; j < n; j++, vr += vStride) {
      FloatVector v0 = FloatVector.fromArray(F, v, vr);
      c0 = v0.fma(FloatVector.broadcast(F, p[p0 + j]), c0);
      c1 = v0.fma(FloatVector.broadcast(F, p[p1 + j]), c1);
      c2 = v0.fma(FloatVector.broadcast(F, p[p2 + j]), c2);
      c3 = v0.fma(FloatVector.broadcast(F, p[p3 + j]), c3);
    }
    c0.intoArray(o, o0);
    if (rows > 1) {
      c1.intoArray(o, o1);
    }
    if (rows > 2) {
      c2.intoArray(o, o2);
    }
    if (rows > 3) {
      c3.intoArray(o, o3);
    }
  }


  /** {@link #weightedSum} of one row when hd is a multiple of 4 vectors (scale 1 is exact). */
  private static void weightedSum1(float[] p, int pOff, int n, float[] v, int vOff, int vStride, int hd, float[] o, int o0) {
    for (int e = 0; e < hd; e += 4 * L) {
      combineRows4(p, pOff, n, v, vOff + e, vStride, 1f, o, o0 + e);
    }
  }

  private static void store4(FloatVector a, FloatVector b, FloatVector c, FloatVector d, float[] o, int off) {
    a.intoArray(o, off);
    b.intoArray(o, off + L);
    c.intoArray(o, off + 2 * L);
    d.intoArray(o, off + 3 * L);
  }

  /**
   * {@inheritDoc}
   *
   * <p>Uses its own exp (Cephes' expf polynomial, relative error about 2e-7 for arguments in
   * [-87, 0]) built from lane-wise adds, multiplies, fmas and conversions only, and sums the lanes
   * in a fixed order: unlike {@code lanewise(EXP)} and {@code reduceLanes(ADD)}, whose results can
   * differ between the interpreted and the JIT-compiled Vector API, these give the same bits in every
   * execution mode, which keeps the kernels reproducible.
   */
  @Override
  public float expAndSum(float[] s, int off, int n, float max) {
    int bound = F.loopBound(n);
    FloatVector acc = FloatVector.zero(F);
    int j = 0;
    for (; j < bound; j += L) {
      // exp(x), the operations of exp(FloatVector) written out: with the call, expAndSum was small
      // enough for C2 to inline into its callers (the attention kernels' loops), where, on JDK 17
      // with 512-bit vectors, it then boxed every vector: ~75 MB of garbage per causal attention of
      // 1024 tokens (AttentionBenchmark -prof gc), 1 MB now, at the same speed. Written out, this
      // method is too big to inline and is compiled on its own, with every vector in registers.
      FloatVector x = FloatVector.fromArray(F, s, off + j).sub(max);
      var tiny = x.compare(VectorOperators.LT, MIN_ARG);
      FloatVector xc = x.max(MIN_ARG);
      FloatVector t = xc.fma(FloatVector.broadcast(F, LOG2E), FloatVector.broadcast(F, ROUND));
      FloatVector nf = t.sub(ROUND);
      FloatVector r = nf.fma(FloatVector.broadcast(F, -LN2_HI), xc);
      r = nf.fma(FloatVector.broadcast(F, -LN2_LO), r);
      FloatVector p = FloatVector.broadcast(F, 1.9875691500e-4f);
      p = p.fma(r, FloatVector.broadcast(F, 1.3981999507e-3f));
      p = p.fma(r, FloatVector.broadcast(F, 8.3334519073e-3f));
      p = p.fma(r, FloatVector.broadcast(F, 4.1665795894e-2f));
      p = p.fma(r, FloatVector.broadcast(F, 1.6666665459e-1f));
      p = p.fma(r, FloatVector.broadcast(F, 5.0000001201e-1f));
      FloatVector e = p.mul(r).fma(r, r).add(1f);
      FloatVector pow2 =
          t.reinterpretAsInts().sub(ROUND_BITS - 127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
      x = e.mul(pow2).blend(0f, tiny);
      x.intoArray(s, off + j);
      acc = acc.add(x);
    }
    float[] lanes = new float[L];
    acc.intoArray(lanes, 0);
    float sum = 0f;
    for (int i = 0; i < L; i++) {
      sum += lanes[i];
    }
    for (; j < n; j++) {
      float e = expScalar(s[off + j] - max);
      s[off + j] = e;
      sum += e;
    }
    return sum;
  }

  private static final float LOG2E = 1.44269504088896341f;
  private static final float LN2_HI = 0.693359375f;
  private static final float LN2_LO = -2.12194440e-4f;
  private static final float MIN_ARG = -87.3f;
  /** 1.5·2^23: adding it rounds a float of magnitude below 2^22 to an integer (ties to even). */
  private static final float ROUND = 12582912f;
  private static final int ROUND_BITS = Float.floatToRawIntBits(ROUND);

  /**
   * exp(x) for x <= 0 (as softmax needs after subtracting the max); 0 below -87.3 and for -∞.
   * {@link #expAndSum} holds the same operations written out (see there why).
   */
  private static FloatVector exp(FloatVector x) {
    var tiny = x.compare(VectorOperators.LT, MIN_ARG);
    FloatVector xc = x.max(MIN_ARG);
    // n = round(x·log2e) by the round-to-integer constant ROUND (1.5·2^23, whose ulp is 1): t holds
    // ROUND + n exactly, so n comes out of t's bits without a float-int conversion (which JDK 17's
    // Vector API does not compile to SIMD instructions; reinterpretation and shifts it does)
    FloatVector t = xc.fma(FloatVector.broadcast(F, LOG2E), FloatVector.broadcast(F, ROUND));
    FloatVector nf = t.sub(ROUND);
    // r = x - n·ln2
    FloatVector r = nf.fma(FloatVector.broadcast(F, -LN2_HI), xc);
    r = nf.fma(FloatVector.broadcast(F, -LN2_LO), r);
    FloatVector p = FloatVector.broadcast(F, 1.9875691500e-4f);
    p = p.fma(r, FloatVector.broadcast(F, 1.3981999507e-3f));
    p = p.fma(r, FloatVector.broadcast(F, 8.3334519073e-3f));
    p = p.fma(r, FloatVector.broadcast(F, 4.1665795894e-2f));
    p = p.fma(r, FloatVector.broadcast(F, 1.6666665459e-1f));
    p = p.fma(r, FloatVector.broadcast(F, 5.0000001201e-1f));
    FloatVector e = p.mul(r).fma(r, r).add(1f);
    // 2^n: (n + 127) << 23 as float bits, n + 127 = bits(t) - bits(ROUND) + 127
    FloatVector pow2 =
        t.reinterpretAsInts().sub(ROUND_BITS - 127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
    return e.mul(pow2).blend(0f, tiny);
  }

  private static final float SQRT_2_OVER_PI = (float) Math.sqrt(2.0 / Math.PI);
  private static final float GELU_CUBIC = 0.044715f;

  /** σ(2u) for GELU's u, from exp of a non-positive argument only (the domain of {@link #exp}). */
  private static FloatVector sigmoid2u(FloatVector x) {
    // z = 2u = 2·√(2/π)·(x + 0.044715·x³); σ(z) = (z >= 0 ? 1 : t) / (1 + t), t = e^(-|z|)
    FloatVector z = x.mul(x).mul(GELU_CUBIC * 2 * SQRT_2_OVER_PI).fma(x, x.mul(2 * SQRT_2_OVER_PI));
    FloatVector t = exp(z.abs().neg());
    FloatVector num = t.blend(1f, z.compare(VectorOperators.GE, 0f));
    return num.div(t.add(1f));
  }

  @Override
  public void geluTanh(float[] x, float[] out, int n) {
    for (int i = 0; i < n; i += L) {
      FloatVector v = FloatVector.fromArray(F, x, i);
      v.mul(sigmoid2u(v)).intoArray(out, i);
    }
  }

  @Override
  public void geluTanhGrad(float[] x, float[] dout, float[] dx, int n) {
    for (int i = 0; i < n; i += L) {
      FloatVector v = FloatVector.fromArray(F, x, i);
      FloatVector s = sigmoid2u(v);
      // du/dx = √(2/π)·(1 + 3·0.044715·x²); d/dx = s + x·2s(1−s)·du/dx
      FloatVector du = v.mul(v).mul(3 * GELU_CUBIC * SQRT_2_OVER_PI).add(SQRT_2_OVER_PI);
      FloatVector g = v.mul(s.mul(2f)).mul(s.neg().add(1f)).fma(du, s);
      FloatVector.fromArray(F, dout, i).fma(g, FloatVector.fromArray(F, dx, i)).intoArray(dx, i);
    }
  }

  private static final float INV_SQRT_2 = (float) (1.0 / Math.sqrt(2.0));

  @Override
  public void geluErf(float[] x, float[] out, int n) {
    for (int i = 0; i < n; i += L) {
      FloatVector v = FloatVector.fromArray(F, x, i);
      // erfc(z), z = -x/√2: a = |z|, t = 1/(1 + a/2), r = t·exp(-a² + poly(t)); z < 0: 2 - r
      FloatVector z = v.mul(-INV_SQRT_2);
      FloatVector a = z.abs();
      FloatVector t = a.fma(FloatVector.broadcast(F, 0.5f), FloatVector.broadcast(F, 1f));
      t = FloatVector.broadcast(F, 1f).div(t);
      FloatVector p = FloatVector.broadcast(F, 0.17087277f);
      p = p.fma(t, FloatVector.broadcast(F, -0.82215223f));
      p = p.fma(t, FloatVector.broadcast(F, 1.48851587f));
      p = p.fma(t, FloatVector.broadcast(F, -1.13520398f));
      p = p.fma(t, FloatVector.broadcast(F, 0.27886807f));
      p = p.fma(t, FloatVector.broadcast(F, -0.18628806f));
      p = p.fma(t, FloatVector.broadcast(F, 0.09678418f));
      p = p.fma(t, FloatVector.broadcast(F, 0.37409196f));
      p = p.fma(t, FloatVector.broadcast(F, 1.00002368f));
      p = p.fma(t, FloatVector.broadcast(F, -1.26551223f));
      FloatVector r = t.mul(exp(a.mul(a).neg().add(p)));
      FloatVector erfc = r.blend(r.neg().add(2f), z.compare(VectorOperators.LT, 0f));
      v.mul(0.5f).mul(erfc).intoArray(out, i);
    }
  }

  /** The scalar twin of {@link #exp(FloatVector)}, same operations, same bits. */
  private static float expScalar(float x) {
    if (x < MIN_ARG) {
      return 0f;
    }
    float t = Math.fma(x, LOG2E, ROUND);
    float nf = t - ROUND;
    float r = Math.fma(nf, -LN2_HI, x);
    r = Math.fma(nf, -LN2_LO, r);
    float p = 1.9875691500e-4f;
    p = Math.fma(p, r, 1.3981999507e-3f);
    p = Math.fma(p, r, 8.3334519073e-3f);
    p = Math.fma(p, r, 4.1665795894e-2f);
    p = Math.fma(p, r, 1.6666665459e-1f);
    p = Math.fma(p, r, 5.0000001201e-1f);
    float e = Math.fma(p * r, r, r) + 1f;
    return e * Float.intBitsToFloat((Float.floatToRawIntBits(t) - ROUND_BITS + 127) << 23);
  }

  @Override
  public void scale(float[] s, int off, int n, float f) {
    int bound = F.loopBound(n);
    int j = 0;
    for (; j < bound; j += L) {
      FloatVector.fromArray(F, s, off + j).mul(f).intoArray(s, off + j);
    }
    for (; j < n; j++) {
      s[off + j] *= f;
    }
  }
}
