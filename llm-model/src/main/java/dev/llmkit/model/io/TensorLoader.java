package dev.llmkit.model.io;

import dev.llmkit.tensor.Tensor;
import java.io.IOException;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

/**
 * Reads tensors out of a {@link TensorSource} with the shape a config expects, remembering which
 * names were used so the caller can report tensors that nothing consumed. A missing tensor or a wrong
 * shape is a {@link CheckpointFormatException} naming the file, the tensor and both shapes.
 */
public final class TensorLoader {

  private final TensorSource source;
  private final Set<String> used = new HashSet<>();

  /** @param source where the tensors are */
  public TensorLoader(TensorSource source) {
    this.source = source;
  }

  /** The underlying source. */
  public TensorSource source() {
    return source;
  }

  /** True when the source holds {@code name}. */
  public boolean has(String name) {
    return source.contains(name);
  }

  /**
   * A new tensor of the expected shape holding the stored values.
   *
   * @param name stored tensor name
   * @param shape the shape the config implies
   * @throws CheckpointFormatException if the tensor is missing or has another shape
   */
  public Tensor load(String name, int... shape) throws IOException {
    checkShape(name, shape);
    Tensor t = Tensor.zeros(shape);
    source.read(name, t);
    used.add(name);
    return t;
  }

  /**
   * Loads a matrix that stacks several as row blocks (Phi-3's {@code qkv_proj} and
   * {@code gate_up_proj}, GGUF's {@code attn_qkv}) and returns a copy of each block.
   *
   * <pre>// name: (Σ rows, cols) -> parts[i]: (rows[i], cols)</pre>
   */
  public Tensor[] loadSplit(String name, int cols, int... rows) throws IOException {
    int total = 0;
    for (int r : rows) {
      total += r;
    }
    Tensor fused = load(name, total, cols);
    Tensor[] parts = new Tensor[rows.length];
    int at = 0;
    for (int i = 0; i < rows.length; i++) {
      parts[i] = fused.slice(at, at + rows[i]).copy();
      at += rows[i];
    }
    return parts;
  }

  /**
   * Matrices that a family stores either fused as row blocks of one tensor ({@code fused}, when not
   * null) or as separate tensors ({@code names}): {@code parts[i]: (rows[i], cols)} either way.
   */
  public Tensor[] loadParts(String fused, String[] names, int cols, int... rows) throws IOException {
    if (fused != null) {
      return loadSplit(fused, cols, rows);
    }
    if (names.length != rows.length) {
      throw new IllegalArgumentException(names.length + " names for " + rows.length + " row counts");
    }
    Tensor[] parts = new Tensor[rows.length];
    for (int i = 0; i < rows.length; i++) {
      parts[i] = load(names[i], rows[i], cols);
    }
    return parts;
  }

  /** Like {@link #load} but returns null when the tensor is absent. */
  public Tensor loadOptional(String name, int... shape) throws IOException {
    return has(name) ? load(name, shape) : null;
  }

  /**
   * Checks that {@code name} is stored with exactly {@code shape}.
   *
   * @throws CheckpointFormatException naming the file, tensor and both shapes otherwise
   */
  public void checkShape(String name, int... shape) throws CheckpointFormatException {
    if (!source.contains(name)) {
      throw new CheckpointFormatException(
          source.file(name), "tensor '" + name + "' is missing (expected shape "
              + Arrays.toString(shape) + ")");
    }
    long[] actual = source.shape(name);
    boolean same = actual.length == shape.length;
    for (int d = 0; same && d < shape.length; d++) {
      same = actual[d] == shape[d];
    }
    if (!same) {
      throw new CheckpointFormatException(
          source.file(name), "tensor '" + name + "' has shape " + Arrays.toString(actual)
              + ", the config expects " + Arrays.toString(shape));
    }
  }

  /** Marks a name as consumed without loading it (e.g. a buffer that is deliberately ignored). */
  public void markUsed(String name) {
    used.add(name);
  }

  /** Stored names that were neither loaded nor marked used, in file order. */
  public Set<String> unused() {
    Set<String> rest = new java.util.LinkedHashSet<>(source.names());
    rest.removeAll(used);
    return rest;
  }
}
