package dev.llmkit.model.io.gguf;

import dev.llmkit.model.io.CheckpointFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * One GGUF metadata entry as the file stores it: key, value type id and the encoded value bytes
 * (little-endian). Kept encoded, so a tool that rewrites a GGUF ({@link GgufQuantizer}) copies the
 * entries it does not change byte for byte, types included (uint32 stays uint32).
 *
 * @param key the key, e.g. {@code general.architecture}
 * @param type GGUF value type: 0 uint8, 1 int8, 2 uint16, 3 int16, 4 uint32, 5 int32, 6 float32,
 *     7 bool, 8 string, 9 array, 10 uint64, 11 int64, 12 float64
 * @param value the encoded value (for an array: element type, count, elements)
 */
public record GgufKv(String key, int type, byte[] value) {

  /** A uint32 entry. */
  public static GgufKv u32(String key, int v) {
    return new GgufKv(key, 4, ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array());
  }

  /** A float32 entry. */
  public static GgufKv f32(String key, float v) {
    return new GgufKv(key, 6, ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(v).array());
  }

  /** A string entry. */
  public static GgufKv string(String key, String v) {
    byte[] s = v.getBytes(StandardCharsets.UTF_8);
    return new GgufKv(key, 8, ByteBuffer.allocate(8 + s.length).order(ByteOrder.LITTLE_ENDIAN)
        .putLong(s.length).put(s).array());
  }

  /**
   * Every metadata entry of a GGUF file, in file order, as stored.
   *
   * @throws CheckpointFormatException when the header is not GGUF or is cut short, naming the file
   */
  public static List<GgufKv> readAll(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer b = ch.map(FileChannel.MapMode.READ_ONLY, 0, Math.min(ch.size(), Integer.MAX_VALUE))
          .order(ByteOrder.LITTLE_ENDIAN);
      try {
        if (b.getInt() != GgufFile.MAGIC) {
          throw new CheckpointFormatException(file, "is not a GGUF file (bad magic)");
        }
        b.getInt(); // version
        b.getLong(); // tensor count
        long n = b.getLong();
        List<GgufKv> out = new ArrayList<>();
        for (long i = 0; i < n; i++) {
          String key = new String(bytes(b, b.getLong()), StandardCharsets.UTF_8);
          int type = b.getInt();
          int start = b.position();
          skip(b, type, file, key);
          byte[] v = new byte[b.position() - start];
          b.get(start, v);
          out.add(new GgufKv(key, type, v));
        }
        return out;
      } catch (java.nio.BufferUnderflowException | IllegalArgumentException e) {
        throw new CheckpointFormatException(file, "metadata is cut short or corrupt at byte " + b.position());
      }
    }
  }

  /**
   * Checks that {@link #value} is exactly one encoded value of {@link #type} (a known type, lengths
   * inside the bytes, nothing left over).
   *
   * @param file the file it is for, for messages
   * @throws IllegalArgumentException naming the file and the key otherwise
   */
  void check(Path file) {
    if (key == null || value == null) {
      throw new IllegalArgumentException(file + ": metadata entry " + key + " has no "
          + (key == null ? "key" : "value"));
    }
    ByteBuffer b = ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN);
    try {
      skip(b, type, file, key);
    } catch (CheckpointFormatException | java.nio.BufferUnderflowException
        | IllegalArgumentException e) {
      throw new IllegalArgumentException(dev.llmkit.tokenizer.UntrustedText.message(file
          + ": metadata '" + key + "' of type " + type + " does not hold one encoded value of its"
          + " type (" + value.length + " bytes)"), e);
    }
    if (b.hasRemaining()) {
      throw new IllegalArgumentException(dev.llmkit.tokenizer.UntrustedText.message(file
          + ": metadata '" + key + "' of type " + type + " has " + b.remaining()
          + " bytes after its value"));
    }
  }

  private static byte[] bytes(ByteBuffer b, long n) {
    if (n < 0 || n > b.remaining()) {
      throw new IllegalArgumentException("length " + n);
    }
    byte[] s = new byte[(int) n];
    b.get(s);
    return s;
  }

  /** Moves past one value of the given type. */
  private static void skip(ByteBuffer b, int type, Path file, String key) throws CheckpointFormatException {
    switch (type) {
      case 0, 1, 7 -> b.position(b.position() + 1);
      case 2, 3 -> b.position(b.position() + 2);
      case 4, 5, 6 -> b.position(b.position() + 4);
      case 10, 11, 12 -> b.position(b.position() + 8);
      case 8 -> bytes(b, b.getLong());
      case 9 -> {
        int et = b.getInt();
        long count = b.getLong();
        if (count < 0 || count > b.remaining()) {
          throw new IllegalArgumentException("array length " + count);
        }
        for (long i = 0; i < count; i++) {
          skip(b, et, file, key);
        }
      }
      default -> throw new CheckpointFormatException(file, "metadata '" + key + "' has unknown value type " + type);
    }
  }
}
