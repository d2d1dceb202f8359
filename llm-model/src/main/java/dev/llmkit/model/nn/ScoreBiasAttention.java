package dev.llmkit.model.nn;

import dev.llmkit.tensor.AttentionMask;
import dev.llmkit.tensor.BiasedAttention;
import dev.llmkit.tensor.Tensor;
import java.util.Arrays;
import java.util.Objects;

/**
 * Multi-head attention with a free score scale and an additive score bias, as T5 uses it:
 * {@code q = x·Wqᵀ}, {@code k = m·Wkᵀ}, {@code v = m·Wvᵀ},
 * {@code att = softmax(scale · q·kᵀ + bias + mask)·v} per head, {@code out = att·Woᵀ}; T5 has
 * {@code scale = 1} and the {@link RelativePositionBias} of its stack as bias in self-attention, no
 * bias in cross-attention. The plain scaled form without bias is {@link Attention}.
 *
 * <p>Inference of self-attention writes the chunk's keys and values into caller-owned (capacity,
 * qDim) tensors at rows pos..pos+T-1 (the decoder's KV cache; an encoder passes scratch and pos 0);
 * cross-attention attends to a memory whose keys and values {@link #projectMemory} computed once.
 * Training keeps q, k, v and the probabilities per sequence for backward, which also returns the
 * gradient of the bias (summed over the batch: the bias depends only on positions).
 *
 * <p>Shapes: x (T, C), memory (S, C), q/k/v/att (·, nHeads*hd), bias and probs (nHeads, T, S).
 */
public final class ScoreBiasAttention {

  private final int nHeads;
  private final Linear wq;
  private final Linear wk;
  private final Linear wv;
  private final Linear wo;
  private final float scale;
  private final AttentionMask mask;
  private final boolean cross;

  private ScoreBiasAttention(int nHeads, Linear wq, Linear wk, Linear wv, Linear wo, float scale,
      AttentionMask mask, boolean cross) {
    this.nHeads = nHeads;
    this.wq = Objects.requireNonNull(wq, "wq");
    this.wk = Objects.requireNonNull(wk, "wk");
    this.wv = Objects.requireNonNull(wv, "wv");
    this.wo = Objects.requireNonNull(wo, "wo");
    this.scale = scale;
    this.mask = Objects.requireNonNull(mask, "mask");
    this.cross = cross;
    int qDim = wq.weight().rows();
    if (nHeads < 1 || qDim % nHeads != 0 || wk.weight().rows() != qDim || wv.weight().rows() != qDim
        || wo.weight().cols() != qDim) {
      throw new IllegalArgumentException("ScoreBiasAttention: q, k, v rows and o columns ("
          + qDim + ", " + wk.weight().rows() + ", " + wv.weight().rows() + ", " + wo.weight().cols()
          + ") must be equal and a multiple of nHeads " + nHeads);
    }
  }

  /**
   * Self-attention.
   *
   * @param mask CAUSAL (a decoder) or BIDIRECTIONAL (an encoder)
   * @param scale factor of q·kᵀ (T5: 1)
   */
  public static ScoreBiasAttention self(int nHeads, Linear wq, Linear wk, Linear wv, Linear wo,
      float scale, AttentionMask mask) {
    return new ScoreBiasAttention(nHeads, wq, wk, wv, wo, scale, mask, false);
  }

  /** Cross-attention over a memory (bidirectional; padding masks per call). */
  public static ScoreBiasAttention cross(int nHeads, Linear wq, Linear wk, Linear wv, Linear wo,
      float scale) {
    return new ScoreBiasAttention(nHeads, wq, wk, wv, wo, scale, AttentionMask.BIDIRECTIONAL, true);
  }

  /** Heads. */
  public int heads() {
    return nHeads;
  }

  /** Width of q, k, v: nHeads * headDim. */
  public int qDim() {
    return wq.weight().rows();
  }

  // ------------------------------------------------------------------ inference (nothing kept)

  /**
   * Self-attention of a chunk at positions pos..pos+T-1 over the keys 0..pos+T-1.
   *
   * <p>x: (T, C) -> out: (T, C); kCache, vCache: (≥ pos+T, qDim) receive rows pos..pos+T-1; bias:
   * (nHeads, T, pos+T) or null; q, att: (T, qDim) scratch; probs: (nHeads, T, pos+T) or null.
   */
  public void forward(Tensor x, Tensor kCache, Tensor vCache, int pos, Tensor bias, Tensor q,
      Tensor att, Tensor probs, Tensor out) {
    int t = x.dim(0);
    // x: (T, C) -> q: (T, qDim); k, v rows pos..pos+T-1 of the cache
    wq.forward(x, q);
    wk.forward(x, rows(kCache, pos, pos + t));
    wv.forward(x, rows(vCache, pos, pos + t));
    // q over keys 0..pos+T-1 -> att: (T, qDim)
    BiasedAttention.forward(q, kCache, vCache, nHeads, mask, pos + t, pos, scale, bias, att, probs);
    // att: (T, qDim) -> out: (T, C)
    wo.forward(att, out);
  }

  private static Tensor rows(Tensor t, int from, int to) {
    return from == 0 && to == t.dim(0) ? t : t.slice(from, to);
  }

  /** Keys and values of a memory for cross-attention. memory: (S, C) -> k, v: (S, qDim). */
  public void projectMemory(Tensor memory, Tensor k, Tensor v) {
    wk.forward(memory, k);
    wv.forward(memory, v);
  }

  /**
   * Cross-attention over a projected memory ({@link #projectMemory}).
   *
   * <p>x: (T, C), k, v: (S, qDim) -> out: (T, C); memoryMask BIDIRECTIONAL or the memory's padding;
   * q, att (T, qDim) scratch; probs (nHeads, T, S) or null.
   */
  public void forwardCross(Tensor x, Tensor k, Tensor v, AttentionMask memoryMask, Tensor q,
      Tensor att, Tensor probs, Tensor out) {
    wq.forward(x, q);
    BiasedAttention.forward(q, k, v, nHeads, memoryMask, k.dim(0), 0, scale, null, att, probs);
    wo.forward(att, out);
  }

  // ---------------------------------------- decoding: the projections, attention by the caller

  /**
   * The projections of one new token for each of n sequences (batched decoding; n may be 1), each
   * row exactly as a one-row product computes it ({@link Linear#forwardRows}): x: (n, C) -> q, k,
   * v: (n, qDim); k and v null for cross-attention (its keys and values are the memory's).
   */
  public void projectRows(Tensor x, Tensor q, Tensor k, Tensor v) {
    wq.forwardRows(x, q);
    if (k != null) {
      wk.forwardRows(x, k);
      wv.forwardRows(x, v);
    }
  }

  /** The output projection of n rows, each as a one-row product: att (n, qDim) -> out (n, C). */
  public void outputRows(Tensor att, Tensor out) {
    wo.forwardRows(att, out);
  }

  // ------------------------------------------------------------------------------- training

  /**
   * The training state of {@code batch} sequences of {@code block} query tokens over keys of
   * {@code memoryBlock} tokens (self-attention: memoryBlock = block).
   */
  public Training training(int batch, int block, int memoryBlock, Gradients g) {
    if (!cross && memoryBlock != block) {
      throw new IllegalArgumentException("ScoreBiasAttention.training: self-attention keys are its own "
          + block + " tokens, got a memory block of " + memoryBlock);
    }
    return new Training(batch, block, memoryBlock, g);
  }

  /** {@link ScoreBiasAttention}'s kept activations and backward for a fixed shape. */
  public final class Training {

    private final int batch;
    private final int block;
    private final int memoryBlock;
    private final Linear.Training tq;
    private final Linear.Training tk;
    private final Linear.Training tv;
    private final Linear.Training to;
    private final AttentionMask[] masks;
    private final Tensor q;
    private final Tensor k;
    private final Tensor v;
    private final Tensor att;
    private final Tensor dq;
    private final Tensor dk;
    private final Tensor dv;
    private final Tensor datt;
    private final Tensor[] probs;
    private Tensor bias;

    private Training(int batch, int block, int memoryBlock, Gradients g) {
      this.batch = batch;
      this.block = block;
      this.memoryBlock = memoryBlock;
      this.tq = wq.training(g);
      this.tk = wk.training(g);
      this.tv = wv.training(g);
      this.to = wo.training(g);
      this.masks = new AttentionMask[batch];
      Arrays.fill(masks, mask);
      int qDim = qDim();
      q = Tensor.zeros(batch * block, qDim);
      att = Tensor.zeros(batch * block, qDim);
      k = Tensor.zeros(batch * memoryBlock, qDim);
      v = Tensor.zeros(batch * memoryBlock, qDim);
      dq = Tensor.zeros(batch * block, qDim);
      datt = Tensor.zeros(batch * block, qDim);
      dk = Tensor.zeros(batch * memoryBlock, qDim);
      dv = Tensor.zeros(batch * memoryBlock, qDim);
      probs = new Tensor[batch];
      for (int b = 0; b < batch; b++) {
        probs[b] = Tensor.zeros(nHeads, block, memoryBlock);
      }
    }

    /** The attention weights of sequence b of the last forward: (nHeads, block, memoryBlock). */
    public Tensor probs(int b) {
      return probs[b];
    }

    /**
     * The mask of each sequence from the next forward on (e.g. padding of the keys, combined with
     * causal in a decoder); null restores the layer's own mask.
     */
    public void masks(AttentionMask... perSequence) {
      if (perSequence == null) {
        Arrays.fill(masks, mask);
        return;
      }
      if (perSequence.length != batch) {
        throw new IllegalArgumentException("ScoreBiasAttention.masks: " + perSequence.length
            + " masks, expected one per sequence (" + batch + ")");
      }
      for (int b = 0; b < batch; b++) {
        masks[b] = Objects.requireNonNull(perSequence[b], "mask of sequence " + b);
      }
    }

    /**
     * Forward.
     *
     * @param x (batch*block, C) queries' input
     * @param memory (batch*memoryBlock, C) keys' input (x for self-attention)
     * @param bias (nHeads, block, memoryBlock) shared by every sequence, or null
     * @param out (batch*block, C), overwritten
     */
    public void forward(Tensor x, Tensor memory, Tensor bias, Tensor out) {
      this.bias = bias;
      wq.forward(x, q);
      wk.forward(memory, k);
      wv.forward(memory, v);
      for (int b = 0; b < batch; b++) {
        BiasedAttention.forward(seq(q, b, block), seq(k, b, memoryBlock), seq(v, b, memoryBlock),
            nHeads, masks[b], memoryBlock, 0, scale, bias, seq(att, b, block), probs[b]);
      }
      wo.forward(att, out);
    }

    /**
     * Backward of the last forward: dx += (batch*block, C), dmemory += (batch*memoryBlock, C) (dx
     * itself for self-attention), dbias += (nHeads, block, memoryBlock) summed over the batch (null
     * when the forward had no bias).
     */
    public void backward(Tensor x, Tensor memory, Tensor dout, Tensor dx, Tensor dmemory,
        Tensor dbias) {
      datt.fill(0f);
      to.backward(att, dout, datt);
      dq.fill(0f);
      dk.fill(0f);
      dv.fill(0f);
      for (int b = 0; b < batch; b++) {
        BiasedAttention.backward(seq(q, b, block), seq(k, b, memoryBlock), seq(v, b, memoryBlock),
            nHeads, masks[b], memoryBlock, 0, scale, probs[b], seq(datt, b, block),
            seq(dq, b, block), seq(dk, b, memoryBlock), seq(dv, b, memoryBlock),
            bias == null ? null : dbias);
      }
      tq.backward(x, dq, dx);
      tk.backward(memory, dk, dmemory);
      tv.backward(memory, dv, dmemory);
    }

    private Tensor seq(Tensor t, int b, int rows) {
      return batch == 1 ? t : t.slice(b * rows, (b + 1) * rows);
    }
  }
}
