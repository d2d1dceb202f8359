package dev.llmkit.model.nn;

import dev.llmkit.tensor.Tensor;
import java.util.Objects;

/**
 * The language-model head: the final norm, then the projection to the vocabulary,
 * {@code logits = Norm(x)·Wᵀ} (W the token table when the embeddings are tied).
 */
public final class LmHead implements OutputHead {

  private final Norm norm;
  private final Linear projection;
  /** Soft cap {@code cap·tanh(z/cap)} of the logits (Gemma 2), 0 for none. */
  private final float softcap;

  /**
   * @param norm the final norm
   * @param projection (V, C), no bias
   */
  public LmHead(Norm norm, Linear projection) {
    this(norm, projection, 0f);
  }

  /**
   * A head whose logits are soft-capped, {@code logits = cap·tanh(Norm(x)·Wᵀ / cap)} (Gemma 2's
   * {@code final_logit_softcapping}); cap 0 for none.
   */
  public LmHead(Norm norm, Linear projection, float softcap) {
    this.norm = Objects.requireNonNull(norm, "norm");
    this.projection = Objects.requireNonNull(projection, "projection");
    if (!(softcap >= 0) || Float.isInfinite(softcap)) {
      throw new IllegalArgumentException("LmHead: softcap must be >= 0 and finite, got " + softcap);
    }
    this.softcap = softcap;
  }

  /** In place: z -> cap·tanh(z/cap). */
  private void cap(Tensor logits) {
    if (softcap == 0f) {
      return;
    }
    java.nio.FloatBuffer b = logits.buffer();
    for (int i = 0, n = logits.length(); i < n; i++) {
      b.put(i, (float) (softcap * Math.tanh(b.get(i) / softcap)));
    }
  }

  /** The projection to the vocabulary. */
  public Linear projection() {
    return projection;
  }

  @Override
  public int outFeatures() {
    return projection.weight().rows();
  }

  @Override
  public void forward(Tensor x, Tensor xn, Tensor logits) {
    // x: (T, C) -> xn: (T, C) -> logits: (T, V)
    norm.forward(x, xn);
    projection.forward(xn, logits);
    cap(logits);
  }

  /**
   * {@link #forward} over rows that are different sequences (batched decoding): every row as a
   * one-row forward computes it. x: (T, C) -> xn: (T, C) -> logits: (T, V).
   */
  public void forwardRows(Tensor x, Tensor xn, Tensor logits) {
    norm.forward(x, xn);
    projection.forwardRows(xn, logits);
  }

  @Override
  public Training training(int rows, Gradients g) {
    return new Training(rows, g);
  }

  /** {@link LmHead}'s kept normalised rows and backward. */
  public final class Training implements Trainable {

    private final Norm.Training n;
    private final Linear.Training proj;
    private final Tensor xn;
    private final Tensor dxn;
    // soft cap: the capped logits of the forward pass, and the gradient through the cap, (rows, V)
    private final Tensor capped;
    private final Tensor draw;

    private Training(int rows, Gradients g) {
      int v = projection.weight().rows();
      this.capped = softcap == 0f ? null : Tensor.zeros(rows, v);
      this.draw = softcap == 0f ? null : Tensor.zeros(rows, v);
      int c = projection.weight().cols();
      this.n = norm.training(rows, g);
      this.proj = projection.training(g);
      this.xn = Tensor.zeros(rows, c);
      this.dxn = Tensor.zeros(rows, c);
    }

    @Override
    public void forward(Tensor x, Tensor logits) {
      // x: (rows, C) -> xn: (rows, C) -> logits: (rows, V)
      n.forward(x, xn);
      proj.forward(xn, logits);
      if (capped != null) {
        cap(logits);
        capped.copyFrom(logits);
      }
    }

    @Override
    public void backward(Tensor x, Tensor dlogits, Tensor dx) {
      // dlogits: (rows, V) -> dxn: (rows, C), dW: (V, C) -> dx: (rows, C)
      Tensor dz = dlogits;
      if (capped != null) {
        // y = cap·tanh(z/cap): dz = dy · (1 − (y/cap)²)
        java.nio.FloatBuffer yb = capped.buffer();
        java.nio.FloatBuffer gb = dlogits.buffer();
        java.nio.FloatBuffer db = draw.buffer();
        for (int i = 0, n = capped.length(); i < n; i++) {
          float t = yb.get(i) / softcap;
          db.put(i, gb.get(i) * (1f - t * t));
        }
        dz = draw;
      }
      dxn.fill(0f);
      proj.backward(xn, dz, dxn);
      n.backward(x, dxn, dx);
    }
  }
}
