package dev.llmkit.model.nn;

import dev.llmkit.model.config.ModelConfig;
import dev.llmkit.model.weights.LayerWeights;
import dev.llmkit.tensor.DecodeMatrices;
import dev.llmkit.tensor.Tensor;
import java.util.Objects;

/**
 * The position-wise feed-forward network: {@code out = act(x·W1ᵀ + b1)·W2ᵀ + b2}, or gated (SwiGLU)
 * {@code out = (silu(x·W1ᵀ) * (x·W3ᵀ))·W2ᵀ}. Shapes: x, out (rows, C); a, u, h (rows, H).
 */
public final class FeedForward {

  private final Activation activation;
  private final Linear w1;
  private final Linear w3;
  private final Linear w2;

  /**
   * @param activation the nonlinearity
   * @param w1 (H, C) first projection (the gate when gated)
   * @param w3 (H, C) the up projection when the activation is gated, else null
   * @param w2 (C, H) second projection
   */
  public FeedForward(Activation activation, Linear w1, Linear w3, Linear w2) {
    this.activation = Objects.requireNonNull(activation, "activation");
    this.w1 = Objects.requireNonNull(w1, "w1");
    this.w2 = Objects.requireNonNull(w2, "w2");
    if (activation.gated() != (w3 != null)) {
      throw new IllegalArgumentException(
          "FeedForward: " + activation + (activation.gated() ? " needs" : " takes no") + " w3");
    }
    this.w3 = w3;
  }

  /** The feed-forward network of a layer of the config, its matrices read as {@code mode} says. */
  public static FeedForward of(ModelConfig c, LayerWeights w, DecodeMatrices mode) {
    return new FeedForward(Activation.of(c.activation()), Linear.of(w.w1(), w.b1(), mode),
        Linear.of(w.w3(), null, mode), Linear.of(w.w2(), w.b2(), mode));
  }

  /** Hidden width H. */
  public int hidden() {
    return w1.weight().rows();
  }

  /** Whether {@link #forward} needs the u buffer. */
  public boolean gated() {
    return activation.gated();
  }

  /**
   * Forward, for inference (scratch buffers) and training (kept buffers) alike.
   *
   * <p>x: (rows, C) -> a: (rows, H) [-> u: (rows, H)] -> h: (rows, H) -> out: (rows, C); u is
   * null unless gated.
   */
  public void forward(Tensor x, Tensor a, Tensor u, Tensor h, Tensor out) {
    forward(x, a, u, h, out, false);
  }

  /** The forward; rows: each row as a one-row forward computes it ({@link Linear#forwardRows}). */
  private void forward(Tensor x, Tensor a, Tensor u, Tensor h, Tensor out, boolean rows) {
    // x: (rows, C) -> a [, u]: (rows, H) -> h: (rows, H) -> out: (rows, C)
    linear(w1, x, a, rows);
    if (w3 != null) {
      linear(w3, x, u, rows);
    }
    activation.forward(a, u, h);
    linear(w2, h, out, rows);
  }

  private static void linear(Linear l, Tensor x, Tensor y, boolean rows) {
    if (rows) {
      l.forwardRows(x, y);
    } else {
      l.forward(x, y);
    }
  }

  /**
   * {@link #forward} over rows that are different sequences (batched decoding): every row as a
   * one-row forward computes it ({@link Linear#forwardRows}). Shapes as there.
   */
  public void forwardRows(Tensor x, Tensor a, Tensor u, Tensor h, Tensor out) {
    forward(x, a, u, h, out, true);
  }

  /** The training state for {@code rows} rows. */
  public Training training(int rows, Gradients g) {
    return new Training(rows, g);
  }

  /** {@link FeedForward}'s kept activations and backward. */
  public final class Training implements Trainable {

    private final Linear.Training fc1;
    private final Linear.Training fc3;
    private final Linear.Training fc2;
    // kept activations, (rows, H)
    private final Tensor a;
    private final Tensor u;
    private final Tensor h;
    // gradient scratch, (rows, H)
    private final Tensor dh;
    private final Tensor da;
    private final Tensor du;

    private Training(int rows, Gradients g) {
      int hidden = hidden();
      boolean gated = activation.gated();
      this.fc1 = w1.training(g);
      this.fc3 = gated ? w3.training(g) : null;
      this.fc2 = w2.training(g);
      this.a = Tensor.zeros(rows, hidden);
      this.u = gated ? Tensor.zeros(rows, hidden) : null;
      this.h = Tensor.zeros(rows, hidden);
      this.dh = Tensor.zeros(rows, hidden);
      this.da = Tensor.zeros(rows, hidden);
      this.du = gated ? Tensor.zeros(rows, hidden) : null;
    }

    @Override
    public void forward(Tensor x, Tensor out) {
      FeedForward.this.forward(x, a, u, h, out);
    }

    @Override
    public void backward(Tensor x, Tensor dout, Tensor dx) {
      // dout: (rows, C) -> dh: (rows, H) -> da [, du]: (rows, H) -> dx: (rows, C)
      dh.fill(0f);
      fc2.backward(h, dout, dh);
      da.fill(0f);
      if (du != null) {
        du.fill(0f);
      }
      activation.backward(a, u, dh, da, du);
      if (fc3 != null) {
        fc3.backward(x, du, dx);
      }
      fc1.backward(x, da, dx);
    }
  }
}
