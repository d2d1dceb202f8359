package dev.llmkit.tensor;

/**
 * Argument checks shared by the row-wise kernels (Elementwise, norms, softmax, activations, RoPE,
 * embedding, cross-entropy). "Rows" are all leading dimensions flattened; "C" is the last dimension.
 * Every failure names the operation and the shapes involved.
 */
final class ShapeChecks {

  private ShapeChecks() {}

  /** The last dimension of {@code t} (1 for a scalar). */
  static int cols(Tensor t) {
    return t.rank() == 0 ? 1 : t.dim(-1);
  }

  /** All leading dimensions of {@code t} flattened (1 for a vector or a scalar). */
  static int rows(Tensor t) {
    int c = cols(t);
    return c == 0 ? 0 : t.length() / c;
  }

  /** Throws a {@link NullPointerException} naming the operation and the argument when {@code t} is null. */
  static Tensor nonNull(String op, String name, Tensor t) {
    if (t == null) {
      throw new NullPointerException(op + ": " + name + " must not be null");
    }
    return t;
  }

  /**
   * Requires {@code b} to have the same number of elements and the same last dimension as {@code a}
   * (so {@code (B, T, C)} matches its {@code (B*T, C)} view, but {@code (2, 3)} does not match
   * {@code (3, 2)}).
   */
  static void sameLayout(String op, String nameA, Tensor a, String nameB, Tensor b) {
    nonNull(op, nameA, a);
    nonNull(op, nameB, b);
    if (a.length() != b.length() || cols(a) != cols(b)) {
      throw new IllegalArgumentException(
          op + ": " + nameB + " has shape " + b.shapeString() + " but " + nameA + " has shape "
              + a.shapeString() + " (expected the same rows and last dimension)");
    }
  }

  /** Requires {@code v} to hold exactly {@code n} elements (a per-row or per-column vector). */
  static void vectorOf(String op, String name, Tensor v, int n, String xName, Tensor x) {
    nonNull(op, name, v);
    if (v.length() != n) {
      throw new IllegalArgumentException(
          op + ": " + name + " has shape " + v.shapeString() + " but " + xName + " has shape "
              + x.shapeString() + " (expected " + n + " elements)");
    }
  }
}
