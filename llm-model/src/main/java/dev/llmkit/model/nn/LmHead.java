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

  /**
   * @param norm the final norm
   * @param projection (V, C), no bias
   */
  public LmHead(Norm norm, Linear projection) {
    this.norm = Objects.requireNonNull(norm, "norm");
    this.projection = Objects.requireNonNull(projection, "projection");
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

    private Training(int rows, Gradients g) {
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
    }

    @Override
    public void backward(Tensor x, Tensor dlogits, Tensor dx) {
      // dlogits: (rows, V) -> dxn: (rows, C), dW: (V, C) -> dx: (rows, C)
      dxn.fill(0f);
      proj.backward(xn, dlogits, dxn);
      n.backward(x, dxn, dx);
    }
  }
}
