package dev.llmkit.training.nn;

import dev.llmkit.model.config.ModelConfig;
import dev.llmkit.model.config.ModelConfig.PositionEncoding;
import dev.llmkit.model.weights.LayerWeights;
import dev.llmkit.tensor.Attention;
import dev.llmkit.tensor.AttentionMask;
import dev.llmkit.tensor.Parallel;
import dev.llmkit.tensor.Rope;
import dev.llmkit.tensor.RopeStyle;
import dev.llmkit.tensor.RopeTable;
import dev.llmkit.tensor.Tensor;

/**
 * Masked (causal) multi-head self-attention with grouped-query attention and optional rotary
 * positions, in training mode: {@code q = x·Wqᵀ + bq}, {@code k}, {@code v} likewise, RoPE on q and k,
 * {@code att = softmax(q·kᵀ / sqrt(headDim) + causal mask)·v} per head, {@code out = att·Woᵀ + bo}.
 *
 * <p>The projections run over all batch*block rows at once; the attention itself runs per sequence,
 * in parallel over the sequences of the batch. Activations (q, k, v after RoPE, the attention
 * probabilities and the attention output) are allocated once for the (batch, block) shape.
 */
public final class CausalSelfAttention implements Layer {

  private final int batch;
  private final int block;
  private final int nHeads;
  private final int nKvHeads;
  private final RopeTable rope;
  private final RopeStyle ropeStyle;
  private final Linear wq;
  private final Linear wk;
  private final Linear wv;
  private final Linear wo;

  // saved activations: q, att (B*T, nHeads*hd); k, v (B*T, nKvHeads*hd); probs (B, nHeads, T, T)
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
  // per-sequence views, made once: index b covers rows b*T..(b+1)*T-1
  private final Tensor[] qb;
  private final Tensor[] kb;
  private final Tensor[] vb;
  private final Tensor[] attb;
  private final Tensor[] probsb;
  private final Tensor[] dqb;
  private final Tensor[] dkb;
  private final Tensor[] dvb;
  private final Tensor[] dattb;
  private final SequenceBody forwardBody = this::forwardSequence;
  private final SequenceBody backwardBody = this::backwardSequence;

  /**
   * @param config the model (heads, kv heads, biases, positions)
   * @param p the block's parameters
   * @param g the block's gradients (same structure)
   * @param batch sequences per forward
   * @param block tokens per sequence
   * @param rope precomputed rotary table covering at least {@code block} positions; null unless the
   *     config uses rotary positions
   */
  public CausalSelfAttention(
      ModelConfig config, LayerWeights p, LayerWeights g, int batch, int block, RopeTable rope) {
    if (config.positions() == PositionEncoding.ROTARY && rope == null) {
      throw new IllegalArgumentException("CausalSelfAttention: rotary positions need a RopeTable");
    }
    this.batch = batch;
    this.block = block;
    this.nHeads = config.nHeads();
    this.nKvHeads = config.nKvHeads();
    this.rope = config.positions() == PositionEncoding.ROTARY ? rope : null;
    this.ropeStyle = config.ropeStyle();
    this.wq = new Linear(p.wq(), p.bq(), g.wq(), g.bq());
    this.wk = new Linear(p.wk(), p.bk(), g.wk(), g.bk());
    this.wv = new Linear(p.wv(), p.bv(), g.wv(), g.bv());
    this.wo = new Linear(p.wo(), p.bo(), g.wo(), g.bo());
    int rows = batch * block;
    int qDim = nHeads * config.headDim();
    int kvDim = config.kvDim();
    q = Tensor.zeros(rows, qDim);
    k = Tensor.zeros(rows, kvDim);
    v = Tensor.zeros(rows, kvDim);
    att = Tensor.zeros(rows, qDim);
    probs = Tensor.zeros(batch, nHeads, block, block);
    dq = Tensor.zeros(rows, qDim);
    dk = Tensor.zeros(rows, kvDim);
    dv = Tensor.zeros(rows, kvDim);
    datt = Tensor.zeros(rows, qDim);
    qb = perSequence(q);
    kb = perSequence(k);
    vb = perSequence(v);
    attb = perSequence(att);
    dqb = perSequence(dq);
    dkb = perSequence(dk);
    dvb = perSequence(dv);
    dattb = perSequence(datt);
    probsb = new Tensor[batch];
    for (int b = 0; b < batch; b++) {
      probsb[b] = probs.row(b);
    }
  }

  private Tensor[] perSequence(Tensor t) {
    Tensor[] views = new Tensor[batch];
    for (int b = 0; b < batch; b++) {
      views[b] = t.slice(b * block, (b + 1) * block);
    }
    return views;
  }

  /** (batch, nHeads, block, block) attention probabilities of the last forward. */
  public Tensor probs() {
    return probs;
  }

  /**
   * Forward pass.
   *
   * @param x (batch*block, C) normalised input
   * @param out (batch*block, C), overwritten
   */
  @Override
  public void forward(Tensor x, Tensor out) {
    // x: (B*T, C) -> q: (B*T, nh*hd), k, v: (B*T, nkv*hd)
    wq.forward(x, q);
    wk.forward(x, k);
    wv.forward(x, v);
    // per sequence: RoPE on q, k; att: (T, nh*hd), probs: (nh, T, T)
    forEachSequence(forwardBody);
    // att: (B*T, nh*hd) -> out: (B*T, C)
    wo.forward(att, out);
  }

  /**
   * Backward pass of the last forward.
   *
   * @param x (batch*block, C) the input of the forward pass
   * @param dout (batch*block, C) gradient of the output
   * @param dx (batch*block, C) gradient of the input, added into
   */
  @Override
  public void backward(Tensor x, Tensor dout, Tensor dx) {
    // dout: (B*T, C) -> datt: (B*T, nh*hd)
    datt.fill(0f);
    wo.backward(att, dout, datt);
    dq.fill(0f);
    dk.fill(0f);
    dv.fill(0f);
    // per sequence: datt -> dq, dk, dv; RoPE backward rotates dq, dk back
    forEachSequence(backwardBody);
    // dq, dk, dv -> dx: (B*T, C)
    wq.backward(x, dq, dx);
    wk.backward(x, dk, dx);
    wv.backward(x, dv, dx);
  }

  // sequence b: q, k (T, nh*hd / nkv*hd) rotated in place; -> att (T, nh*hd), probs (nh, T, T)
  private void forwardSequence(int b) {
    if (rope != null) {
      Rope.apply(qb[b], nHeads, 0, rope, ropeStyle);
      Rope.apply(kb[b], nKvHeads, 0, rope, ropeStyle);
    }
    Attention.forward(qb[b], kb[b], vb[b], nHeads, nKvHeads, AttentionMask.CAUSAL, block, 0,
        attb[b], probsb[b]);
  }

  // sequence b: datt (T, nh*hd) -> dq, dk, dv, then rotated back by RoPE's backward
  private void backwardSequence(int b) {
    Attention.backward(qb[b], kb[b], vb[b], nHeads, nKvHeads, AttentionMask.CAUSAL, block, 0,
        probsb[b], dattb[b], dqb[b], dkb[b], dvb[b]);
    if (rope != null) {
      Rope.applyBackward(dqb[b], nHeads, 0, rope, ropeStyle);
      Rope.applyBackward(dkb[b], nKvHeads, 0, rope, ropeStyle);
    }
  }

  private interface SequenceBody {
    void run(int b);
  }

  /**
   * Runs {@code body} for every sequence: in parallel over sequences when there are at least as many
   * sequences as threads (the kernels inside then run serially), else one after the other with the
   * kernels' own parallelism.
   */
  private void forEachSequence(SequenceBody body) {
    if (batch >= Parallel.threads() && batch > 1) {
      long work = (long) nHeads * block * block * (q.dim(1) / nHeads) * 4L;
      Parallel.forRange(batch, work, (from, to) -> {
        for (int b = from; b < to; b++) {
          body.run(b);
        }
      });
    } else {
      for (int b = 0; b < batch; b++) {
        body.run(b);
      }
    }
  }
}
