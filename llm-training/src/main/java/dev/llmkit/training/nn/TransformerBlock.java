package dev.llmkit.training.nn;

import dev.llmkit.model.config.ModelConfig;
import dev.llmkit.model.weights.LayerWeights;
import dev.llmkit.tensor.Elementwise;
import dev.llmkit.tensor.RopeTable;
import dev.llmkit.tensor.Tensor;

/**
 * One transformer block in training mode: self-attention and feed-forward sublayers, each with a
 * residual connection and a norm.
 *
 * <ul>
 *   <li>pre-norm (GPT-2, Llama): {@code x1 = x + Attn(Norm1(x))}, {@code out = x1 + FFN(Norm2(x1))};
 *   <li>post-norm ("Attention Is All You Need"): {@code x1 = Norm1(x + Attn(x))},
 *       {@code out = Norm2(x1 + FFN(x1))}.
 * </ul>
 *
 * <p>Every activation backward needs is allocated once for the (batch, block) shape; the caller
 * keeps the block's input.
 */
public final class TransformerBlock implements Layer {

  private final boolean preNorm;
  private final Norm norm1;
  private final Norm norm2;
  private final CausalSelfAttention attn;
  private final FeedForward ffn;

  // saved activations, (B*T, C) and (B*T)
  private final Tensor h1; // pre-norm: Norm1(x)
  private final Tensor s1; // post-norm: x + Attn(x)
  private final Tensor x1; // residual stream between the sublayers
  private final Tensor h2; // pre-norm: Norm2(x1)
  private final Tensor s2; // post-norm: x1 + FFN(x1)
  private final Tensor mean1;
  private final Tensor rstd1;
  private final Tensor mean2;
  private final Tensor rstd2;
  // scratch
  private final Tensor y; // sublayer output, (B*T, C)
  private final Tensor dh; // gradient of a sublayer's input (pre-norm) or of a norm's input (post-norm)
  private final Tensor dx1; // gradient of x1

  /**
   * @param config the model
   * @param p the block's parameters
   * @param g the block's gradients (same structure)
   * @param batch sequences per forward
   * @param block tokens per sequence
   * @param rope rotary table covering {@code block} positions, or null unless the config is rotary
   */
  public TransformerBlock(
      ModelConfig config, LayerWeights p, LayerWeights g, int batch, int block, RopeTable rope) {
    int rows = batch * block;
    int c = config.dim();
    this.preNorm = config.preNorm();
    this.norm1 = new Norm(config.norm(), config.normEps(), p.attnNormWeight(), p.attnNormBias(),
        g.attnNormWeight(), g.attnNormBias());
    this.norm2 = new Norm(config.norm(), config.normEps(), p.mlpNormWeight(), p.mlpNormBias(),
        g.mlpNormWeight(), g.mlpNormBias());
    this.attn = new CausalSelfAttention(config, p, g, batch, block, rope);
    this.ffn = new FeedForward(config, p, g, rows);
    this.h1 = preNorm ? Tensor.zeros(rows, c) : null;
    this.s1 = preNorm ? null : Tensor.zeros(rows, c);
    this.x1 = Tensor.zeros(rows, c);
    this.h2 = preNorm ? Tensor.zeros(rows, c) : null;
    this.s2 = preNorm ? null : Tensor.zeros(rows, c);
    this.mean1 = norm1.needsMean() ? Tensor.zeros(rows) : null;
    this.rstd1 = Tensor.zeros(rows);
    this.mean2 = norm2.needsMean() ? Tensor.zeros(rows) : null;
    this.rstd2 = Tensor.zeros(rows);
    this.y = Tensor.zeros(rows, c);
    this.dh = Tensor.zeros(rows, c);
    this.dx1 = Tensor.zeros(rows, c);
  }

  /** The attention sublayer (for its probabilities). */
  public CausalSelfAttention attention() {
    return attn;
  }

  /**
   * Forward pass.
   *
   * @param x (batch*block, C) input residual stream; must stay unchanged until {@link #backward}
   * @param out (batch*block, C), overwritten
   */
  @Override
  public void forward(Tensor x, Tensor out) {
    // x: (B*T, C) -> out: (B*T, C)
    if (preNorm) {
      norm1.forward(x, h1, mean1, rstd1);
      attn.forward(h1, y);
      Elementwise.residualAdd(x, y, x1);
      norm2.forward(x1, h2, mean2, rstd2);
      ffn.forward(h2, y);
      Elementwise.residualAdd(x1, y, out);
    } else {
      attn.forward(x, y);
      Elementwise.residualAdd(x, y, s1);
      norm1.forward(s1, x1, mean1, rstd1);
      ffn.forward(x1, y);
      Elementwise.residualAdd(x1, y, s2);
      norm2.forward(s2, out, mean2, rstd2);
    }
  }

  /**
   * Backward pass of the last forward.
   *
   * @param x (batch*block, C) the input of the forward pass
   * @param dout (batch*block, C) gradient of the output
   * @param dx (batch*block, C) gradient of the input, added into (must not be {@code dout})
   */
  @Override
  public void backward(Tensor x, Tensor dout, Tensor dx) {
    if (dx == dout) {
      throw new IllegalArgumentException("TransformerBlock.backward: dx must not be dout");
    }
    if (preNorm) {
      // out = x1 + FFN(Norm2(x1)): dx1 = dout + Norm2'ᵀ(FFN'ᵀ dout)
      dh.fill(0f);
      ffn.backward(h2, dout, dh);
      dx1.copyFrom(dout);
      norm2.backward(dh, x1, mean2, rstd2, dx1);
      // x1 = x + Attn(Norm1(x)): dx += dx1 + Norm1'ᵀ(Attn'ᵀ dx1)
      dh.fill(0f);
      attn.backward(h1, dx1, dh);
      Elementwise.addInPlace(dx, dx1);
      norm1.backward(dh, x, mean1, rstd1, dx);
    } else {
      // out = Norm2(s2), s2 = x1 + FFN(x1): dx1 = ds2 + FFN'ᵀ ds2
      dh.fill(0f);
      norm2.backward(dout, s2, mean2, rstd2, dh);
      dx1.copyFrom(dh);
      ffn.backward(x1, dh, dx1);
      // x1 = Norm1(s1), s1 = x + Attn(x): dx += ds1 + Attn'ᵀ ds1
      dh.fill(0f);
      norm1.backward(dx1, s1, mean1, rstd1, dh);
      Elementwise.addInPlace(dx, dh);
      attn.backward(x, dh, dx);
    }
  }
}
