package dev.llmkit.model.cost;

/**
 * One parameter tensor of an architecture, as a checkpoint stores it: {@code rows} rows of
 * {@code rowLength} elements (a vector is one row). The row length is the input width of a matrix,
 * the dimension ggml calls {@code ne[0]} and quantizes along.
 *
 * @param name a descriptive name, e.g. {@code layers.0.attn.q}
 * @param rows number of rows (1 for a vector)
 * @param rowLength elements per row
 * @param kind what the tensor is for
 */
public record ParameterTensor(String name, long rows, long rowLength, Kind kind) {

  /** What a tensor is for: the cost rules differ. */
  public enum Kind {
    /** A lookup table (token, position or token-type embeddings): read row by row, no matmul. */
    EMBEDDING,
    /** A weight matrix multiplied with activations. */
    MATRIX,
    /** A bias or norm vector (llama.cpp keeps these in f32 in every format). */
    VECTOR
  }

  /** Number of elements. */
  public long elements() {
    return rows * rowLength;
  }

  static ParameterTensor matrix(String name, long out, long in) {
    return new ParameterTensor(name, out, in, Kind.MATRIX);
  }

  static ParameterTensor embedding(String name, long entries, long width) {
    return new ParameterTensor(name, entries, width, Kind.EMBEDDING);
  }

  static ParameterTensor vector(String name, long n) {
    return new ParameterTensor(name, 1, n, Kind.VECTOR);
  }
}
