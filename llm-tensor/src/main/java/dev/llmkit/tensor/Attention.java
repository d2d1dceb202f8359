package dev.llmkit.tensor;

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
    Dims d = check("Attention.forward", q, k, v, nHeads, nKvHeads, mask, keyLength, queryStart);
    requireShape("Attention.forward", "out", out, d.t, d.c);
    if (probs != null) {
      requireShape("Attention.forward", "probs", probs, nHeads, d.t, keyLength);
    }
    // q: (T, C), k, v: (keyLength, Ckv) -> out: (T, C), probs: (nHeads, T, keyLength)
    final float[] qa = q.toArray();
    final float[] ka = rows(k, keyLength, d.ckv);
    final float[] va = rows(v, keyLength, d.ckv);
    final float[] oa = new float[d.t * d.c];
    final FloatBuffer pb = probs == null ? null : probs.buffer();
    final SimdKernels simd = Simd.kernels();
    final int t = d.t;
    Parallel.forRange(nHeads * t, 2L * keyLength * d.hd, (from, to) -> {
      float[] s = new float[Math.max(1, keyLength)];
      for (int idx = from; idx < to; idx++) {
        int h = idx / t;
        int i = balancedRow(idx % t, t);
        attendRow(d, qa, ka, va, oa, h, i, mask, keyLength, queryStart, s, simd);
        if (pb != null) {
          int end = mask.keyEnd(queryStart + i, keyLength);
          int base = (h * t + i) * keyLength;
          for (int j = 0; j < keyLength; j++) {
            pb.put(base + j, j < end ? s[j] : 0f);
          }
        }
      }
    });
    out.copyFrom(oa);
  }

  /**
   * One (head, query row): scores, softmax, weighted sum of values into {@code oa}; leaves the
   * probabilities of keys {@code 0..keyEnd-1} in {@code s}.
   */
  private static void attendRow(
      Dims d, float[] qa, float[] ka, float[] va, float[] oa, int h, int i, AttentionMask mask,
      int keyLength, int queryStart, float[] s, SimdKernels simd) {
    int hd = d.hd;
    int kvh = h / d.group;
    int qOff = i * d.c + h * hd;
    int kvOff = kvh * hd;
    int end = mask.keyEnd(queryStart + i, keyLength);
    float max = Float.NEGATIVE_INFINITY;
    for (int j = 0; j < end; j++) {
      if (!mask.keyValid(j)) {
        s[j] = Float.NEGATIVE_INFINITY;
        continue;
      }
      float x = dot(simd, qa, qOff, ka, j * d.ckv + kvOff, hd) * d.scale;
      s[j] = x;
      if (x > max) {
        max = x;
      }
    }
    if (max == Float.NEGATIVE_INFINITY) { // nothing visible: zero output, zero probabilities
      for (int j = 0; j < end; j++) {
        s[j] = 0f;
      }
      return;
    }
    float sum = 0f;
    for (int j = 0; j < end; j++) {
      float e = s[j] == Float.NEGATIVE_INFINITY ? 0f : (float) Math.exp(s[j] - max);
      s[j] = e;
      sum += e;
    }
    float inv = 1f / sum;
    for (int j = 0; j < end; j++) {
      float p = s[j] * inv;
      s[j] = p;
      if (p != 0f) {
        axpy(simd, p, va, j * d.ckv + kvOff, oa, qOff, hd);
      }
    }
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
    final float[] pa;
    if (probs != null) {
      requireShape(op, "probs", probs, nHeads, t, keyLength);
      pa = probs.toArray();
    } else {
      Tensor p = Tensor.zeros(nHeads, t, keyLength);
      forward(q, k, v, nHeads, nKvHeads, mask, keyLength, queryStart, Tensor.zeros(t, d.c), p);
      pa = p.toArray();
    }
    final float[] qa = q.toArray();
    final float[] ka = rows(k, keyLength, d.ckv);
    final float[] va = rows(v, keyLength, d.ckv);
    final float[] ga = dout.toArray();
    final float[] dqa = new float[t * d.c];
    // ds[h, i, j] = scale * dL/dscore: (nHeads, T, keyLength)
    final float[] ds = new float[nHeads * t * sLen];
    final SimdKernels simd = Simd.kernels();

    // Pass 1, per (head, query row): dP = dout·vᵀ, dS = P∘(dP − Σ P∘dP), dq += scale·dS·k.
    Parallel.forRange(nHeads * t, 3L * sLen * hd, (from, to) -> {
      for (int idx = from; idx < to; idx++) {
        int h = idx / t;
        int i = balancedRow(idx % t, t);
        int kvOff = (h / d.group) * hd;
        int qOff = i * d.c + h * hd;
        int row = (h * t + i) * sLen;
        int end = mask.keyEnd(queryStart + i, keyLength);
        float dot = 0f;
        for (int j = 0; j < end; j++) {
          float p = pa[row + j];
          if (p != 0f) {
            float dp = dot(simd, ga, qOff, va, j * d.ckv + kvOff, hd);
            ds[row + j] = dp;
            dot += p * dp;
          }
        }
        for (int j = 0; j < end; j++) {
          float p = pa[row + j];
          if (p != 0f) {
            float g = p * (ds[row + j] - dot) * d.scale;
            ds[row + j] = g;
            axpy(simd, g, ka, j * d.ckv + kvOff, dqa, qOff, hd);
          }
        }
      }
    });

    // Pass 2, per (kv head, block of keys): dk_j += Σ_{h,i} dS·q_i, dv_j += Σ_{h,i} P·dout_i.
    final boolean needK = dk != null;
    final boolean needV = dv != null;
    final float[] dka = new float[keyLength * d.ckv];
    final float[] dva = new float[keyLength * d.ckv];
    if (needK || needV) {
      final int block = 8;
      final int nBlocks = (sLen + block - 1) / block;
      Parallel.forRange(nKvHeads * nBlocks, 2L * block * t * d.group * hd, (from, to) -> {
        for (int idx = from; idx < to; idx++) {
          int kvh = idx / nBlocks;
          int j0 = (idx % nBlocks) * block;
          int j1 = Math.min(sLen, j0 + block);
          int kvOff = kvh * hd;
          for (int h = kvh * d.group; h < (kvh + 1) * d.group; h++) {
            for (int i = 0; i < t; i++) {
              int qOff = i * d.c + h * hd;
              int row = (h * t + i) * sLen;
              for (int j = j0; j < j1; j++) {
                float p = pa[row + j];
                if (p != 0f) {
                  if (needK) {
                    axpy(simd, ds[row + j], qa, qOff, dka, j * d.ckv + kvOff, hd);
                  }
                  if (needV) {
                    axpy(simd, p, ga, qOff, dva, j * d.ckv + kvOff, hd);
                  }
                }
              }
            }
          }
        }
      });
    }
    if (dq != null) {
      addInto(dq, dqa, dqa.length);
    }
    if (needK) {
      addInto(dk, dka, dka.length);
    }
    if (needV) {
      addInto(dv, dva, dva.length);
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

  /** Rows 0..n-1 of a (S, width) tensor, copied to the heap. */
  private static float[] rows(Tensor x, int n, int width) {
    float[] a = new float[n * width];
    x.buffer().get(0, a);
    return a;
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

  private static float dot(SimdKernels simd, float[] a, int aOff, float[] b, int bOff, int n) {
    if (simd != null) {
      return simd.dot(a, aOff, b, bOff, n);
    }
    float s = 0f;
    for (int i = 0; i < n; i++) {
      s += a[aOff + i] * b[bOff + i];
    }
    return s;
  }

  private static void axpy(SimdKernels simd, float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
    if (simd != null) {
      simd.axpy(alpha, x, xOff, y, yOff, n);
      return;
    }
    for (int i = 0; i < n; i++) {
      y[yOff + i] += alpha * x[xOff + i];
    }
  }
}
