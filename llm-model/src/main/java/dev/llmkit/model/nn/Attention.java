package dev.llmkit.model.nn;

import dev.llmkit.model.config.ModelConfig;
import dev.llmkit.model.weights.LayerWeights;
import dev.llmkit.tensor.AttentionMask;
import dev.llmkit.tensor.AttentionVariant;
import dev.llmkit.tensor.VariantAttention;
import dev.llmkit.tensor.DecodeMatrices;
import dev.llmkit.tensor.CachedAttention;
import dev.llmkit.tensor.KvCache;
import dev.llmkit.tensor.kernel.Parallel;
import dev.llmkit.tensor.Tensor;
import java.util.Arrays;
import java.util.Objects;

/**
 * Multi-head attention (Vaswani et al. 2017) with grouped-query attention (Ainslie et al. 2023):
 * {@code q = x·Wqᵀ + bq}, {@code k = m·Wkᵀ + bk}, {@code v = m·Wvᵀ + bv}, positions applied to q and
 * k (rotary), {@code att = softmax(q·kᵀ / sqrt(hd) + mask)·v} per head, {@code out = att·Woᵀ + bo}.
 * Self-attention reads keys and values from its own input ({@code m = x}); cross-attention from a
 * memory (an encoder's output), whose keys and values an inference session computes once
 * ({@link #projectMemory}) and keeps.
 *
 * <p>Three ways to run it, side by side below: inference against a KV cache (decoder
 * self-attention, causal; the kernel is chosen by {@link CachedAttention}), inference of a whole
 * sequence under any mask (encoder; cross-attention over projected memory), and training (all
 * batch*block rows at once for the projections, the attention per sequence; keeps q, k, v, the
 * probabilities and the output for backward).
 *
 * <p>Shapes: x (T, C), memory (S, C), q/att (T, nHeads*hd), k/v (S, nKvHeads*hd), probs (nHeads, T, S).
 */
public final class Attention {

  private final int nHeads;
  private final int nKvHeads;
  private final Linear wq;
  private final Linear wk;
  private final Linear wv;
  private final Linear wo;
  private final Positions positions;
  private final AttentionMask mask;
  private final boolean cross;
  /** Score scale, soft cap, sliding window; STANDARD takes the fast kernels. */
  private final AttentionVariant variant;

  private Attention(int nHeads, int nKvHeads, Linear wq, Linear wk, Linear wv, Linear wo,
      Positions positions, AttentionMask mask, boolean cross) {
    this(nHeads, nKvHeads, wq, wk, wv, wo, positions, mask, cross, AttentionVariant.STANDARD);
  }

  private Attention(int nHeads, int nKvHeads, Linear wq, Linear wk, Linear wv, Linear wo,
      Positions positions, AttentionMask mask, boolean cross, AttentionVariant variant) {
    if (nHeads < 1 || nKvHeads < 1 || nHeads % nKvHeads != 0) {
      throw new IllegalArgumentException(
          "Attention: nKvHeads " + nKvHeads + " must divide nHeads " + nHeads);
    }
    this.nHeads = nHeads;
    this.nKvHeads = nKvHeads;
    this.wq = Objects.requireNonNull(wq, "wq");
    this.wk = Objects.requireNonNull(wk, "wk");
    this.wv = Objects.requireNonNull(wv, "wv");
    this.wo = Objects.requireNonNull(wo, "wo");
    this.positions = Objects.requireNonNull(positions, "positions");
    this.mask = Objects.requireNonNull(mask, "mask");
    this.cross = cross;
    this.variant = Objects.requireNonNull(variant, "variant");
  }

  /**
   * This attention with scores under {@code v} (scale, soft cap, sliding window) instead of plain
   * {@code q·kᵀ/√hd}.
   */
  public Attention withVariant(AttentionVariant v) {
    return new Attention(nHeads, nKvHeads, wq, wk, wv, wo, positions, mask, cross, v);
  }

  /** The score variant (STANDARD for plain attention). */
  public AttentionVariant variant() {
    return variant;
  }

  /**
   * The attention variant of layer {@code layer} of the config: its score scale and soft cap, and
   * the sliding window when the layer has one.
   */
  public static AttentionVariant variantOf(ModelConfig c, int layer) {
    return new AttentionVariant(c.attentionScale(), c.attentionSoftcap(), c.windowOf(layer));
  }

  /**
   * Self-attention.
   *
   * @param mask {@link AttentionMask#CAUSAL} for a decoder, {@link AttentionMask#BIDIRECTIONAL} for
   *     an encoder (training may give per-sequence padding masks)
   * @param positions the scheme whose {@link Positions#rotate} applies to q and k
   */
  public static Attention self(int nHeads, int nKvHeads, Linear wq, Linear wk, Linear wv, Linear wo,
      Positions positions, AttentionMask mask) {
    return new Attention(nHeads, nKvHeads, wq, wk, wv, wo, positions, mask, false);
  }

  /**
   * The causal self-attention of layer 0 of the config, its matrices read as {@code mode} says (see
   * {@link #of(ModelConfig, LayerWeights, Positions, DecodeMatrices, int)} for the others: with
   * alternating sliding windows, layers differ).
   */
  public static Attention of(ModelConfig c, LayerWeights w, Positions positions, DecodeMatrices mode) {
    return of(c, w, positions, mode, 0);
  }

  /** The causal self-attention of layer {@code layer} of the config (its variant included). */
  public static Attention of(
      ModelConfig c, LayerWeights w, Positions positions, DecodeMatrices mode, int layer) {
    return self(c.nHeads(), c.nKvHeads(), Linear.of(w.wq(), w.bq(), mode),
        Linear.of(w.wk(), w.bk(), mode), Linear.of(w.wv(), w.bv(), mode),
        Linear.of(w.wo(), w.bo(), mode), positions, AttentionMask.CAUSAL)
        .withVariant(variantOf(c, layer));
  }

  /** Cross-attention: queries from x, keys and values from a memory; bidirectional, no positions. */
  public static Attention cross(int nHeads, int nKvHeads, Linear wq, Linear wk, Linear wv, Linear wo) {
    return new Attention(
        nHeads, nKvHeads, wq, wk, wv, wo, Positions.NONE, AttentionMask.BIDIRECTIONAL, true);
  }

  /** Query heads. */
  public int heads() {
    return nHeads;
  }

  /** Key/value heads. */
  public int kvHeads() {
    return nKvHeads;
  }

  // ------------------------------------------------------------------ inference (nothing kept)

  /**
   * Inference of a chunk against a KV cache (causal self-attention of a decoder): the chunk's rows
   * are positions pos..pos+T-1, the cache holds 0..pos-1 and receives this chunk's keys and values.
   *
   * <p>x: (T, C) -> out: (T, C); q, att: (T, nHeads*hd) and k, v: (T, nKvHeads*hd) scratch;
   * probs: (nHeads, T, pos+T) attention weights to fill, or null.
   */
  public void forward(Tensor x, KvCache cache, int layer, CachedAttention kernel, int pos,
      Tensor q, Tensor k, Tensor v, Tensor att, Tensor probs, Tensor out) {
    // x: (T, C) -> q: (T, nh*hd), k, v: (T, nkv*hd), rotated to their positions
    project(x, x, q, k, v, pos);
    // q over cached keys 0..pos+T-1 -> att: (T, nh*hd)
    kernel.forward(cache, layer, pos, q, k, v, att, probs, variant);
    // att: (T, nh*hd) -> out: (T, C)
    wo.forward(att, out);
  }

  /**
   * Inference of one new token for each of T different sequences (batched decoding): row i of x is
   * sequence i's token at position {@code pos[i]}, attending over {@code caches[i]} (which holds
   * its positions 0..pos[i]-1 and receives this one). The projections run over all rows at once,
   * each row exactly as a one-row forward computes it ({@link Linear#forwardRows}); positions and
   * attention run per row, so every row equals the same token decoded by its sequence alone.
   *
   * <p>The rows' attention runs in one parallel loop: the rows split into {@code kernels.length}
   * (at most) contiguous parts, part c on {@code kernels[c]}'s scratch, parts on the team's threads
   * (a row's result does not depend on the thread, the kernel's own loop over heads then running
   * whole on it).
   *
   * <p>x: (T, C) -> out: (T, C); q, att: (T, nHeads*hd) and k, v: (T, nKvHeads*hd) scratch, with
   * {@code rows} their one-row views.
   */
  public void forwardRows(Tensor x, KvCache[] caches, int[] pos, int layer, CachedAttention[] kernels,
      Tensor q, Tensor k, Tensor v, Tensor att, RowViews rows, Tensor out) {
    // x: (T, C) -> q: (T, nh*hd), k, v: (T, nkv*hd)
    wq.forwardRows(x, q);
    wk.forwardRows(x, k);
    wv.forwardRows(x, v);
    int t = x.dim(0);
    int parts = Math.min(kernels.length, t);
    long keys = 0;
    for (int i = 0; i < t; i++) {
      keys += pos[i] + 1;
    }
    Parallel.forRange(parts, 3L * keys * q.dim(1) / parts, (c0, c1) -> {
      for (int c = c0; c < c1; c++) {
        for (int i = t * c / parts; i < t * (c + 1) / parts; i++) {
          // row i: rotated to its own position, then over its own cache -> att[i]: (1, nh*hd)
          positions.rotate(rows.q[i], nHeads, pos[i]);
          positions.rotate(rows.k[i], nKvHeads, pos[i]);
          kernels[c].forward(caches[i], layer, pos[i], rows.q[i], rows.k[i], rows.v[i], rows.att[i],
              null, variant);
        }
      }
    });
    // att: (T, nh*hd) -> out: (T, C)
    wo.forwardRows(att, out);
  }

  /**
   * Inference of one whole sequence under {@code mask} (encoder self-attention), no cache.
   *
   * <p>x: (T, C) -> out: (T, C); q, att (T, nHeads*hd), k, v (T, nKvHeads*hd) scratch; probs
   * (nHeads, T, T) or null.
   */
  public void forward(Tensor x, AttentionMask mask, Tensor q, Tensor k, Tensor v, Tensor att,
      Tensor probs, Tensor out) {
    project(x, x, q, k, v, 0);
    attend(q, k, v, mask, att, probs);
    wo.forward(att, out);
  }

  /**
   * Inference of several whole sequences packed one after another (an encoder batch), no cache:
   * the projections run over every row at once (one sgemm each), the attention per sequence, so
   * no padding is computed and sequences cannot see each other.
   *
   * <p>x: (N, C), sequence b at rows offsets[b]..offsets[b+1]-1 -> out: (N, C); q, att
   * (N, nHeads*hd) and k, v (N, nKvHeads*hd) scratch; masks[b] the mask of sequence b (positions
   * 0..T_b-1); probs null, or probs[b] (nHeads, T_b, T_b) or null per sequence.
   */
  public void forward(Tensor x, int[] offsets, AttentionMask[] masks, Tensor q, Tensor k,
      Tensor v, Tensor att, Tensor[] probs, Tensor out) {
    if (offsets.length != masks.length + 1 || offsets[masks.length] != x.dim(0)) {
      throw new IllegalArgumentException("Attention.forward: " + masks.length + " masks and offsets "
          + Arrays.toString(offsets) + " must cover the " + x.dim(0) + " rows of x");
    }
    // x: (N, C) -> q: (N, nh*hd), k, v: (N, nkv*hd)
    wq.forward(x, q);
    wk.forward(x, k);
    wv.forward(x, v);
    Parallel.RangeBody body = (first, last) -> {
      for (int b = first; b < last; b++) {
        int from = offsets[b];
        int to = offsets[b + 1];
        Tensor qb = q.slice(from, to);
        Tensor kb = k.slice(from, to);
        positions.rotate(qb, nHeads, 0);
        positions.rotate(kb, nKvHeads, 0);
        // sequence b: (T_b, nh*hd) -> att rows from..to-1, probs (nh, T_b, T_b)
        attend(qb, kb, v.slice(from, to), masks[b], att.slice(from, to),
            probs == null ? null : probs[b]);
      }
    };
    if (masks.length >= Parallel.threads() && masks.length > 1) {
      // whole sequences per thread (the kernel inside then runs serially): no per-call fork/join
      long rows = x.dim(0) / masks.length;
      Parallel.forRange(masks.length, rows * rows * q.dim(1) * 4L, body);
    } else {
      body.run(0, masks.length);
    }
    // att: (N, nh*hd) -> out: (N, C)
    wo.forward(att, out);
  }

  /**
   * Keys and values of a memory for cross-attention, computed once per memory and kept by the
   * caller for every decoding step. memory: (S, C) -> k, v: (S, nKvHeads*hd).
   */
  public void projectMemory(Tensor memory, Tensor k, Tensor v) {
    wk.forward(memory, k);
    wv.forward(memory, v);
  }

  /**
   * Inference of cross-attention over a projected memory ({@link #projectMemory}).
   *
   * <p>x: (T, C), k, v: (S, nKvHeads*hd) -> out: (T, C); q, att (T, nHeads*hd) scratch; mask
   * BIDIRECTIONAL or the memory's padding; probs (nHeads, T, S) or null.
   */
  public void forwardCross(Tensor x, Tensor k, Tensor v, AttentionMask mask, Tensor q, Tensor att,
      Tensor probs, Tensor out) {
    wq.forward(x, q);
    attend(q, k, v, mask, att, probs);
    wo.forward(att, out);
  }

  /** x: (T, C), m: (S, C) -> q (T, nh*hd), k, v (S, nkv*hd); rotated to positions start.. (self). */
  private void project(Tensor x, Tensor m, Tensor q, Tensor k, Tensor v, int start) {
    wq.forward(x, q);
    wk.forward(m, k);
    wv.forward(m, v);
    positions.rotate(q, nHeads, start);
    positions.rotate(k, nKvHeads, start);
  }

  /** One sequence: q (T, nh*hd), k, v (S, nkv*hd) -> att (T, nh*hd), probs (nh, T, S) or null. */
  private void attend(Tensor q, Tensor k, Tensor v, AttentionMask m, Tensor att, Tensor probs) {
    if (variant.isStandard()) {
      dev.llmkit.tensor.Attention.forward(q, k, v, nHeads, nKvHeads, m, k.dim(0), 0, att, probs);
    } else {
      VariantAttention.forward(q, k, v, nHeads, nKvHeads, m, variant, k.dim(0), 0, att, probs);
    }
  }

  // ------------------------------------------------------------------------------- training

  /**
   * The training state of self-attention over {@code batch} sequences of {@code block} tokens.
   */
  public Training training(int batch, int block, Gradients g) {
    if (cross) {
      throw new IllegalStateException("Attention.training: cross-attention needs the memory block");
    }
    return new Training(batch, block, block, g);
  }

  /**
   * The training state of cross-attention: {@code batch} sequences of {@code block} query tokens
   * over memories of {@code memoryBlock} tokens.
   */
  public Training training(int batch, int block, int memoryBlock, Gradients g) {
    if (!cross) {
      throw new IllegalStateException("Attention.training: self-attention keys are its own block");
    }
    return new Training(batch, block, memoryBlock, g);
  }

  /**
   * {@link Attention}'s kept activations and backward for a fixed (batch, block, memory block). The
   * projections run over all rows at once; the attention runs per sequence, in parallel over the
   * sequences of the batch.
   */
  public final class Training implements Trainable {

    private final int batch;
    private final int block;
    private final int memoryBlock;
    private final Linear.Training tq;
    private final Linear.Training tk;
    private final Linear.Training tv;
    private final Linear.Training to;
    private final AttentionMask[] masks;
    // kept: q, att (B*T, nh*hd); k, v (B*S, nkv*hd); probs (B, nh, T, S)
    private final Tensor q;
    private final Tensor k;
    private final Tensor v;
    private final Tensor att;
    private final Tensor probs;
    // gradient scratch of the same shapes
    private final Tensor dq;
    private final Tensor dk;
    private final Tensor dv;
    private final Tensor datt;
    // per-sequence views, made once
    private final Tensor[] qb;
    private final Tensor[] kb;
    private final Tensor[] vb;
    private final Tensor[] attb;
    private final Tensor[] probsb;
    private final Tensor[] dqb;
    private final Tensor[] dkb;
    private final Tensor[] dvb;
    private final Tensor[] dattb;
    private final Parallel.RangeBody forwardBody = (from, to) -> {
      for (int b = from; b < to; b++) {
        forwardSequence(b);
      }
    };
    private final Parallel.RangeBody backwardBody = (from, to) -> {
      for (int b = from; b < to; b++) {
        backwardSequence(b);
      }
    };

    private Training(int batch, int block, int memoryBlock, Gradients g) {
      if (batch < 1 || block < 1 || memoryBlock < 1) {
        throw new IllegalArgumentException(
            "Attention.training: batch " + batch + ", block " + block + ", memory block "
                + memoryBlock + " must be positive");
      }
      this.batch = batch;
      this.block = block;
      this.memoryBlock = memoryBlock;
      this.tq = wq.training(g);
      this.tk = wk.training(g);
      this.tv = wv.training(g);
      this.to = wo.training(g);
      this.masks = new AttentionMask[batch];
      Arrays.fill(masks, mask);
      int qDim = wq.weight().rows();
      int kvDim = wk.weight().rows();
      int rows = batch * block;
      int mrows = batch * memoryBlock;
      q = Tensor.zeros(rows, qDim);
      k = Tensor.zeros(mrows, kvDim);
      v = Tensor.zeros(mrows, kvDim);
      att = Tensor.zeros(rows, qDim);
      probs = Tensor.zeros(batch, nHeads, block, memoryBlock);
      dq = Tensor.zeros(rows, qDim);
      dk = Tensor.zeros(mrows, kvDim);
      dv = Tensor.zeros(mrows, kvDim);
      datt = Tensor.zeros(rows, qDim);
      qb = perSequence(q, block);
      kb = perSequence(k, memoryBlock);
      vb = perSequence(v, memoryBlock);
      attb = perSequence(att, block);
      dqb = perSequence(dq, block);
      dkb = perSequence(dk, memoryBlock);
      dvb = perSequence(dv, memoryBlock);
      dattb = perSequence(datt, block);
      probsb = new Tensor[batch];
      for (int b = 0; b < batch; b++) {
        probsb[b] = probs.row(b);
      }
    }

    private Tensor[] perSequence(Tensor t, int rows) {
      Tensor[] views = new Tensor[batch];
      for (int b = 0; b < batch; b++) {
        views[b] = t.slice(b * rows, (b + 1) * rows);
      }
      return views;
    }

    /** (batch, nHeads, block, memory block) attention probabilities of the last forward. */
    public Tensor probs() {
      return probs;
    }

    /**
     * The mask of each sequence from the next forward on (e.g. padding masks); null restores the
     * layer's own mask.
     *
     * @param perSequence one mask per sequence of the batch
     */
    public void masks(AttentionMask... perSequence) {
      if (perSequence == null) {
        Arrays.fill(masks, mask);
        return;
      }
      if (perSequence.length != batch) {
        throw new IllegalArgumentException(
            "Attention.masks: " + perSequence.length + " masks, expected one per sequence ("
                + batch + ")");
      }
      for (int b = 0; b < batch; b++) {
        masks[b] = Objects.requireNonNull(perSequence[b], "mask of sequence " + b);
      }
    }

    /** Self-attention forward: x: (B*T, C) -> out: (B*T, C). */
    @Override
    public void forward(Tensor x, Tensor out) {
      forward(x, x, out);
    }

    /** Self-attention backward: dout: (B*T, C) -> dx += (B*T, C). */
    @Override
    public void backward(Tensor x, Tensor dout, Tensor dx) {
      backward(x, x, dout, dx, dx);
    }

    /**
     * Forward.
     *
     * @param x (batch*block, C) queries' input
     * @param memory (batch*memoryBlock, C) keys' and values' input (x itself for self-attention)
     * @param out (batch*block, C), overwritten
     */
    public void forward(Tensor x, Tensor memory, Tensor out) {
      // x: (B*T, C) -> q: (B*T, nh*hd); memory: (B*S, C) -> k, v: (B*S, nkv*hd)
      wq.forward(x, q);
      wk.forward(memory, k);
      wv.forward(memory, v);
      // per sequence: positions on q, k; att: (T, nh*hd), probs: (nh, T, S)
      forEachSequence(forwardBody);
      // att: (B*T, nh*hd) -> out: (B*T, C)
      wo.forward(att, out);
    }

    /**
     * Backward of the last forward.
     *
     * @param x (batch*block, C) the queries' input of the forward pass
     * @param memory (batch*memoryBlock, C) the keys' input of the forward pass
     * @param dout (batch*block, C) gradient of the output
     * @param dx (batch*block, C) gradient of x, added into
     * @param dmemory (batch*memoryBlock, C) gradient of the memory, added into (dx for self-attention)
     */
    public void backward(Tensor x, Tensor memory, Tensor dout, Tensor dx, Tensor dmemory) {
      // dout: (B*T, C) -> datt: (B*T, nh*hd)
      datt.fill(0f);
      to.backward(att, dout, datt);
      dq.fill(0f);
      dk.fill(0f);
      dv.fill(0f);
      // per sequence: datt -> dq, dk, dv; positions' backward rotates dq, dk back
      forEachSequence(backwardBody);
      // dq -> dx; dk, dv -> dmemory
      tq.backward(x, dq, dx);
      tk.backward(memory, dk, dmemory);
      tv.backward(memory, dv, dmemory);
    }

    // sequence b: q, k rotated in place; -> att (T, nh*hd), probs (nh, T, S)
    private void forwardSequence(int b) {
      positions.rotate(qb[b], nHeads, 0);
      positions.rotate(kb[b], nKvHeads, 0);
      attend(qb[b], kb[b], vb[b], masks[b], attb[b], probsb[b]);
    }

    // sequence b: datt (T, nh*hd) -> dq, dk, dv, then rotated back
    private void backwardSequence(int b) {
      if (variant.isStandard()) {
        dev.llmkit.tensor.Attention.backward(qb[b], kb[b], vb[b], nHeads, nKvHeads, masks[b],
            memoryBlock, 0, probsb[b], dattb[b], dqb[b], dkb[b], dvb[b]);
      } else {
        VariantAttention.backward(qb[b], kb[b], vb[b], nHeads, nKvHeads, masks[b], variant,
            memoryBlock, 0, probsb[b], dattb[b], dqb[b], dkb[b], dvb[b]);
      }
      positions.rotateBackward(dqb[b], nHeads, 0);
      positions.rotateBackward(dkb[b], nKvHeads, 0);
    }

    /**
     * Runs {@code body} for every sequence: in parallel over sequences when there are at least as
     * many sequences as threads (the kernels inside then run serially), else one after the other
     * with the kernels' own parallelism.
     */
    private void forEachSequence(Parallel.RangeBody body) {
      if (batch >= Parallel.threads() && batch > 1) {
        long work = (long) block * memoryBlock * q.dim(1) * 4L;
        Parallel.forRange(batch, work, body);
      } else {
        body.run(0, batch);
      }
    }
  }
}
