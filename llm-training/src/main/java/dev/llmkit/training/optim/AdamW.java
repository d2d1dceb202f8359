package dev.llmkit.training.optim;

import dev.llmkit.model.weights.ModelWeights;
import dev.llmkit.tensor.kernel.Parallel;
import dev.llmkit.tensor.Tensor;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * AdamW (Loshchilov and Hutter, "Decoupled Weight Decay Regularization"), as {@code torch.optim.AdamW}:
 * for every parameter p with gradient g, at step t (counted from 1),
 *
 * <pre>
 *   p = p - lr * weightDecay * p            (matrices and embeddings only: rank >= 2, as nanoGPT)
 *   m = beta1 * m + (1 - beta1) * g
 *   v = beta2 * v + (1 - beta2) * g * g
 *   p = p - lr * (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps)
 * </pre>
 *
 * <p>Norm weights and biases (rank 1) get no weight decay. The moments are preallocated once; a step
 * allocates nothing.
 */
public final class AdamW {

  private static final int STATE_MAGIC = 0x41644d57; // "AdMW"
  private static final int CHUNK_FLOATS = 16384;
  private static final int UPDATE_CHUNK = 4096;
  /** Per-thread chunk arrays of the update (parameter, gradient, m, v), made once per thread. */
  private static final ThreadLocal<float[][]> SCRATCH =
      ThreadLocal.withInitial(() -> new float[4][UPDATE_CHUNK]);

  private final List<String> names = new ArrayList<>();
  private final List<Tensor> params = new ArrayList<>();
  private final List<Tensor> grads = new ArrayList<>();
  private final List<Tensor> m = new ArrayList<>();
  private final List<Tensor> v = new ArrayList<>();
  private final AdamWConfig cfg;
  private long t;

  /**
   * An optimiser over every parameter of {@code params}, reading gradients from the tensor of the same
   * canonical name in {@code grads}.
   *
   * @throws IllegalArgumentException when the two weight sets do not have the same names and shapes
   */
  public AdamW(ModelWeights params, ModelWeights grads, AdamWConfig cfg) {
    this(params.named(), grads.named(), cfg);
  }

  /**
   * An optimiser over named parameters of any model (e.g. an encoder-decoder's), reading each
   * gradient from the tensor of the same name in {@code grads}.
   *
   * @throws IllegalArgumentException when the two maps do not have the same names and shapes
   */
  public AdamW(Map<String, Tensor> params, Map<String, Tensor> grads, AdamWConfig cfg) {
    this.cfg = Objects.requireNonNull(cfg, "cfg");
    Map<String, Tensor> g = grads;
    for (Map.Entry<String, Tensor> e : params.entrySet()) {
      Tensor p = e.getValue();
      Tensor gp = g.get(e.getKey());
      if (gp == null || !gp.sameShape(p)) {
        throw new IllegalArgumentException(
            "AdamW: gradient of " + e.getKey() + " is "
                + (gp == null ? "missing" : gp.shapeString()) + ", expected " + p.shapeString());
      }
      names.add(e.getKey());
      this.params.add(p);
      this.grads.add(gp);
      m.add(Tensor.zeros(p.shape()));
      v.add(Tensor.zeros(p.shape()));
    }
    if (g.size() != names.size()) {
      throw new IllegalArgumentException(
          "AdamW: " + g.size() + " gradients for " + names.size() + " parameters");
    }
  }

  /** The configuration. */
  public AdamWConfig config() {
    return cfg;
  }

  /** Bytes of the optimiser's state: the two moments m and v, f32, one per parameter each. */
  public long stateBytes() {
    long n = 0;
    for (int i = 0; i < m.size(); i++) {
      n += 4L * (m.get(i).length() + v.get(i).length());
    }
    return n;
  }

  /** Number of steps taken so far. */
  public long stepCount() {
    return t;
  }

  /**
   * One update of every parameter from its current gradient, with bias correction; increments the
   * step count. Gradients are not modified.
   *
   * @param lr learning rate of this step (finite, >= 0)
   */
  public void step(float lr) {
    if (!(lr >= 0f) || Float.isInfinite(lr)) {
      throw new IllegalArgumentException("AdamW.step: learning rate must be finite and >= 0, got " + lr);
    }
    t++;
    final float beta1 = cfg.beta1();
    final float beta2 = cfg.beta2();
    final float eps = cfg.eps();
    // as torch.optim.AdamW (single-tensor path): step size lr / (1 - beta1^t), denominator
    // sqrt(v) / sqrt(1 - beta2^t) + eps
    final float stepSize = (float) (lr / (1.0 - Math.pow(beta1, t)));
    final float sqrtBc2 = (float) Math.sqrt(1.0 - Math.pow(beta2, t));
    for (int i = 0; i < params.size(); i++) {
      final FloatBuffer p = params.get(i).buffer();
      final FloatBuffer g = grads.get(i).buffer();
      final FloatBuffer mb = m.get(i).buffer();
      final FloatBuffer vb = v.get(i).buffer();
      final float decay = params.get(i).rank() >= 2 ? 1f - lr * cfg.weightDecay() : 1f;
      Parallel.forRange(params.get(i).length(), 16, (from, to) -> {
        // in chunks copied to arrays, so that the update loop compiles to SIMD
        float[][] scratch = SCRATCH.get();
        float[] pc = scratch[0];
        float[] gc = scratch[1];
        float[] mc = scratch[2];
        float[] vc = scratch[3];
        for (int off = from; off < to; off += UPDATE_CHUNK) {
          int k = Math.min(UPDATE_CHUNK, to - off);
          p.get(off, pc, 0, k);
          g.get(off, gc, 0, k);
          mb.get(off, mc, 0, k);
          vb.get(off, vc, 0, k);
          for (int j = 0; j < k; j++) {
            float gj = gc[j];
            float mj = beta1 * mc[j] + (1f - beta1) * gj;
            float vj = beta2 * vc[j] + (1f - beta2) * gj * gj;
            mc[j] = mj;
            vc[j] = vj;
            float denom = (float) Math.sqrt(vj) / sqrtBc2 + eps;
            pc[j] = pc[j] * decay - stepSize * mj / denom;
          }
          p.put(off, pc, 0, k);
          mb.put(off, mc, 0, k);
          vb.put(off, vc, 0, k);
        }
      });
    }
  }

  /**
   * Writes the step count and both moments of every parameter, in canonical order, each preceded by
   * its name and length (for checkpoints).
   */
  public void writeState(DataOutputStream out) throws IOException {
    out.writeInt(STATE_MAGIC);
    out.writeLong(t);
    out.writeInt(names.size());
    byte[] chunk = new byte[CHUNK_FLOATS * 4];
    for (int i = 0; i < names.size(); i++) {
      out.writeUTF(names.get(i));
      out.writeInt(m.get(i).length());
      writeFloats(out, m.get(i).buffer(), chunk);
      writeFloats(out, v.get(i).buffer(), chunk);
    }
  }

  /**
   * Reads what {@link #writeState} wrote for a model of the same configuration, replacing the step
   * count and the moments.
   *
   * @throws IOException when the stream is not an AdamW state of parameters with these names and
   *     sizes, naming the first mismatch; the moments read before it stay replaced, so discard the
   *     optimiser after a failure
   */
  public void readState(DataInputStream in) throws IOException {
    int magic = in.readInt();
    if (magic != STATE_MAGIC) {
      throw new IOException("AdamW.readState: not an AdamW state (magic " + Integer.toHexString(magic) + ")");
    }
    long steps = in.readLong();
    if (steps < 0) {
      throw new IOException("AdamW.readState: negative step count " + steps);
    }
    int n = in.readInt();
    if (n != names.size()) {
      throw new IOException(
          "AdamW.readState: state has " + n + " parameters, this optimiser has " + names.size());
    }
    byte[] chunk = new byte[CHUNK_FLOATS * 4];
    for (int i = 0; i < n; i++) {
      String name = in.readUTF();
      int len = in.readInt();
      if (!name.equals(names.get(i)) || len != m.get(i).length()) {
        throw new IOException(
            "AdamW.readState: parameter " + i + " is " + name + " of " + len + " elements, expected "
                + names.get(i) + " of " + m.get(i).length());
      }
      readFloats(in, m.get(i).buffer(), len, chunk);
      readFloats(in, v.get(i).buffer(), len, chunk);
    }
    t = steps;
  }

  private static void writeFloats(DataOutputStream out, FloatBuffer src, byte[] chunk)
      throws IOException {
    ByteBuffer bb = ByteBuffer.wrap(chunk).order(ByteOrder.LITTLE_ENDIAN);
    int len = src.limit();
    for (int off = 0; off < len; off += CHUNK_FLOATS) {
      int k = Math.min(CHUNK_FLOATS, len - off);
      bb.clear();
      for (int j = 0; j < k; j++) {
        bb.putFloat(src.get(off + j));
      }
      out.write(chunk, 0, 4 * k);
    }
  }

  private static void readFloats(DataInputStream in, FloatBuffer dst, int len, byte[] chunk)
      throws IOException {
    ByteBuffer bb = ByteBuffer.wrap(chunk).order(ByteOrder.LITTLE_ENDIAN);
    for (int off = 0; off < len; off += CHUNK_FLOATS) {
      int k = Math.min(CHUNK_FLOATS, len - off);
      in.readFully(chunk, 0, 4 * k);
      bb.clear();
      for (int j = 0; j < k; j++) {
        dst.put(off + j, bb.getFloat());
      }
    }
  }
}
