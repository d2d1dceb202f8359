package dev.llmkit.model.io.gguf;

import dev.llmkit.tokenizer.UntrustedText;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * Writes a GGUF (version 3) file as llama.cpp's {@code gguf_write_to_file} lays it out: header,
 * metadata entries, tensor infos, zero padding to the alignment, then each tensor's data padded with
 * zeros to the alignment. Tensor data of any ggml type, quantized blocks included, comes from the
 * caller, one tensor at a time (nothing is held in memory beyond one tensor).
 */
public final class GgufWriter {

  private GgufWriter() {}

  /** Writes one tensor's data (exactly its byte count). */
  @FunctionalInterface
  public interface Data {
    /** Writes the bytes to {@code out}. */
    void write(OutputStream out) throws IOException;
  }

  /**
   * One tensor to write.
   *
   * @param name tensor name
   * @param dims GGUF dimensions, innermost first (a {@code (rows, cols)} matrix is {@code [cols, rows]})
   * @param ggmlType ggml type id
   * @param bytes byte count of the data
   * @param data writes the data
   */
  public record Tensor(String name, long[] dims, int ggmlType, long bytes, Data data) {}

  /**
   * Writes {@code out}: the inputs are checked first (nothing is written when they are invalid), the
   * file is written beside {@code out} and renamed onto it when complete, so a failed or killed
   * write leaves no half file under the name.
   *
   * @throws IllegalArgumentException when an input is invalid (named with the file): alignment not
   *     a power of two; a metadata key given twice, of an unknown value type or whose bytes are not
   *     one value of its type; a tensor name missing or given twice; dimensions not 1 to 4
   *     non-negative numbers; an unknown ggml type; a first dimension that is not a whole number of
   *     the type's blocks; a byte count other than the one the type and shape imply
   * @throws IOException when writing fails or a tensor's data is not its stated byte count (named)
   */
  public static void write(Path out, List<GgufKv> kvs, List<Tensor> tensors, int alignment) throws IOException {
    validate(out, kvs, tensors, alignment);
    Path tmp = out.resolveSibling(out.getFileName() + ".tmp");
    try {
      writeTo(tmp, out, kvs, tensors, alignment);
      Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** The checks of {@link #write}, before anything is written. */
  static void validate(Path out, List<GgufKv> kvs, List<Tensor> tensors, int alignment) {
    if (alignment <= 0 || Integer.bitCount(alignment) != 1) {
      throw new IllegalArgumentException(out + ": alignment " + alignment
          + " is not a power of two");
    }
    java.util.Set<String> keys = new java.util.HashSet<>();
    for (GgufKv kv : kvs) {
      kv.check(out);
      if (!keys.add(kv.key())) {
        throw new IllegalArgumentException(UntrustedText.message(out + ": metadata '" + kv.key()
            + "' is given twice"));
      }
    }
    java.util.Set<String> names = new java.util.HashSet<>();
    for (Tensor t : tensors) {
      if (t.name() == null || t.name().isEmpty()) {
        throw new IllegalArgumentException(out + ": a tensor has no name");
      }
      String what = out + ": tensor '" + t.name() + "' ";
      if (!names.add(t.name())) {
        throw new IllegalArgumentException(UntrustedText.message(what + "is given twice"));
      }
      long[] dims = t.dims();
      if (dims == null || dims.length < 1 || dims.length > 4) {
        throw new IllegalArgumentException(UntrustedText.message(what + "has "
            + (dims == null ? "no" : String.valueOf(dims.length)) + " dimensions, expected 1 to 4"));
      }
      long elements = 1;
      for (long d : dims) {
        if (d < 0) {
          throw new IllegalArgumentException(UntrustedText.message(what + "has dimensions "
              + java.util.Arrays.toString(dims) + ", expected non-negative numbers"));
        }
        try {
          elements = Math.multiplyExact(elements, d);
        } catch (ArithmeticException e) {
          throw new IllegalArgumentException(UntrustedText.message(what + "has dimensions "
              + java.util.Arrays.toString(dims) + " whose product overflows"));
        }
      }
      GgmlType type = GgmlType.byId(t.ggmlType());
      if (type == null) {
        throw new IllegalArgumentException(UntrustedText.message(what + "has unknown ggml type "
            + t.ggmlType()));
      }
      if (dims[0] % type.blockSize() != 0) {
        throw new IllegalArgumentException(UntrustedText.message(what + "has first dimension "
            + dims[0] + ", not a multiple of the " + type + " block size " + type.blockSize()));
      }
      long bytes = elements / type.blockSize() * type.blockBytes();
      if (t.bytes() != bytes) {
        throw new IllegalArgumentException(UntrustedText.message(what + "(" + type + ", dims "
            + java.util.Arrays.toString(dims) + ") states " + t.bytes() + " bytes, expected "
            + bytes));
      }
      if (t.data() == null) {
        throw new IllegalArgumentException(UntrustedText.message(what + "has no data"));
      }
    }
  }

  private static void writeTo(Path file, Path out, List<GgufKv> kvs, List<Tensor> tensors,
      int alignment) throws IOException {
    try (CountingStream o = new CountingStream(new BufferedOutputStream(Files.newOutputStream(file), 1 << 20))) {
      ByteBuffer b = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
      b.putInt(GgufFile.MAGIC).putInt(3).putLong(tensors.size()).putLong(kvs.size());
      o.write(b.array());
      for (GgufKv kv : kvs) {
        writeString(o, kv.key());
        o.write(le32(kv.type()));
        o.write(kv.value());
      }
      long offset = 0;
      for (Tensor t : tensors) {
        writeString(o, t.name());
        o.write(le32(t.dims().length));
        for (long d : t.dims()) {
          o.write(le64(d));
        }
        o.write(le32(t.ggmlType()));
        o.write(le64(offset));
        offset += pad(t.bytes(), alignment);
      }
      o.padTo(alignment);
      for (Tensor t : tensors) {
        long start = o.count;
        t.data().write(o);
        if (o.count - start != t.bytes()) {
          throw new IOException(out + ": tensor '" + t.name() + "' wrote " + (o.count - start)
              + " bytes, expected " + t.bytes());
        }
        o.padTo(alignment);
      }
    }
  }

  private static long pad(long n, int alignment) {
    return (n + alignment - 1) / alignment * alignment;
  }

  private static void writeString(OutputStream o, String s) throws IOException {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    o.write(le64(b.length));
    o.write(b);
  }

  private static byte[] le32(int v) {
    return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array();
  }

  private static byte[] le64(long v) {
    return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
  }

  /** Counts bytes written, for the offsets and padding. */
  private static final class CountingStream extends OutputStream {
    private final OutputStream out;
    long count;

    CountingStream(OutputStream out) {
      this.out = out;
    }

    @Override
    public void write(int b) throws IOException {
      out.write(b);
      count++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
      count += len;
    }

    void padTo(int alignment) throws IOException {
      long p = pad(count, alignment);
      while (count < p) {
        write(0);
      }
    }

    @Override
    public void close() throws IOException {
      out.close();
    }
  }
}
