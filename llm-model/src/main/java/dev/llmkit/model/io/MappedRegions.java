package dev.llmkit.model.io;

import java.io.IOException;
import dev.llmkit.tensor.kernel.Parallel;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.MappedByteBuffer;
import java.nio.ShortBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * Reads a region of a checkpoint file into a float32 buffer through memory mapping: the file's pages
 * are mapped (in chunks of at most 1 GiB, so files and tensors beyond 2 GiB work) and converted
 * straight into the destination, one copy, no intermediate heap array.
 */
public final class MappedRegions {

  private static final long CHUNK_BYTES = 1L << 30;

  private MappedRegions() {}

  /**
   * Converts {@code count} elements of {@code type} stored little-endian at byte {@code offset} of
   * the file into {@code dest[0..count)}.
   *
   * @param channel open channel of {@code file}
   * @param file the file, for error messages
   * @param what the tensor name, for error messages
   * @throws CheckpointFormatException if the region runs past the end of the file
   */
  public static void read(
      FileChannel channel, Path file, String what, long offset, long count, StoredType type,
      FloatBuffer dest) throws IOException {
    long bytes = count * type.bytes();
    long size = channel.size();
    if (offset < 0 || count < 0 || offset + bytes > size) {
      throw new CheckpointFormatException(
          file, "tensor '" + what + "' needs bytes [" + offset + ", " + (offset + bytes)
              + ") but the file has " + size + " bytes (truncated?)");
    }
    if (count > dest.capacity()) {
      throw new IllegalArgumentException(
          "destination of " + dest.capacity() + " floats is too small for '" + what + "' ("
              + count + " elements)");
    }
    long perChunk = CHUNK_BYTES / type.bytes();
    long done = 0;
    while (done < count) {
      int n = (int) Math.min(perChunk, count - done);
      MappedByteBuffer m =
          channel.map(FileChannel.MapMode.READ_ONLY, offset + done * type.bytes(),
              (long) n * type.bytes());
      m.order(ByteOrder.LITTLE_ENDIAN);
      int at = (int) done;
      switch (type) {
        case F32 -> dest.put(at, m.asFloatBuffer(), 0, n);
        case F16 -> {
          ShortBuffer s = m.asShortBuffer();
          // absolute gets and puts on disjoint ranges: safe to split over the shared pool
          Parallel.forRange(n, 4, (from, to) -> {
            for (int i = from; i < to; i++) {
              dest.put(at + i, Float16.halfToFloat(s.get(i)));
            }
          });
        }
        case BF16 -> {
          ShortBuffer s = m.asShortBuffer();
          Parallel.forRange(n, 2, (from, to) -> {
            for (int i = from; i < to; i++) {
              dest.put(at + i, Float16.bfloat16ToFloat(s.get(i)));
            }
          });
        }
        default -> throw new IllegalStateException("unhandled type " + type);
      }
      done += n;
    }
  }
}
