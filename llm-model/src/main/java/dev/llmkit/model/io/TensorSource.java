package dev.llmkit.model.io;

import dev.llmkit.tensor.Tensor;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Set;

/**
 * Named tensors stored in one or more checkpoint files (a safetensors file, a sharded safetensors
 * folder, a GGUF file), read on demand and converted to float32 straight into a destination
 * {@link Tensor}. Name mappings of the model families read through this interface only.
 */
public interface TensorSource extends Closeable {

  /** Names of every stored tensor, in file order. */
  Set<String> names();

  /** True when a tensor of that name is stored. */
  default boolean contains(String name) {
    return names().contains(name);
  }

  /**
   * Shape of a stored tensor, outermost dimension first (row-major, as {@link Tensor} uses).
   *
   * @throws CheckpointFormatException if there is no such tensor, naming the file and the tensor
   */
  long[] shape(String name) throws CheckpointFormatException;

  /**
   * Converts the stored tensor to float32 into {@code dest}, which must have the same number of
   * elements (its shape is the caller's business: shapes are checked by {@link TensorLoader}).
   *
   * @throws CheckpointFormatException if there is no such tensor or the element counts differ
   * @throws IOException if reading fails
   */
  void read(String name, Tensor dest) throws IOException;

  /** The file that holds the named tensor (for error messages), or the source's main file. */
  Path file(String name);

  /** Releases the files and mappings. */
  @Override
  void close() throws IOException;
}
