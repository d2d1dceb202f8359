package dev.llmkit.model.nn;

import dev.llmkit.model.config.ModelConfig;
import dev.llmkit.tensor.Elementwise;
import dev.llmkit.tensor.PositionalEncoding;
import dev.llmkit.tensor.Rope;
import dev.llmkit.tensor.RopeStyle;
import dev.llmkit.tensor.RopeTable;
import dev.llmkit.tensor.Tensor;
import java.util.Objects;

/**
 * How a model tells positions apart: a table added to the input embeddings (learned as in GPT-2,
 * or the fixed sinusoids of "Attention Is All You Need"), or rotary embeddings applied to q and k
 * inside self-attention (Su et al. 2021). Every method works on the rows of one sequence at absolute
 * positions {@code start..start+T-1}; each scheme does only its own part and leaves the rest as a
 * no-op. A relative position bias (T5) is one more scheme: it will add a hook that gives attention
 * its score bias, next to {@link #rotate}.
 *
 * <p>Implementations are immutable and thread-safe.
 */
public interface Positions {

  /** No positions (e.g. cross-attention, which attends to a whole memory). */
  Positions NONE = new Positions() {};

  /** x: (T, C) of one sequence -> x += the position vectors of start..start+T-1. */
  default void addTo(Tensor x, int start) {}

  /** Backward of {@link #addTo}: dTable rows start..start+T-1 += dx: (T, C); dTable null when fixed. */
  default void addToBackward(Tensor dx, int start, Tensor dTable) {}

  /** The learned table whose gradient {@link #addToBackward} takes, or null. */
  default Tensor table() {
    return null;
  }

  /** x: (T, heads*hd) queries or keys of one sequence, rotated in place by their positions. */
  default void rotate(Tensor x, int heads, int start) {}

  /** Backward of {@link #rotate}: dx: (T, heads*hd) rotated back in place. */
  default void rotateBackward(Tensor dx, int heads, int start) {}

  /**
   * The config's scheme, over {@code contextLength} positions.
   *
   * @param learned the (contextLength, C) learned table, used when the config says LEARNED
   */
  static Positions of(ModelConfig c, Tensor learned) {
    return switch (c.positions()) {
      case LEARNED -> new Added(Objects.requireNonNull(learned, "learned position table"), true);
      case SINUSOIDAL -> new Added(PositionalEncoding.sinusoidal(c.contextLength(), c.dim()), false);
      case ROTARY -> new Rotary(new RopeTable(c.headDim(), c.contextLength(), c.ropeTheta(),
          c.ropeScaling().inverseFrequencies(c.headDim(), c.ropeTheta()),
          c.ropeScaling().attentionFactor()), c.ropeStyle());
    };
  }

  /** A (positions, C) table added to the embeddings; learned (trained) or fixed. */
  record Added(Tensor positions, boolean learned) implements Positions {

    @Override
    public void addTo(Tensor x, int start) {
      // x: (T, C) += positions[start..start+T)
      Elementwise.addInPlace(x, positions.slice(start, start + x.dim(0)));
    }

    @Override
    public void addToBackward(Tensor dx, int start, Tensor dTable) {
      // dx: (T, C) -> dTable[start..start+T) +=
      if (dTable != null) {
        Elementwise.addInPlace(dTable.slice(start, start + dx.dim(0)), dx);
      }
    }

    @Override
    public Tensor table() {
      return learned ? positions : null;
    }
  }

  /** Rotary embeddings of q and k. */
  record Rotary(RopeTable rope, RopeStyle style) implements Positions {

    @Override
    public void rotate(Tensor x, int heads, int start) {
      Rope.apply(x, heads, start, rope, style);
    }

    @Override
    public void rotateBackward(Tensor dx, int heads, int start) {
      Rope.applyBackward(dx, heads, start, rope, style);
    }
  }
}
