package dev.llmkit.model.nn;

import dev.llmkit.tensor.Embedding;
import dev.llmkit.tensor.Tensor;
import dev.llmkit.tensor.quant.QuantizedMatrix;
import java.util.Objects;

/**
 * The input layer: token embeddings plus, for additive position schemes, the position vector of
 * each token's place ({@code x[t] = E[id[t]] + P[start + t]}). Rotary positions act inside attention
 * instead, so then {@code x[t] = E[id[t]]}. The token table is F32, or quantized ({@link
 * QuantizedMatrix}: rows dequantized on lookup; inference only).
 */
public final class Embeddings {

  private final Tensor tokens;
  private final QuantizedMatrix quantizedTokens;
  private final Positions positions;
  /** Factor on the token vectors (Gemma: √C), 1 for none. */
  private final float scale;

  /**
   * @param tokens (V, C) token table
   * @param positions the position scheme (its additive part is applied here)
   */
  public Embeddings(Tensor tokens, Positions positions) {
    this(tokens, positions, 1f);
  }

  /**
   * Embeddings whose token vectors are multiplied by {@code scale} ({@code x[t] = s·E[id[t]] +
   * P[start + t]}; Gemma's √C).
   */
  public Embeddings(Tensor tokens, Positions positions, float scale) {
    this.tokens = Objects.requireNonNull(tokens, "tokens");
    this.quantizedTokens = null;
    this.positions = Objects.requireNonNull(positions, "positions");
    if (!(scale > 0) || Float.isInfinite(scale)) {
      throw new IllegalArgumentException("Embeddings: scale must be > 0 and finite, got " + scale);
    }
    this.scale = scale;
  }

  /**
   * Inference-only embeddings over a quantized token table, whose rows are dequantized on lookup.
   *
   * @param tokens (V, C) quantized token table
   * @param positions the position scheme (its additive part is applied here)
   */
  public Embeddings(QuantizedMatrix tokens, Positions positions) {
    this.tokens = null;
    this.quantizedTokens = Objects.requireNonNull(tokens, "tokens");
    this.positions = Objects.requireNonNull(positions, "positions");
    this.scale = 1f;
  }

  /** (V, C) token table; null when it is quantized. */
  public Tensor tokens() {
    return tokens;
  }

  /**
   * Forward of one sequence (inference and training alike: it keeps nothing).
   *
   * <p>ids[offset..offset+T) at positions start..start+T-1 -> x: (T, C), overwritten.
   */
  public void forward(int[] ids, int offset, int start, Tensor x) {
    // ids: (T) -> x: (T, C)
    if (tokens != null) {
      Embedding.gather(tokens, ids, offset, x.dim(0), x);
    } else {
      quantizedTokens.gatherRows(ids, offset, x.dim(0), x);
    }
    if (scale != 1f) {
      scale(x, x);
    }
    positions.addTo(x, start);
  }

  /** out = scale · x (elementwise; may alias). */
  private void scale(Tensor x, Tensor out) {
    java.nio.FloatBuffer xb = x.buffer();
    java.nio.FloatBuffer ob = out.buffer();
    for (int i = 0, n = x.length(); i < n; i++) {
      ob.put(i, xb.get(i) * scale);
    }
  }

  /** The training state of {@code batch} sequences of {@code block} tokens. */
  public Training training(int batch, int block, Gradients g) {
    return new Training(batch, block, g);
  }

  /** {@link Embeddings}' backward for a fixed (batch, block). */
  public final class Training {

    private final int batch;
    private final int block;
    private final Tensor dTokens;
    private final Tensor dPositions;
    private final SequenceViews views;
    /** scale · dx when the token vectors are scaled, else null. */
    private final Tensor scaled;

    private Training(int batch, int block, Gradients g) {
      if (tokens == null) {
        throw new IllegalStateException(
            "Embeddings: a quantized token table cannot be trained; dequantize the weights first");
      }
      this.scaled = scale == 1f ? null : Tensor.zeros(batch * block, tokens.dim(1));
      this.batch = batch;
      this.block = block;
      this.dTokens = g.of(tokens);
      this.dPositions = g.of(positions.table());
      this.views = new SequenceViews(batch, block);
    }

    /**
     * Forward.
     *
     * @param ids batch*block token ids, row-major (b, t)
     * @param x (batch*block, C), overwritten
     */
    public void forward(int[] ids, Tensor x) {
      if (ids.length != batch * block) {
        throw new IllegalArgumentException(
            "Embeddings: " + ids.length + " ids, expected batch*block = " + batch * block);
      }
      // ids: (B*T) -> x: (B*T, C)
      Tensor[] xb = views.of(x);
      for (int b = 0; b < batch; b++) {
        Embeddings.this.forward(ids, b * block, 0, xb[b]);
      }
    }

    /**
     * Backward: dx rows added into the token table's gradient (and, summed over the batch, into
     * a learned position table's gradient).
     *
     * @param ids the ids of the forward pass
     * @param dx (batch*block, C) gradient of the output
     */
    public void backward(int[] ids, Tensor dx) {
      // dx: (B*T, C) -> dE: (V, C) [, dP: (T, C)]
      Tensor dRows = dx;
      if (scaled != null) {
        scale(dx, scaled);
        dRows = scaled;
      }
      Embedding.scatterAddBackward(dRows, ids, 0, ids.length, dTokens);
      Tensor[] dxb = views.of(dx);
      for (int b = 0; b < batch; b++) {
        positions.addToBackward(dxb[b], 0, dPositions);
      }
    }
  }
}
