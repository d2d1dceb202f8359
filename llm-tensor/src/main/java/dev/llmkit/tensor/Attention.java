package dev.llmkit.tensor;

import dev.llmkit.tensor.kernel.Parallel;

import java.nio.FloatBuffer;

/**
 * Scaled dot-product multi-head attention (Vaswani et al. 2017) with grouped-query attention
 * (Ainslie et al. 2023): {@code out_h = softmax(q_h·k_gᵀ / sqrt(headDim) + mask)·v_g}, where query
 * head {@code h} uses key/value head {@code g = h / (nHeads / nKvHeads)}.
 *
 * <p>Heads are interleaved in each row as the projections produce them: {@code q: (T, nHeads*hd)},
 * {@code k, v: (S, nKvHeads*hd)} with {@code S >= keyLength} (k and v may be a larger KV cache; rows
 * {@code 0..keyLength-1} are the keys), {@code out: (T, nHeads*hd)}. Query row {@code i} sits at
 * absolute position {@code queryStart + i}, which the causal mask compares with key positions.
 *
 * <p>The forward pass is fused: when no probabilities are requested it never materialises a
 * {@code T×S} score matrix per head; it works one (head, query row) at a time with a scratch row
 * of {@code keyLength} scores, multithreaded over (head, query row) blocks. A query row that may
 * see no key at all (everything padded) gets a zero output.
 */
public final class Attention {

  private Attention() {}

  /**
   * Forward pass.
   *
   * @param q {@code (T, nHeads*hd)} queries
   * @param k {@code (S, nKvHeads*hd)} keys, {@code S >= keyLength}
   * @param v {@code (S, nKvHeads*hd)} values
   * @param nHeads number of query heads
   * @param nKvHeads number of key/value heads; divides {@code nHeads}
   * @param mask which keys each query may see
   * @param keyLength number of keys (rows of k and v) in use
   * @param queryStart absolute position of query row 0
   * @param out {@code (T, nHeads*hd)} output, overwritten
   * @param probs {@code (nHeads, T, keyLength)} attention probabilities (written; masked entries 0),
   *     or null when not needed (then none are materialised)
   */
  public static void forward(
      Tensor q, Tensor k, Tensor v, int nHeads, int nKvHeads, AttentionMask mask, int keyLength,
      int queryStart, Tensor out, Tensor probs) {
    forward(q, k, v, nHeads, nKvHeads, mask, keyLength, queryStart, out, probs, Simd.kernelsOrScalar());
  }

  /** {@link #forward} with the given inner-loop kernels (tests run both implementations). */
  static void forward(
      Tensor q, Tensor k, Tensor v, int nHeads, int nKvHeads, AttentionMask mask, int keyLength,
      int queryStart, Tensor out, Tensor probs, SimdKernels kern) {
    Dims d = check("Attention.forward", q, k, v, nHeads, nKvHeads, mask, keyLength, queryStart);
    requireShape("Attention.forward", "out", out, d.t, d.c);
    if (probs != null) {
      requireShape("Attention.forward", "probs", probs, nHeads, d.t, keyLength);
    }
    // q: (T, C), k, v: (keyLength, Ckv) -> out: (T, C), probs: (nHeads, T, keyLength)
    if (d.t < ROWS) {
      decode(d, q, k, v, nHeads, mask, keyLength, queryStart, out, probs, kern);
      return;
    }
    final int t = d.t;
    final int hd = d.hd;
    final int sp = padded(keyLength);
    // per-thread scratch (RowScratch slots): Q, KT, VP, OUT here; S in the loop body
    final float[] qa = RowScratch.load(Q, q, t * d.c);
    final float[] kt = transposedKeys(k, keyLength, nKvHeads, hd, sp, KT);
    final float[] vp = headMajor(v, keyLength, nKvHeads, hd, VP);
    final float[] oa = RowScratch.get(OUT, t * d.c); // every (row, head) is written below
    final FloatBuffer pb = probs == null ? null : probs.buffer();
    final int blocks = (t + ROWS - 1) / ROWS;
    Parallel.forRange(nHeads * blocks, (long) ROWS * keyLength * hd, (from, to) -> {
      float[] s = RowScratch.get(S, ROWS * sp);
      int[] qOff = new int[ROWS];
      int[] ends = new int[ROWS];
      for (int idx = from; idx < to; idx++) {
        int h = idx / blocks;
        int i0 = balancedRow(idx % blocks, blocks) * ROWS;
        int rows = Math.min(ROWS, t - i0);
        int kvh = h / d.group;
        int n = 0;
        for (int r = 0; r < ROWS; r++) {
          int i = i0 + Math.min(r, rows - 1);
          qOff[r] = i * d.c + h * hd;
          ends[r] = mask.keyEnd(queryStart + i, keyLength);
          n = Math.max(n, ends[r]);
        }
        // s: (ROWS, n) scores -> probabilities, row r valid up to ends[r]
        kern.scores4(qa, qOff[0], qOff[1], qOff[2], qOff[3], kt, kvh * hd * sp, sp, hd, d.scale, s, sp, n);
        for (int r = 0; r < rows; r++) {
          softmaxRow(kern, s, r * sp, ends[r], n, mask);
        }
        kern.weightedSum(s, 0, sp, rows, n, vp, kvh * keyLength * hd, hd, hd, oa, qOff[0], qOff[1], qOff[2], qOff[3]);
        if (pb != null) {
          for (int r = 0; r < rows; r++) {
            int base = (h * t + i0 + r) * keyLength;
            for (int j = 0; j < keyLength; j++) {
              pb.put(base + j, j < n ? s[r * sp + j] : 0f);
            }
          }
        }
      }
    });
    out.buffer().put(0, oa, 0, t * d.c);
  }

  /**
   * The few-query path of decoding (T < {@link #ROWS}): per query row and head, the scores are one
   * BLAS {@code sgemv} over the head's strided columns of the (possibly much larger) KV cache, and
   * the output another; nothing of k or v is copied or transposed.
   */
  private static void decode(
      Dims d, Tensor q, Tensor k, Tensor v, int nHeads, AttentionMask mask, int keyLength,
      int queryStart, Tensor out, Tensor probs, SimdKernels kern) {
    final int sLen = Math.max(1, keyLength);
    // one scratch row of scores per head, off-heap for BLAS
    final Tensor scratch = Tensor.zeros(nHeads, sLen);
    final FloatBuffer ob = out.buffer();
    final FloatBuffer pb = probs == null ? null : probs.buffer();
    for (int i = 0; i < d.t; i++) {
      final int row = i;
      final int end = mask.keyEnd(queryStart + i, keyLength);
      // heads in parallel: each writes only its own scratch row and its own slice of out[i]
      Parallel.forRange(nHeads, 2L * end * d.hd, (from, to) -> {
        float[] s = new float[sLen];
        FloatBuffer sb = scratch.buffer();
        for (int h = from; h < to; h++) {
          int kvCol = (h / d.group) * d.hd;
          int qOff = row * d.c + h * d.hd;
          long sAddr = scratch.address() + 4L * h * sLen;
          if (end > 0) {
            // s: (end) = scale · k[0:end, kvCol:kvCol+hd] · q[i, h]
            Blas.sgemv(end, d.hd, d.scale, k.address() + 4L * kvCol, d.ckv, q.address() + 4L * qOff, 0f, sAddr);
            sb.get(h * sLen, s, 0, end);
          }
          softmaxRow(kern, s, 0, end, end, mask);
          boolean any = false;
          for (int j = 0; j < end && !any; j++) {
            any = s[j] != 0f;
          }
          if (any) {
            sb.put(h * sLen, s, 0, end);
            // out[i, h]: (hd) = v[0:end, kvCol:kvCol+hd]ᵀ · p
            Blas.sgemvTrans(end, d.hd, 1f, v.address() + 4L * kvCol, d.ckv, sAddr, 0f, out.address() + 4L * qOff);
          } else {
            for (int e = 0; e < d.hd; e++) {
              ob.put(qOff + e, 0f);
            }
          }
          if (pb != null) {
            int base = (h * d.t + row) * keyLength;
            for (int j = 0; j < keyLength; j++) {
              pb.put(base + j, j < end ? s[j] : 0f);
            }
          }
        }
      });
    }
  }

  /** Query rows per work item: the SIMD kernels' register block. */
  private static final int ROWS = 4;

  // RowScratch slots: distinct for arrays live at the same time on one thread
  private static final int Q = 0;
  private static final int KT = 1;
  private static final int VP = 2;
  private static final int OUT = 3;
  private static final int ROWS_COPY = 4;
  private static final int PA = 5;
  private static final int GA = 6;
  private static final int DST = 7;
  private static final int PT = 8;
  private static final int DK = 9;
  private static final int DV = 10;
  /** Loop bodies: S (scores) in forward and backward pass 1, TMP in pass 2, never both at once. */
  private static final int S = 11;
  private static final int TMP = 11;

  /**
   * In place: scores {@code s[off .. off+end)} become softmax probabilities over the keys the mask
   * allows (others 0), and {@code s[off+end .. off+n)} become 0. A row that may see no key is all 0.
   */
  private static void softmaxRow(SimdKernels kern, float[] s, int off, int end, int n, AttentionMask mask) {
    if (mask.hasPadding()) {
      for (int j = 0; j < end; j++) {
        if (!mask.keyValid(j)) {
          s[off + j] = Float.NEGATIVE_INFINITY;
        }
      }
    }
    float max = Float.NEGATIVE_INFINITY;
    for (int j = 0; j < end; j++) {
      max = Math.max(max, s[off + j]);
    }
    if (max == Float.NEGATIVE_INFINITY) {
      java.util.Arrays.fill(s, off, off + n, 0f);
      return;
    }
    float sum = kern.expAndSum(s, off, end, max);
    kern.scale(s, off, end, 1f / sum);
    java.util.Arrays.fill(s, off + end, off + n, 0f);
  }

  /**
   * Keys of each kv head transposed: {@code kt[(g*hd + e)*sp + j] = k[j, g*hd + e]}, zero-padded.
   * Built in tiles of 64 keys so that both the reads and the writes stay in cache.
   */
  private static float[] transposedKeys(Tensor k, int keyLength, int nKvHeads, int hd, int sp, int slot) {
    int ckv = nKvHeads * hd;
    float[] ka = RowScratch.load(ROWS_COPY, k, keyLength * ckv);
    float[] kt = RowScratch.get(slot, ckv * sp);
    Parallel.forRange(ckv, keyLength, (from, to) -> {
      for (int c = from; c < to; c++) {
        java.util.Arrays.fill(kt, c * sp + keyLength, (c + 1) * sp, 0f);
      }
      for (int j0 = 0; j0 < keyLength; j0 += 64) {
        int j1 = Math.min(keyLength, j0 + 64);
        for (int c = from; c < to; c++) {
          int o = c * sp;
          for (int j = j0; j < j1; j++) {
            kt[o + j] = ka[j * ckv + c];
          }
        }
      }
    });
    return kt;
  }

  /** Rows {@code 0..keyLength-1} of k or v regrouped per kv head: {@code (nKvHeads, keyLength, hd)}. */
  private static float[] headMajor(Tensor x, int keyLength, int nKvHeads, int hd, int slot) {
    float[] out = RowScratch.get(slot, nKvHeads * keyLength * hd);
    FloatBuffer b = x.buffer();
    int ckv = nKvHeads * hd;
    for (int g = 0; g < nKvHeads; g++) {
      for (int j = 0; j < keyLength; j++) {
        b.get(j * ckv + g * hd, out, (g * keyLength + j) * hd, hd);
      }
    }
    return out;
  }

  /**
   * Row stride of transposed keys and score rows: {@code n} rounded up to a multiple of {@link
   * SimdKernels#PAD}, plus 16 floats so that successive rows do not fall on the same cache sets
   * (a stride of exactly 4 KiB would make the 64 rows a score block reads thrash L1).
   */
  private static int padded(int n) {
    return (n + SimdKernels.PAD - 1) / SimdKernels.PAD * SimdKernels.PAD + 16;
  }



  /**
   * Backward pass. Adds (+=) into {@code dq}, {@code dk}, {@code dv} (each may be null).
   * Training calls it with {@code T == keyLength} and {@code queryStart == 0}; other values work
   * the same way.
   *
   * @param probs the probabilities the forward pass saved, {@code (nHeads, T, keyLength)}, or null
   *     to recompute them
   * @param dout {@code (T, nHeads*hd)} gradient of the output
   * @param dq {@code (T, nHeads*hd)} or null
   * @param dk {@code (S, nKvHeads*hd)} (rows {@code 0..keyLength-1} receive gradient) or null
   * @param dv like {@code dk}, or null
   */
  public static void backward(
      Tensor q, Tensor k, Tensor v, int nHeads, int nKvHeads, AttentionMask mask, int keyLength,
      int queryStart, Tensor probs, Tensor dout, Tensor dq, Tensor dk, Tensor dv) {
    backward(q, k, v, nHeads, nKvHeads, mask, keyLength, queryStart, probs, dout, dq, dk, dv,
        Simd.kernelsOrScalar());
  }

  /** {@link #backward} with the given inner-loop kernels (tests run both implementations). */
  static void backward(
      Tensor q, Tensor k, Tensor v, int nHeads, int nKvHeads, AttentionMask mask, int keyLength,
      int queryStart, Tensor probs, Tensor dout, Tensor dq, Tensor dk, Tensor dv, SimdKernels kern) {
    String op = "Attention.backward";
    Dims d = check(op, q, k, v, nHeads, nKvHeads, mask, keyLength, queryStart);
    requireShape(op, "dout", dout, d.t, d.c);
    if (dq != null) {
      requireShape(op, "dq", dq, d.t, d.c);
    }
    if (dk != null && (dk.rank() != 2 || dk.dim(1) != d.ckv || dk.dim(0) < keyLength)) {
      throw new IllegalArgumentException(
          op + ": dk " + dk.shapeString() + " does not match k " + k.shapeString()
              + " (expected (>=" + keyLength + ", " + d.ckv + "))");
    }
    if (dv != null && (dv.rank() != 2 || dv.dim(1) != d.ckv || dv.dim(0) < keyLength)) {
      throw new IllegalArgumentException(
          op + ": dv " + dv.shapeString() + " does not match v " + v.shapeString()
              + " (expected (>=" + keyLength + ", " + d.ckv + "))");
    }
    final int t = d.t;
    final int hd = d.hd;
    final int sLen = keyLength;
    final int sp = padded(sLen);
    final float[] pa;
    if (probs != null) {
      requireShape(op, "probs", probs, nHeads, t, keyLength);
      pa = RowScratch.load(PA, probs, nHeads * t * keyLength);
    } else {
      Tensor p = Tensor.zeros(nHeads, t, keyLength);
      forward(q, k, v, nHeads, nKvHeads, mask, keyLength, queryStart, Tensor.zeros(t, d.c), p, kern);
      pa = RowScratch.load(PA, p, nHeads * t * keyLength);
    }
    // per-thread scratch (RowScratch slots): Q, VP (k head-major), KT (v transposed), GA, DQ, DST,
    // PT, DK, DV here; S and TMP in the loop bodies
    final float[] qa = RowScratch.load(Q, q, t * d.c);
    final float[] kp = headMajor(k, keyLength, nKvHeads, hd, VP);
    final float[] vt = transposedKeys(v, keyLength, nKvHeads, hd, sp, KT);
    final float[] ga = RowScratch.load(GA, dout, t * d.c);
    final float[] dqa = RowScratch.zeroed(OUT, t * d.c);
    final boolean needK = dk != null;
    final boolean needV = dv != null;
    // transposed per head: dsT[h, j, i] = scale · dL/dscore[h, i, j], pT[h, j, i] = P[h, i, j]
    final float[] dsT = needK ? RowScratch.zeroed(DST, nHeads * sLen * t) : null;
    final float[] pT = needV ? RowScratch.zeroed(PT, nHeads * sLen * t) : null;
    final int blocks = (t + ROWS - 1) / ROWS;

    // Pass 1, per (head, block of query rows): dP = dout·vᵀ, dS = P∘(dP − Σ_j P∘dP)·scale,
    // dq = dS·k; dS and P are also stored transposed for pass 2.
    Parallel.forRange(nHeads * blocks, 3L * ROWS * sLen * hd, (from, to) -> {
      float[] s = RowScratch.get(S, ROWS * sp);
      int[] gOff = new int[ROWS];
      int[] ends = new int[ROWS];
      for (int idx = from; idx < to; idx++) {
        int h = idx / blocks;
        int i0 = balancedRow(idx % blocks, blocks) * ROWS;
        int rows = Math.min(ROWS, t - i0);
        int kvh = h / d.group;
        int n = 0;
        for (int r = 0; r < ROWS; r++) {
          int i = i0 + Math.min(r, rows - 1);
          gOff[r] = i * d.c + h * hd;
          ends[r] = mask.keyEnd(queryStart + i, keyLength);
          n = Math.max(n, ends[r]);
        }
        // s: (ROWS, n) = dout rows · vᵀ
        kern.scores4(ga, gOff[0], gOff[1], gOff[2], gOff[3], vt, kvh * hd * sp, sp, hd, 1f, s, sp, n);
        for (int r = 0; r < rows; r++) {
          int i = i0 + r;
          int prow = (h * t + i) * sLen;
          int srow = r * sp;
          float dot = 0f;
          for (int j = 0; j < ends[r]; j++) {
            dot += pa[prow + j] * s[srow + j];
          }
          for (int j = 0; j < n; j++) {
            float p = j < ends[r] ? pa[prow + j] : 0f;
            float g = p == 0f ? 0f : p * (s[srow + j] - dot) * d.scale;
            s[srow + j] = g;
            if (dsT != null) {
              dsT[(h * sLen + j) * t + i] = g;
            }
            if (pT != null) {
              pT[(h * sLen + j) * t + i] = p;
            }
          }
        }
        // dq rows (head h) = dS · k
        kern.weightedSum(s, 0, sp, rows, n, kp, kvh * keyLength * hd, hd, hd, dqa, gOff[0], gOff[1], gOff[2], gOff[3]);
      }
    });

    // Pass 2, per (kv head, block of keys): dk_j = Σ_h Σ_i dS[h,i,j]·q_i, dv_j = Σ_h Σ_i P[h,i,j]·dout_i.
    final float[] dka = needK ? RowScratch.zeroed(DK, keyLength * d.ckv) : null;
    final float[] dva = needV ? RowScratch.zeroed(DV, keyLength * d.ckv) : null;
    if (needK || needV) {
      final int kBlocks = (sLen + ROWS - 1) / ROWS;
      Parallel.forRange(nKvHeads * kBlocks, 2L * ROWS * t * d.group * hd, (from, to) -> {
        float[] tmp = RowScratch.get(TMP, ROWS * hd);
        for (int idx = from; idx < to; idx++) {
          int kvh = idx / kBlocks;
          int j0 = (idx % kBlocks) * ROWS;
          int keys = Math.min(ROWS, sLen - j0);
          // causal: query i sees key j only when queryStart + i >= j
          int iStart = mask.isCausal() ? Math.max(0, Math.min(t, j0 - queryStart)) : 0;
          int n = t - iStart;
          for (int h = kvh * d.group; h < (kvh + 1) * d.group; h++) {
            int pOff = (h * sLen + j0) * t + iStart;
            int qOff = iStart * d.c + h * hd;
            if (dka != null) {
              kern.weightedSum(dsT, pOff, t, keys, n, qa, qOff, d.c, hd, tmp, 0, hd, 2 * hd, 3 * hd);
              addRows(tmp, keys, hd, dka, j0, d.ckv, kvh * hd);
            }
            if (dva != null) {
              kern.weightedSum(pT, pOff, t, keys, n, ga, qOff, d.c, hd, tmp, 0, hd, 2 * hd, 3 * hd);
              addRows(tmp, keys, hd, dva, j0, d.ckv, kvh * hd);
            }
          }
        }
      });
    }
    if (dq != null) {
      addInto(dq, dqa, t * d.c);
    }
    if (needK) {
      addInto(dk, dka, keyLength * d.ckv);
    }
    if (needV) {
      addInto(dv, dva, keyLength * d.ckv);
    }
  }

  /** {@code dst[(j0+r)*stride + col + e] += tmp[r*hd + e]} for {@code r < rows}, {@code e < hd}. */
  private static void addRows(float[] tmp, int rows, int hd, float[] dst, int j0, int stride, int col) {
    for (int r = 0; r < rows; r++) {
      int o = (j0 + r) * stride + col;
      for (int e = 0; e < hd; e++) {
        dst[o + e] += tmp[r * hd + e];
      }
    }
  }

  // ------------------------------------------------------------------------------------ helpers

  /** Shapes of one attention call. */
  private static final class Dims {
    int t;
    int c;
    int hd;
    int ckv;
    int group;
    float scale;
  }

  private static Dims check(
      String op, Tensor q, Tensor k, Tensor v, int nHeads, int nKvHeads, AttentionMask mask,
      int keyLength, int queryStart) {
    if (mask == null) {
      throw new IllegalArgumentException(op + ": mask is null (expected CAUSAL, BIDIRECTIONAL or padding)");
    }
    if (nHeads <= 0 || nKvHeads <= 0 || nHeads % nKvHeads != 0) {
      throw new IllegalArgumentException(
          op + ": nKvHeads " + nKvHeads + " must be positive and divide nHeads " + nHeads);
    }
    if (q.rank() != 2 || q.dim(1) % nHeads != 0) {
      throw new IllegalArgumentException(
          op + ": q " + q.shapeString() + " is not (T, nHeads*headDim) with nHeads " + nHeads);
    }
    Dims d = new Dims();
    d.t = q.dim(0);
    d.c = q.dim(1);
    d.hd = d.c / nHeads;
    d.ckv = nKvHeads * d.hd;
    d.group = nHeads / nKvHeads;
    d.scale = (float) (1.0 / Math.sqrt(d.hd));
    if (k.rank() != 2 || k.dim(1) != d.ckv || v.rank() != 2 || v.dim(1) != d.ckv) {
      throw new IllegalArgumentException(
          op + ": k " + k.shapeString() + " and v " + v.shapeString() + " must be (S, " + d.ckv
              + ") for q " + q.shapeString() + " with " + nHeads + " heads and " + nKvHeads + " kv heads");
    }
    if (keyLength < 0 || keyLength > k.dim(0) || keyLength > v.dim(0)) {
      throw new IllegalArgumentException(
          op + ": keyLength " + keyLength + " exceeds the rows of k " + k.shapeString() + " or v "
              + v.shapeString());
    }
    if (queryStart < 0) {
      throw new IllegalArgumentException(op + ": queryStart " + queryStart + " is negative");
    }
    if (mask.isCausal() && queryStart + d.t > keyLength) {
      throw new IllegalArgumentException(
          op + ": causal queries at positions " + queryStart + ".." + (queryStart + d.t - 1)
              + " need keys up to that position, but keyLength is " + keyLength);
    }
    if (mask.hasPadding() && mask.paddingLength() < keyLength) {
      throw new IllegalArgumentException(
          op + ": padding mask has " + mask.paddingLength() + " key flags, expected at least keyLength "
              + keyLength);
    }
    return d;
  }

  private static void requireShape(String op, String name, Tensor t, int... shape) {
    if (!java.util.Arrays.equals(t.shape(), shape)) {
      throw new IllegalArgumentException(
          op + ": " + name + " " + t.shapeString() + " expected " + java.util.Arrays.toString(shape));
    }
  }

  private static void addInto(Tensor t, float[] a, int n) {
    FloatBuffer b = t.buffer();
    for (int i = 0; i < n; i++) {
      b.put(i, b.get(i) + a[i]);
    }
  }

  /**
   * Maps the m-th work index of a head to a query row so that contiguous index ranges carry equal
   * causal work: 0, T-1, 1, T-2, ...
   */
  private static int balancedRow(int m, int t) {
    return (m & 1) == 0 ? m >> 1 : t - 1 - (m >> 1);
  }

}
