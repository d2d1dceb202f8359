package dev.llmkit.tensor;

import dev.llmkit.tensor.kernel.Parallel;

/**
 * Attention under an {@link AttentionVariant} (score scale, soft cap, sliding window), forward and
 * backward side by side: per query row i (absolute position {@code queryStart + i}) and head h
 * (key/value head {@code g = h / (nHeads/nKvHeads)}),
 *
 * <pre>
 *   r_j = scale · q_h·k_gj                       raw score
 *   s_j = cap · tanh(r_j / cap)   (r_j when no cap)
 *   p   = softmax over the keys j the mask and window allow (others 0)
 *   out_h = Σ_j p_j v_gj
 * </pre>
 *
 * A row that may see no key gets a zero output. The plain kernels ({@link Attention},
 * {@link DecodeAttention}) stay the fast path for standard attention; this one is a straightforward
 * scalar kernel, parallel over heads, for the families that need more.
 */
public final class VariantAttention {

  private VariantAttention() {}

  /**
   * Forward.
   *
   * @param q (T, nHeads*hd) queries
   * @param k (≥keyLength, nKvHeads*hd) keys
   * @param v (≥keyLength, nKvHeads*hd) values
   * @param out (T, nHeads*hd), overwritten
   * @param probs (nHeads, T, keyLength) probabilities (written), or null
   */
  public static void forward(Tensor q, Tensor k, Tensor v, int nHeads, int nKvHeads, AttentionMask mask,
      AttentionVariant variant, int keyLength, int queryStart, Tensor out, Tensor probs) {
    Dims d = Dims.of("VariantAttention.forward", q, k, v, nHeads, nKvHeads, keyLength);
    if (out.rank() != 2 || out.dim(0) != d.t || out.dim(1) != d.c) {
      throw new IllegalArgumentException("VariantAttention.forward: out must be (" + d.t + ", " + d.c
          + "), got " + out.shapeString());
    }
    if (probs != null && probs.length() != nHeads * d.t * keyLength) {
      throw new IllegalArgumentException("VariantAttention.forward: probs must be (" + nHeads + ", "
          + d.t + ", " + keyLength + "), got " + probs.shapeString());
    }
    final float[] qa = read(q, d.t * d.c);
    final float[] ka = read(k, keyLength * d.ckv);
    final float[] va = read(v, keyLength * d.ckv);
    final float[] oa = new float[d.t * d.c];
    final float[] pa = probs == null ? null : new float[nHeads * d.t * keyLength];
    final float scale = variant.scaleFor(d.hd);
    final float cap = variant.softcap();
    Parallel.forRange(nHeads, (long) d.t * keyLength * d.hd * 2, (from, to) -> {
      float[] s = new float[Math.max(1, keyLength)];
      for (int h = from; h < to; h++) {
        int kvCol = (h / d.group) * d.hd;
        for (int i = 0; i < d.t; i++) {
          int qOff = i * d.c + h * d.hd;
          int qPos = queryStart + i;
          // s: (keyLength) probabilities over the allowed keys
          if (!scores(qa, qOff, ka, kvCol, d, keyLength, qPos, mask, variant, scale, cap, s)) {
            continue; // no key: zero output and probabilities
          }
          for (int j = 0; j < keyLength; j++) {
            float p = s[j];
            if (p != 0f) {
              int vOff = j * d.ckv + kvCol;
              for (int e = 0; e < d.hd; e++) {
                oa[qOff + e] += p * va[vOff + e];
              }
            }
          }
          if (pa != null) {
            System.arraycopy(s, 0, pa, (h * d.t + i) * keyLength, keyLength);
          }
        }
      }
    });
    out.buffer().put(0, oa, 0, oa.length);
    if (probs != null) {
      probs.buffer().put(0, pa, 0, pa.length);
    }
  }

  /**
   * Backward of {@link #forward}, adding into dq, dk, dv. The raw scores are recomputed from q and
   * k (for the soft cap's derivative {@code 1 - tanh²}).
   *
   * @param probs (nHeads, T, keyLength) the forward pass's probabilities
   * @param dout (T, nHeads*hd) gradient of the output
   * @param dq (T, nHeads*hd), added into
   * @param dk (≥keyLength, nKvHeads*hd), added into
   * @param dv (≥keyLength, nKvHeads*hd), added into
   */
  public static void backward(Tensor q, Tensor k, Tensor v, int nHeads, int nKvHeads,
      AttentionMask mask, AttentionVariant variant, int keyLength, int queryStart, Tensor probs,
      Tensor dout, Tensor dq, Tensor dk, Tensor dv) {
    Dims d = Dims.of("VariantAttention.backward", q, k, v, nHeads, nKvHeads, keyLength);
    final float[] qa = read(q, d.t * d.c);
    final float[] ka = read(k, keyLength * d.ckv);
    final float[] va = read(v, keyLength * d.ckv);
    final float[] pa = read(probs, nHeads * d.t * keyLength);
    final float[] ga = read(dout, d.t * d.c);
    final float[] dqa = read(dq, d.t * d.c);
    final float scale = variant.scaleFor(d.hd);
    final float cap = variant.softcap();
    // dk, dv per kv head are shared by the heads of its group: accumulate per query head, then sum
    final float[][] dkh = new float[nHeads][];
    final float[][] dvh = new float[nHeads][];
    Parallel.forRange(nHeads, (long) d.t * keyLength * d.hd * 4, (from, to) -> {
      float[] dp = new float[Math.max(1, keyLength)];
      for (int h = from; h < to; h++) {
        int kvCol = (h / d.group) * d.hd;
        float[] dkl = new float[keyLength * d.hd];
        float[] dvl = new float[keyLength * d.hd];
        for (int i = 0; i < d.t; i++) {
          int qOff = i * d.c + h * d.hd;
          int pOff = (h * d.t + i) * keyLength;
          // dp_j = dout·v_j; dv_j += p_j dout
          double dot = 0;
          for (int j = 0; j < keyLength; j++) {
            float p = pa[pOff + j];
            if (p == 0f) {
              dp[j] = 0f;
              continue;
            }
            int vOff = j * d.ckv + kvCol;
            float acc = 0f;
            for (int e = 0; e < d.hd; e++) {
              acc += ga[qOff + e] * va[vOff + e];
              dvl[j * d.hd + e] += p * ga[qOff + e];
            }
            dp[j] = acc;
            dot += (double) p * acc;
          }
          // ds_j = p_j (dp_j - Σ p dp); dr_j = ds_j · (1 - (s_j/cap)²) under a cap; dq, dk += scale dr …
          for (int j = 0; j < keyLength; j++) {
            float p = pa[pOff + j];
            if (p == 0f) {
              continue;
            }
            float g = (float) (p * (dp[j] - dot));
            int kOff = j * d.ckv + kvCol;
            if (cap != 0f) {
              float r = 0f;
              for (int e = 0; e < d.hd; e++) {
                r += qa[qOff + e] * ka[kOff + e];
              }
              double t = Math.tanh(r * scale / cap);
              g = (float) (g * (1.0 - t * t));
            }
            g *= scale;
            for (int e = 0; e < d.hd; e++) {
              dqa[qOff + e] += g * ka[kOff + e];
              dkl[j * d.hd + e] += g * qa[qOff + e];
            }
          }
        }
        dkh[h] = dkl;
        dvh[h] = dvl;
      }
    });
    dq.buffer().put(0, dqa, 0, dqa.length);
    float[] dka = read(dk, keyLength * d.ckv);
    float[] dva = read(dv, keyLength * d.ckv);
    for (int h = 0; h < nHeads; h++) {
      int kvCol = (h / d.group) * d.hd;
      for (int j = 0; j < keyLength; j++) {
        for (int e = 0; e < d.hd; e++) {
          dka[j * d.ckv + kvCol + e] += dkh[h][j * d.hd + e];
          dva[j * d.ckv + kvCol + e] += dvh[h][j * d.hd + e];
        }
      }
    }
    dk.buffer().put(0, dka, 0, dka.length);
    dv.buffer().put(0, dva, 0, dva.length);
  }

  /**
   * One decoding step over a KV cache in place (no copy): the query at position keyLength-1 attends
   * to the cached keys the window allows, {@code max(0, keyLength-window) .. keyLength-1}.
   *
   * @param query (1, nHeads*hd)
   * @param keysT (kvDim, stride) keys transposed, as {@link KvCache} holds them
   * @param values (≥keyLength, kvDim) values, row-major
   * @param stride the position stride of keysT
   * @param keyLength cached positions, the query's included
   * @param output (1, nHeads*hd), overwritten
   */
  public static void decode(Tensor query, float[] keysT, float[] values, int stride, int keyLength,
      int nHeads, int nKvHeads, AttentionVariant variant, Tensor output) {
    int c = query.length();
    if (nHeads < 1 || nKvHeads < 1 || nHeads % nKvHeads != 0 || c % nHeads != 0
        || output.length() != c || keyLength < 1 || keyLength > stride) {
      throw new IllegalArgumentException("VariantAttention.decode: q " + query.shapeString() + ", out "
          + output.shapeString() + ", " + keyLength + " keys of stride " + stride + ", heads "
          + nHeads + "/" + nKvHeads);
    }
    final int hd = c / nHeads;
    final int kvDim = nKvHeads * hd;
    final int group = nHeads / nKvHeads;
    final int start = variant.window() > 0 ? Math.max(0, keyLength - variant.window()) : 0;
    final int n = keyLength - start;
    final float scale = variant.scaleFor(hd);
    final float cap = variant.softcap();
    final float[] q = new float[c];
    query.buffer().get(0, q);
    final float[] out = new float[c];
    Parallel.forRange(nHeads, 3L * n * hd, (from, to) -> {
      float[] s = new float[n];
      for (int h = from; h < to; h++) {
        int c0 = (h / group) * hd;
        // s: (n) = scale · q_h · K_g[start..keyLength)ᵀ, one key dimension at a time (contiguous)
        java.util.Arrays.fill(s, 0f);
        for (int e = 0; e < hd; e++) {
          float qe = q[h * hd + e];
          int k = (c0 + e) * stride + start;
          for (int j = 0; j < n; j++) {
            s[j] += qe * keysT[k + j];
          }
        }
        float max = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < n; j++) {
          float r = s[j] * scale;
          if (cap != 0f) {
            r = (float) (cap * Math.tanh(r / cap));
          }
          s[j] = r;
          max = Math.max(max, r);
        }
        double sum = 0;
        for (int j = 0; j < n; j++) {
          s[j] = (float) Math.exp(s[j] - max);
          sum += s[j];
        }
        float inv = (float) (1.0 / sum);
        // out_h (hd) = Σ_j p_j v_j
        for (int j = 0; j < n; j++) {
          float p = s[j] * inv;
          int v = (start + j) * kvDim + c0;
          for (int e = 0; e < hd; e++) {
            out[h * hd + e] += p * values[v + e];
          }
        }
      }
    });
    output.buffer().put(0, out);
  }

  /** Row i's probabilities for head h into s; false (s all 0) when the row may see no key. */
  private static boolean scores(float[] qa, int qOff, float[] ka, int kvCol, Dims d, int keyLength,
      int qPos, AttentionMask mask, AttentionVariant variant, float scale, float cap, float[] s) {
    float max = Float.NEGATIVE_INFINITY;
    for (int j = 0; j < keyLength; j++) {
      if (!variant.allows(mask, qPos, j)) {
        s[j] = Float.NEGATIVE_INFINITY;
        continue;
      }
      int kOff = j * d.ckv + kvCol;
      float r = 0f;
      for (int e = 0; e < d.hd; e++) {
        r += qa[qOff + e] * ka[kOff + e];
      }
      r *= scale;
      if (cap != 0f) {
        r = (float) (cap * Math.tanh(r / cap));
      }
      s[j] = r;
      max = Math.max(max, r);
    }
    if (max == Float.NEGATIVE_INFINITY) {
      java.util.Arrays.fill(s, 0, keyLength, 0f);
      return false;
    }
    double sum = 0;
    for (int j = 0; j < keyLength; j++) {
      float e = s[j] == Float.NEGATIVE_INFINITY ? 0f : (float) Math.exp(s[j] - max);
      s[j] = e;
      sum += e;
    }
    float inv = (float) (1.0 / sum);
    for (int j = 0; j < keyLength; j++) {
      s[j] *= inv;
    }
    return true;
  }

  private static float[] read(Tensor t, int n) {
    float[] a = new float[n];
    t.buffer().get(0, a, 0, n);
    return a;
  }

  /** Checked sizes. */
  private record Dims(int t, int c, int ckv, int hd, int group) {
    static Dims of(String op, Tensor q, Tensor k, Tensor v, int nHeads, int nKvHeads, int keyLength) {
      if (nHeads < 1 || nKvHeads < 1 || nHeads % nKvHeads != 0) {
        throw new IllegalArgumentException(
            op + ": nKvHeads " + nKvHeads + " must divide nHeads " + nHeads);
      }
      if (q.rank() != 2 || q.dim(1) % nHeads != 0) {
        throw new IllegalArgumentException(
            op + ": q must be (T, nHeads*hd) with nHeads " + nHeads + ", got " + q.shapeString());
      }
      int hd = q.dim(1) / nHeads;
      int ckv = nKvHeads * hd;
      for (Tensor x : new Tensor[] {k, v}) {
        if (x.rank() != 2 || x.dim(1) != ckv || x.dim(0) < keyLength) {
          throw new IllegalArgumentException(op + ": k and v must be (>= " + keyLength + ", " + ckv
              + "), got " + x.shapeString());
        }
      }
      return new Dims(q.dim(0), q.dim(1), ckv, hd, nHeads / nKvHeads);
    }
  }
}
