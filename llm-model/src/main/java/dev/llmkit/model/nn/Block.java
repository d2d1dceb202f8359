package dev.llmkit.model.nn;

import dev.llmkit.model.config.ModelConfig;
import dev.llmkit.model.weights.LayerWeights;
import dev.llmkit.tensor.AttentionMask;
import dev.llmkit.tensor.DecodeMatrices;
import dev.llmkit.tensor.CachedAttention;
import dev.llmkit.tensor.Elementwise;
import dev.llmkit.tensor.KvCache;
import dev.llmkit.tensor.Tensor;
import java.util.Objects;

/**
 * One transformer block: a self-attention and a feed-forward sublayer, each with a residual
 * connection and a norm.
 *
 * <ul>
 *   <li>pre-norm (GPT-2, Llama): {@code x1 = x + Attn(Norm1(x))}, {@code out = x1 + FFN(Norm2(x1))};
 *   <li>post-norm ("Attention Is All You Need", BERT): {@code x1 = Norm1(x + Attn(x))},
 *       {@code out = Norm2(x1 + FFN(x1))};
 *   <li>pre-norm with sandwich norms (Gemma 2): {@code x1 = x + Post1(Attn(Norm1(x)))},
 *       {@code out = x1 + Post2(FFN(Norm2(x1)))}.
 * </ul>
 *
 * <p>The composition is written once ({@link #compose}); inference runs it on a session's scratch
 * (the residual stream updated in place), training on buffers it keeps for backward.
 */
public final class Block {

  private final boolean preNorm;
  private final Norm norm1;
  private final Attention attention;
  private final Norm norm2;
  private final FeedForward ffn;
  /** Sandwich norms of the sublayers' outputs (pre-norm only), or null. */
  private final Norm post1;
  private final Norm post2;

  /**
   * @param preNorm pre-norm (norm at each sublayer's input) or post-norm (after each residual sum)
   * @param norm1 the attention sublayer's norm
   * @param attention self-attention
   * @param norm2 the feed-forward sublayer's norm
   * @param ffn the feed-forward network
   */
  public Block(boolean preNorm, Norm norm1, Attention attention, Norm norm2, FeedForward ffn) {
    this(preNorm, norm1, attention, norm2, ffn, null, null);
  }

  /**
   * A block with sandwich norms (Gemma 2).
   *
   * @param post1 the norm of the attention output before its residual add, or null
   * @param post2 the norm of the feed-forward output before its residual add, or null
   */
  public Block(boolean preNorm, Norm norm1, Attention attention, Norm norm2, FeedForward ffn,
      Norm post1, Norm post2) {
    this.preNorm = preNorm;
    this.norm1 = Objects.requireNonNull(norm1, "norm1");
    this.attention = Objects.requireNonNull(attention, "attention");
    this.norm2 = Objects.requireNonNull(norm2, "norm2");
    this.ffn = Objects.requireNonNull(ffn, "ffn");
    if ((post1 != null || post2 != null) && !preNorm) {
      throw new IllegalArgumentException("Block: sandwich norms need pre-norm");
    }
    this.post1 = post1;
    this.post2 = post2;
  }

  /**
   * A decoder block of the config over the weights of layer 0 (causal self-attention), its
   * matrices read as {@code mode} says (AUTO resolved).
   */
  public static Block of(ModelConfig c, LayerWeights w, Positions positions, DecodeMatrices mode) {
    return of(c, w, positions, mode, 0);
  }

  /** The decoder block of layer {@code layer} of the config (its sliding window, when it has one). */
  public static Block of(
      ModelConfig c, LayerWeights w, Positions positions, DecodeMatrices mode, int layer) {
    return new Block(c.preNorm(),
        Norm.of(c.norm(), c.normEps(), w.attnNormWeight(), w.attnNormBias()),
        Attention.of(c, w, positions, mode, layer),
        Norm.of(c.norm(), c.normEps(), w.mlpNormWeight(), w.mlpNormBias()),
        FeedForward.of(c, w, mode),
        c.sandwichNorms() ? Norm.of(c.norm(), c.normEps(), w.postAttnNormWeight(), null) : null,
        c.sandwichNorms() ? Norm.of(c.norm(), c.normEps(), w.postFfnNormWeight(), null) : null);
  }

  /** The self-attention sublayer. */
  public Attention attention() {
    return attention;
  }

  /** A sublayer's forward: x: (rows, C) -> out: (rows, C). */
  @FunctionalInterface
  interface Sublayer {
    void forward(Tensor x, Tensor out);
  }

  /**
   * The block, for both modes. x: (rows, C) -> out: (rows, C). Pre-norm uses h1, x1, h2 (x1 and
   * out may be x), and s1, s2 for the sandwich norms' outputs; post-norm uses s1, x1, s2 (x1 and out
   * may be the same tensor). ya, yf: (rows, C) hold the attention's and the feed-forward's outputs
   * (may be one tensor unless training with sandwich norms).
   */
  private void compose(Sublayer n1, Sublayer attn, Sublayer n2, Sublayer mlp, Sublayer p1,
      Sublayer p2, Tensor x, Tensor h1, Tensor s1, Tensor x1, Tensor h2, Tensor s2, Tensor ya,
      Tensor yf, Tensor out) {
    if (preNorm) {
      n1.forward(x, h1);
      attn.forward(h1, ya);
      if (p1 != null) {
        p1.forward(ya, s1);
        Elementwise.residualAdd(x, s1, x1);
      } else {
        Elementwise.residualAdd(x, ya, x1);
      }
      n2.forward(x1, h2);
      mlp.forward(h2, yf);
      if (p2 != null) {
        p2.forward(yf, s2);
        Elementwise.residualAdd(x1, s2, out);
      } else {
        Elementwise.residualAdd(x1, yf, out);
      }
    } else {
      attn.forward(x, ya);
      Elementwise.residualAdd(x, ya, s1);
      n1.forward(s1, x1);
      mlp.forward(x1, yf);
      Elementwise.residualAdd(x1, yf, s2);
      n2.forward(s2, out);
    }
  }

  // ------------------------------------------------------------------ inference (nothing kept)

  /**
   * Inference of a chunk at positions pos..pos+T-1 against layer {@code layer} of the KV cache:
   * ws.x: (T, C) updated in place; probs (nHeads, T, pos+T) or null.
   */
  public void forward(
      Workspace ws, KvCache cache, int layer, CachedAttention kernel, int pos, Tensor probs) {
    Sublayer attn = (in, o) ->
        attention.forward(in, cache, layer, kernel, pos, ws.q, ws.k, ws.v, ws.att, probs, o);
    run(ws, attn);
  }

  /**
   * Inference of one new token for each of T = ws.rows different sequences (batched decoding): row
   * i at position {@code pos[i]} against layer {@code layer} of {@code caches[i]}; ws.x: (T, C)
   * updated in place, every row as the sequence alone would compute it.
   */
  public void forwardRows(Workspace ws, RowViews rows, KvCache[] caches, int[] pos, int layer,
      CachedAttention[] kernels) {
    Sublayer attn = (in, o) -> attention.forwardRows(
        in, caches, pos, layer, kernels, ws.q, ws.k, ws.v, ws.att, rows, o);
    Sublayer mlp = (in, o) -> ffn.forwardRows(in, ws.h, ws.up, ws.act, o);
    compose(norm1::forward, attn, norm2::forward, mlp, post1 == null ? null : post1::forward,
        post2 == null ? null : post2::forward, ws.x, ws.xn, ws.tmp, ws.x, ws.xn, ws.tmp, ws.proj,
        ws.proj, ws.x);
  }

  /** Inference of one whole sequence under {@code mask} (an encoder): ws.x: (T, C) in place. */
  public void forward(Workspace ws, AttentionMask mask, Tensor probs) {
    run(ws, (in, o) -> attention.forward(in, mask, ws.q, ws.k, ws.v, ws.att, probs, o));
  }

  /**
   * Inference of several whole sequences packed one after another (an encoder batch): ws.x: (N, C)
   * in place, sequence b at rows offsets[b]..offsets[b+1]-1 under masks[b]; probs null or, per
   * sequence, (nHeads, T_b, T_b) or null. Every projection runs over all N rows at once.
   */
  public void forward(Workspace ws, int[] offsets, AttentionMask[] masks, Tensor[] probs) {
    run(ws, (in, o) ->
        attention.forward(in, offsets, masks, ws.q, ws.k, ws.v, ws.att, probs, o));
  }

  private void run(Workspace ws, Sublayer attn) {
    Sublayer mlp = (in, o) -> ffn.forward(in, ws.h, ws.up, ws.act, o);
    compose(norm1::forward, attn, norm2::forward, mlp, post1 == null ? null : post1::forward,
        post2 == null ? null : post2::forward, ws.x, ws.xn, ws.tmp, ws.x, ws.xn, ws.tmp, ws.proj,
        ws.proj, ws.x);
  }

  // ------------------------------------------------------------------------------- training

  /** The training state of {@code batch} sequences of {@code block} tokens. */
  public Training training(int batch, int block, Gradients g) {
    return new Training(batch, block, g);
  }

  /** {@link Block}'s kept activations and backward for a fixed (batch, block). */
  public final class Training implements Trainable {

    private final Norm.Training n1;
    private final Norm.Training n2;
    private final Attention.Training attn;
    private final FeedForward.Training mlp;
    private final Norm.Training p1; // sandwich norms, or null
    private final Norm.Training p2;
    // kept, (B*T, C)
    private final Tensor h1; // pre-norm: Norm1(x)
    private final Tensor s1; // post-norm: x + Attn(x)
    private final Tensor x1; // residual stream between the sublayers
    private final Tensor h2; // pre-norm: Norm2(x1)
    private final Tensor s2; // post-norm: x1 + FFN(x1)
    private final Tensor ya; // sandwich: Attn(h1), kept; else = y
    private final Tensor yf; // sandwich: FFN(h2), kept; else = y
    // scratch, (B*T, C)
    private final Tensor y;
    private final Tensor dy;
    private final Tensor dh;
    private final Tensor dx1;

    private Training(int batch, int block, Gradients g) {
      int rows = batch * block;
      this.n1 = norm1.training(rows, g);
      this.n2 = norm2.training(rows, g);
      this.attn = attention.training(batch, block, g);
      this.mlp = ffn.training(rows, g);
      this.p1 = post1 == null ? null : post1.training(rows, g);
      this.p2 = post2 == null ? null : post2.training(rows, g);
      boolean sandwich = post1 != null || post2 != null;
      int c = norm1.weight.length();
      this.h1 = preNorm ? Tensor.zeros(rows, c) : null;
      this.s1 = preNorm && !sandwich ? null : Tensor.zeros(rows, c);
      this.x1 = Tensor.zeros(rows, c);
      this.h2 = preNorm ? Tensor.zeros(rows, c) : null;
      this.s2 = preNorm && !sandwich ? null : Tensor.zeros(rows, c);
      this.y = Tensor.zeros(rows, c);
      this.ya = sandwich ? Tensor.zeros(rows, c) : y;
      this.yf = sandwich ? Tensor.zeros(rows, c) : y;
      this.dy = sandwich ? Tensor.zeros(rows, c) : null;
      this.dh = Tensor.zeros(rows, c);
      this.dx1 = Tensor.zeros(rows, c);
    }

    /** The attention sublayer's training state (its probabilities). */
    public Attention.Training attention() {
      return attn;
    }

    /**
     * Training forward: x: (B*T, C) -> out: (B*T, C); x must stay unchanged until backward.
     */
    @Override
    public void forward(Tensor x, Tensor out) {
      compose(n1::forward, attn::forward, n2::forward, mlp::forward,
          p1 == null ? null : p1::forward, p2 == null ? null : p2::forward,
          x, h1, s1, x1, h2, s2, ya, yf, out);
    }

    /**
     * Backward of the last forward: dout: (B*T, C) -> dx += (B*T, C); dx must not be dout.
     */
    @Override
    public void backward(Tensor x, Tensor dout, Tensor dx) {
      if (dx == dout) {
        throw new IllegalArgumentException("Block.backward: dx must not be dout");
      }
      if (preNorm) {
        // out = x1 + [Post2](FFN(Norm2(x1))): dx1 = dout + Norm2'ᵀ(FFN'ᵀ [Post2'ᵀ] dout)
        Tensor dyf = dout;
        if (p2 != null) {
          dy.fill(0f);
          p2.backward(yf, dout, dy);
          dyf = dy;
        }
        dh.fill(0f);
        mlp.backward(h2, dyf, dh);
        dx1.copyFrom(dout);
        n2.backward(x1, dh, dx1);
        // x1 = x + [Post1](Attn(Norm1(x))): dx += dx1 + Norm1'ᵀ(Attn'ᵀ [Post1'ᵀ] dx1)
        Tensor dya = dx1;
        if (p1 != null) {
          dy.fill(0f);
          p1.backward(ya, dx1, dy);
          dya = dy;
        }
        dh.fill(0f);
        attn.backward(h1, dya, dh);
        Elementwise.addInPlace(dx, dx1);
        n1.backward(x, dh, dx);
      } else {
        // out = Norm2(s2), s2 = x1 + FFN(x1): dx1 = ds2 + FFN'ᵀ ds2
        dh.fill(0f);
        n2.backward(s2, dout, dh);
        dx1.copyFrom(dh);
        mlp.backward(x1, dh, dx1);
        // x1 = Norm1(s1), s1 = x + Attn(x): dx += ds1 + Attn'ᵀ ds1
        dh.fill(0f);
        n1.backward(s1, dx1, dh);
        Elementwise.addInPlace(dx, dh);
        attn.backward(x, dh, dx);
      }
    }
  }
}
