package dev.llmkit.model.t5;

import dev.llmkit.model.nn.Activation;
import dev.llmkit.model.nn.FeedForward;
import dev.llmkit.model.nn.Linear;
import dev.llmkit.model.nn.Norm;
import dev.llmkit.model.nn.ScoreBiasAttention;
import dev.llmkit.model.config.ModelConfig.NormType;
import dev.llmkit.tensor.AttentionMask;
import dev.llmkit.tensor.DecodeMatrices;
import dev.llmkit.tensor.Tensor;

/**
 * One T5 block, pre-norm with residuals, from the shared layers: T5's RMS norm (no mean, no bias),
 * self-attention without the 1/√d scaling and with the stack's relative position bias, in a decoder
 * block cross-attention to the encoder output, then the feed-forward network:
 * {@code x += SelfAttn(Norm0(x))}, [{@code x += CrossAttn(Norm1(x), enc)}], {@code x += FFN(NormF(x))}.
 *
 * @param selfNorm layer.0.layer_norm
 * @param self layer.0.SelfAttention
 * @param crossNorm decoder: layer.1.layer_norm, else null
 * @param cross decoder: layer.1.EncDecAttention, else null
 * @param ffnNorm the last sublayer's layer_norm
 * @param ffn DenseReluDense
 */
record T5Layer(Norm selfNorm, ScoreBiasAttention self, Norm crossNorm, ScoreBiasAttention cross,
    Norm ffnNorm, FeedForward ffn) {

  /** Block {@code i} of the encoder or the decoder, its matrices read as {@code mode} says (resolved). */
  static T5Layer of(T5Weights w, boolean decoder, int i, DecodeMatrices mode) {
    T5Config c = w.config();
    String b = (decoder ? "decoder" : "encoder") + ".block." + i + ".layer.";
    Norm n0 = norm(w, c, b + "0.layer_norm.weight");
    ScoreBiasAttention self = ScoreBiasAttention.self(c.numHeads(),
        lin(w, b + "0.SelfAttention.q", mode), lin(w, b + "0.SelfAttention.k", mode),
        lin(w, b + "0.SelfAttention.v", mode), lin(w, b + "0.SelfAttention.o", mode), 1f,
        decoder ? AttentionMask.CAUSAL : AttentionMask.BIDIRECTIONAL);
    Norm n1 = null;
    ScoreBiasAttention cross = null;
    String f = b + "1.";
    if (decoder) {
      n1 = norm(w, c, b + "1.layer_norm.weight");
      cross = ScoreBiasAttention.cross(c.numHeads(), lin(w, b + "1.EncDecAttention.q", mode),
          lin(w, b + "1.EncDecAttention.k", mode), lin(w, b + "1.EncDecAttention.v", mode),
          lin(w, b + "1.EncDecAttention.o", mode), 1f);
      f = b + "2.";
    }
    FeedForward ffn = c.feedForward() == T5Config.FeedForward.RELU
        ? new FeedForward(Activation.RELU, lin(w, f + "DenseReluDense.wi", mode), null,
            lin(w, f + "DenseReluDense.wo", mode))
        : new FeedForward(Activation.GEGLU_TANH, lin(w, f + "DenseReluDense.wi_0", mode),
            lin(w, f + "DenseReluDense.wi_1", mode), lin(w, f + "DenseReluDense.wo", mode));
    return new T5Layer(n0, self, n1, cross, norm(w, c, f + "layer_norm.weight"), ffn);
  }

  static Norm norm(T5Weights w, T5Config c, String name) {
    return Norm.of(NormType.RMS_NORM, c.layerNormEps(), w.get(name), null);
  }

  private static Linear lin(T5Weights w, String prefix, DecodeMatrices mode) {
    return Linear.of(w.get(prefix + ".weight"), null, mode);
  }

  /**
   * Inference of a chunk of T rows in place. x: (T, C); self-attention at positions pos.. over its
   * cache kSelf, vSelf (≥ pos+T rows; an encoder passes T-row scratch and pos 0) with bias (nHeads,
   * T, pos+T); a decoder attends to the memory's kMem, vMem (S, inner). Probabilities (nHeads, T, ·)
   * are written where not null.
   */
  void forward(Scratch s, Tensor x, int pos, Tensor bias, Tensor kSelf, Tensor vSelf, Tensor kMem,
      Tensor vMem, Tensor selfProbs, Tensor crossProbs) {
    selfNorm.forward(x, s.xn);
    self.forward(s.xn, kSelf, vSelf, pos, bias, s.q, s.att, selfProbs, s.y);
    dev.llmkit.tensor.Elementwise.addInPlace(x, s.y);
    if (cross != null) {
      crossNorm.forward(x, s.xn);
      cross.forwardCross(s.xn, kMem, vMem, AttentionMask.BIDIRECTIONAL, s.q, s.att, crossProbs, s.y);
      dev.llmkit.tensor.Elementwise.addInPlace(x, s.y);
    }
    ffnNorm.forward(x, s.xn);
    ffn.forward(s.xn, s.a, s.u, s.h, s.y);
    dev.llmkit.tensor.Elementwise.addInPlace(x, s.y);
  }

  /**
   * One decoder token for each of n different sequences (batched decoding), each row exactly as
   * {@link #forward} computes it alone: x (n, C) in place; row i at position pos[i] with its own
   * self-attention cache kSelf[i], vSelf[i] and bias[i] (nHeads, 1, pos[i]+1); all rows attend to
   * the same memory kMem, vMem (S, inner). s: scratch of n rows with kNew, vNew.
   */
  void forwardRows(Scratch s, Tensor x, int[] pos, Tensor[] bias, Tensor[] kSelf, Tensor[] vSelf,
      Tensor kMem, Tensor vMem) {
    selfNorm.forward(x, s.xn);
    self.forwardRows(s.xn, kSelf, vSelf, pos, bias, s.q, s.att, s.kNew, s.vNew, s.y);
    dev.llmkit.tensor.Elementwise.addInPlace(x, s.y);
    crossNorm.forward(x, s.xn);
    cross.forwardCrossRows(s.xn, kMem, vMem, s.q, s.att, s.y);
    dev.llmkit.tensor.Elementwise.addInPlace(x, s.y);
    ffnNorm.forward(x, s.xn);
    ffn.forwardRows(s.xn, s.a, s.u, s.h, s.y);
    dev.llmkit.tensor.Elementwise.addInPlace(x, s.y);
  }

  /**
   * Inference scratch of T rows: xn, y (T, C); q, att (T, inner); a, u, h (T, dFf); kNew, vNew
   * (T, inner) for batched decoding only (else null).
   */
  static final class Scratch {
    final Tensor xn;
    final Tensor y;
    final Tensor q;
    final Tensor att;
    final Tensor a;
    final Tensor u;
    final Tensor h;
    final Tensor kNew;
    final Tensor vNew;

    Scratch(T5Config c, int rows) {
      this(c, rows, false);
    }

    Scratch(T5Config c, int rows, boolean batched) {
      xn = Tensor.zeros(rows, c.dModel());
      y = Tensor.zeros(rows, c.dModel());
      q = Tensor.zeros(rows, c.innerDim());
      att = Tensor.zeros(rows, c.innerDim());
      a = Tensor.zeros(rows, c.dFf());
      u = c.feedForward() == T5Config.FeedForward.GATED_GELU ? Tensor.zeros(rows, c.dFf()) : null;
      h = Tensor.zeros(rows, c.dFf());
      kNew = batched ? Tensor.zeros(rows, c.innerDim()) : null;
      vNew = batched ? Tensor.zeros(rows, c.innerDim()) : null;
    }
  }
}
