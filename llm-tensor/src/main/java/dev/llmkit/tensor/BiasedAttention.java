package dev.llmkit.tensor;

import dev.llmkit.tensor.kernel.Parallel;
import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * Multi-head attention whose scores carry an additive bias and a free scale:
 * {@code out_h = softmax(scale · q_h·k_hᵀ + bias_h + mask)·v_h}. T5 (Raffel et al. 2020) uses it with
 * {@code scale = 1} (the 1/√d is folded into the initialisation of q) and {@code bias} its relative
 * position bias; cross-attention passes no bias. {@link Attention} is the fused kernel of the plain
 * scaled form; this one keeps the scores of one (head, query) row at a time in a heap array.
 *
 * <p>Shapes: {@code q, out: (T, nHeads*hd)}; {@code k, v: (S, nHeads*hd)} with {@code S >= keyLength}
 * (a KV cache may be larger); {@code bias, probs: (nHeads, T, keyLength)}. Query row {@code i} sits at
 * absolute position {@code queryStart + i}, which a causal mask compares with key positions. A
 * query that may see no key gets a zero output.
 */
public final class BiasedAttention {

  private BiasedAttention() {}

  /** Per thread: q, k, v copies and one row of scores. */
  private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[6][0]);

  private static float[] scratch(int slot, int n) {
    float[][] s = SCRATCH.get();
    if (s[slot].length < n) {
      s[slot] = new float[Math.max(n, s[slot].length * 2)];
    }
    return s[slot];
  }

  private static float[] load(int slot, Tensor t, int n) {
    float[] a = scratch(slot, n);
    t.buffer().get(0, a, 0, n);
    return a;
  }

  /**
   * Forward pass.
   *
   * @param q (T, nHeads*hd)
   * @param k (S, nHeads*hd), rows 0..keyLength-1 used
   * @param v (S, nHeads*hd)
   * @param nHeads heads
   * @param mask causal, bidirectional or padding
   * @param keyLength keys in use
   * @param queryStart absolute position of query row 0
   * @param scale factor of q·kᵀ
   * @param bias (nHeads, T, keyLength) added to the scaled scores, or null
   * @param out (T, nHeads*hd), overwritten
   * @param probs (nHeads, T, keyLength) the attention weights, or null
   */
  public static void forward(Tensor q, Tensor k, Tensor v, int nHeads, AttentionMask mask,
      int keyLength, int queryStart, float scale, Tensor bias, Tensor out, Tensor probs) {
    String op = "BiasedAttention.forward";
    int t = q.dim(0);
    int c = check(op, q, k, v, nHeads, mask, keyLength, queryStart);
    shape(op, "out", out, t, c);
    shape(op, "bias", bias, nHeads, t, keyLength);
    shape(op, "probs", probs, nHeads, t, keyLength);
    int hd = c / nHeads;
    float[] qa = load(0, q, t * c);
    float[] ka = load(1, k, keyLength * c);
    float[] va = load(2, v, keyLength * c);
    float[] oa = scratch(3, t * c);
    FloatBuffer bb = bias == null ? null : bias.buffer();
    FloatBuffer pb = probs == null ? null : probs.buffer();
    Parallel.RangeBody body = (from, to) -> {
      float[] s = new float[Math.max(1, keyLength)];
      for (int idx = from; idx < to; idx++) {
        int h = idx / t;
        int i = idx % t;
        int qo = i * c + h * hd;
        int end = mask.keyEnd(queryStart + i, keyLength);
        float max = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < end; j++) {
          if (!mask.keyValid(j)) {
            s[j] = Float.NEGATIVE_INFINITY;
            continue;
          }
          int ko = j * c + h * hd;
          float dot = 0f;
          for (int e = 0; e < hd; e++) {
            dot += qa[qo + e] * ka[ko + e];
          }
          float x = scale * dot + (bb == null ? 0f : bb.get((h * t + i) * keyLength + j));
          s[j] = x;
          max = Math.max(max, x);
        }
        Arrays.fill(oa, qo, qo + hd, 0f);
        if (max == Float.NEGATIVE_INFINITY) {
          Arrays.fill(s, 0, keyLength, 0f);
        } else {
          double sum = 0;
          for (int j = 0; j < end; j++) {
            float p = s[j] == Float.NEGATIVE_INFINITY ? 0f : (float) Math.exp(s[j] - max);
            s[j] = p;
            sum += p;
          }
          float inv = (float) (1.0 / sum);
          for (int j = 0; j < end; j++) {
            float p = s[j] * inv;
            s[j] = p;
            if (p != 0f) {
              int vo = j * c + h * hd;
              for (int e = 0; e < hd; e++) {
                oa[qo + e] += p * va[vo + e];
              }
            }
          }
          Arrays.fill(s, end, keyLength, 0f);
        }
        if (pb != null) {
          pb.put((h * t + i) * keyLength, s, 0, keyLength);
        }
      }
    };
    Parallel.forRange(nHeads * t, 2L * keyLength * hd, body);
    out.buffer().put(0, oa, 0, t * c);
  }

  /**
   * Backward pass; adds (+=) into each gradient given (null: not needed).
   *
   * @param probs (nHeads, T, keyLength) the probabilities of the forward pass
   * @param dout (T, nHeads*hd) gradient of the output
   * @param dq (T, nHeads*hd) or null
   * @param dk (S, nHeads*hd) or null
   * @param dv (S, nHeads*hd) or null
   * @param dbias (nHeads, T, keyLength) gradient of the bias, or null
   */
  public static void backward(Tensor q, Tensor k, Tensor v, int nHeads, AttentionMask mask,
      int keyLength, int queryStart, float scale, Tensor probs, Tensor dout, Tensor dq, Tensor dk,
      Tensor dv, Tensor dbias) {
    String op = "BiasedAttention.backward";
    int t = q.dim(0);
    int c = check(op, q, k, v, nHeads, mask, keyLength, queryStart);
    if (probs == null) {
      throw new IllegalArgumentException(op + ": probs of the forward pass are required");
    }
    shape(op, "probs", probs, nHeads, t, keyLength);
    shape(op, "dout", dout, t, c);
    shape(op, "dq", dq, t, c);
    shape(op, "dbias", dbias, nHeads, t, keyLength);
    int hd = c / nHeads;
    float[] qa = load(0, q, t * c);
    float[] ka = load(1, k, keyLength * c);
    float[] va = load(2, v, keyLength * c);
    float[] ga = load(3, dout, t * c);
    float[] pa = load(4, probs, nHeads * t * keyLength);
    float[] grads = scratch(5, 3 * Math.max(t, keyLength) * c + nHeads * t * keyLength);
    int dqo = 0;
    int dko = t * c;
    int dvo = dko + keyLength * c;
    int dso = dvo + keyLength * c;
    Arrays.fill(grads, 0, dso + nHeads * t * keyLength, 0f);
    // per head (disjoint columns of dq, dk, dv and rows of dS)
    Parallel.forRange(nHeads, 4L * t * keyLength * hd, (from, to) -> {
      for (int h = from; h < to; h++) {
        for (int i = 0; i < t; i++) {
          int qo = i * c + h * hd;
          int prow = (h * t + i) * keyLength;
          // dP_j = dout_i · v_j; dS_j = P_j (dP_j − Σ P dP)
          double dot = 0;
          for (int j = 0; j < keyLength; j++) {
            float p = pa[prow + j];
            if (p == 0f) {
              continue;
            }
            int vo = j * c + h * hd;
            float dp = 0f;
            for (int e = 0; e < hd; e++) {
              dp += ga[qo + e] * va[vo + e];
            }
            grads[dso + prow + j] = dp;
            dot += p * dp;
            // dv_j += P_j dout_i
            for (int e = 0; e < hd; e++) {
              grads[dvo + vo + e] += p * ga[qo + e];
            }
          }
          for (int j = 0; j < keyLength; j++) {
            float p = pa[prow + j];
            float ds = p == 0f ? 0f : (float) (p * (grads[dso + prow + j] - dot));
            grads[dso + prow + j] = ds;
            if (ds == 0f) {
              continue;
            }
            int ko = j * c + h * hd;
            float g = ds * scale;
            for (int e = 0; e < hd; e++) {
              grads[dqo + qo + e] += g * ka[ko + e];
              grads[dko + ko + e] += g * qa[qo + e];
            }
          }
        }
      }
    });
    addInto(dq, grads, dqo, t * c);
    addInto(dk, grads, dko, keyLength * c);
    addInto(dv, grads, dvo, keyLength * c);
    addInto(dbias, grads, dso, nHeads * t * keyLength);
  }

  private static void addInto(Tensor t, float[] a, int off, int n) {
    if (t == null) {
      return;
    }
    FloatBuffer b = t.buffer();
    for (int i = 0; i < n; i++) {
      b.put(i, b.get(i) + a[off + i]);
    }
  }

  private static int check(String op, Tensor q, Tensor k, Tensor v, int nHeads, AttentionMask mask,
      int keyLength, int queryStart) {
    if (mask == null) {
      throw new IllegalArgumentException(op + ": mask is null (expected CAUSAL, BIDIRECTIONAL or padding)");
    }
    if (nHeads < 1 || q.rank() != 2 || q.dim(1) % nHeads != 0) {
      throw new IllegalArgumentException(
          op + ": q " + q.shapeString() + " is not (T, nHeads*headDim) with nHeads " + nHeads);
    }
    int c = q.dim(1);
    if (k.rank() != 2 || k.dim(1) != c || v.rank() != 2 || v.dim(1) != c) {
      throw new IllegalArgumentException(op + ": k " + k.shapeString() + " and v " + v.shapeString()
          + " must be (S, " + c + ") like q " + q.shapeString());
    }
    if (keyLength < 0 || keyLength > k.dim(0) || keyLength > v.dim(0)) {
      throw new IllegalArgumentException(op + ": keyLength " + keyLength + " exceeds the rows of k "
          + k.shapeString() + " or v " + v.shapeString());
    }
    if (queryStart < 0 || (mask.isCausal() && queryStart + q.dim(0) > keyLength)) {
      throw new IllegalArgumentException(op + ": causal queries at positions " + queryStart + ".."
          + (queryStart + q.dim(0) - 1) + " need keys up to that position, but keyLength is " + keyLength);
    }
    if (mask.hasPadding() && mask.paddingLength() < keyLength) {
      throw new IllegalArgumentException(op + ": padding mask has " + mask.paddingLength()
          + " key flags, expected at least keyLength " + keyLength);
    }
    return c;
  }

  private static void shape(String op, String name, Tensor t, int... shape) {
    if (t != null && !Arrays.equals(t.shape(), shape)) {
      throw new IllegalArgumentException(
          op + ": " + name + " " + t.shapeString() + " expected " + Arrays.toString(shape));
    }
  }
}
