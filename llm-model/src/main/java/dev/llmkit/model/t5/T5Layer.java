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
   * Layer l of a decoder step: one token for each of n sessions (a lone session's step: n = 1;
   * batched decoding: the beams), x (n, C) in place, row i at its session's position against that
   * session's heap KV cache, all rows attending to the decoder's cross-attention keys and values.
   * The projections read the weights once for all rows ({@link
   * dev.llmkit.model.nn.Linear#forwardRows}) and attention runs per row with the same kernel, so a
   * row's result does not depend on the other rows. biasReversed: {@link T5Model#decoderBiasReversed}.
   * s: scratch of n rows with kNew, vNew.
   */
  void decodeRows(Scratch s, Tensor x, T5Session[] rows, int l, T5Decoder decoder,
      float[] biasReversed) {
    int n = x.dim(0);
    int ctx = biasReversed.length / self.heads();
    // self-attention: q, k, v (n, inner); each row's k, v into its cache, then its query over it
    selfNorm.forward(x, s.xn);
    self.projectRows(s.xn, s.q, s.kNew, s.vNew);
    for (int i = 0; i < n; i++) {
      T5Session r = rows[i];
      int p = r.position();
      r.store(l, row(s.kNew, i, n), row(s.vNew, i, n));
      // the bias of key j at query p: biasReversed[h*ctx + ctx-1-(p-j)]
      r.attention().forward(row(s.q, i, n), r.keysT(l), r.values(l), r.keyStride(), p + 1, 1f,
          biasReversed, ctx - 1 - p, ctx, row(s.att, i, n));
    }
    self.outputRows(s.att, s.y);
    dev.llmkit.tensor.Elementwise.addInPlace(x, s.y);
    // cross-attention over the encoder output's keys and values
    crossNorm.forward(x, s.xn);
    cross.projectRows(s.xn, s.q, null, null);
    for (int i = 0; i < n; i++) {
      rows[i].attention().forward(row(s.q, i, n), decoder.crossKeysT(l), decoder.crossValues(l),
          decoder.crossStride(), decoder.encoderLength(), 1f, null, 0, 0, row(s.att, i, n));
    }
    cross.outputRows(s.att, s.y);
    dev.llmkit.tensor.Elementwise.addInPlace(x, s.y);
    ffnNorm.forward(x, s.xn);
    ffn.forwardRows(s.xn, s.a, s.u, s.h, s.y);
    dev.llmkit.tensor.Elementwise.addInPlace(x, s.y);
  }

  private static Tensor row(Tensor t, int i, int n) {
    return n == 1 ? t : t.slice(i, i + 1);
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
