package dev.llmkit.model.io.gguf;

import dev.llmkit.model.io.CheckpointFormatException;
import dev.llmkit.model.io.Float16;
import dev.llmkit.model.io.MappedRegions;
import dev.llmkit.model.io.StoredType;
import dev.llmkit.model.io.TensorSource;
import dev.llmkit.tensor.kernel.Parallel;
import dev.llmkit.tensor.Tensor;
import dev.llmkit.tensor.quant.QuantType;
import dev.llmkit.tensor.quant.QuantizedMatrix;
import dev.llmkit.tokenizer.UntrustedText;
import dev.llmkit.tokenizer.gguf.GgufMetadata;
import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A reader of GGUF files (versions 2 and 3): magic {@code GGUF}, version, tensor count, metadata
 * key/value pairs (every value type, arrays included), tensor infos, padding to
 * {@code general.alignment} (default 32), then the tensor data.
 *
 * <p>Counts, string and array lengths are checked against the bytes left in the file before anything
 * is allocated; tensor offsets and sizes are checked against the file size on open. Tensors of type
 * F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q5_K and Q6_K are read (dequantised) into float32 through a
 * memory mapping; the block-quantized ones can instead be read as their blocks
 * ({@link #readQuantized}).
 *
 * <p>The header and the metadata are read by llm-tokenizer's {@link GgufMetadata} (the library's one
 * GGUF metadata parser; see there for how values are represented: {@code Long} for every integer
 * type, typed Java arrays for arrays); this class reads the tensor infos that follow and the data.
 */
public final class GgufFile implements TensorSource {

  /** The file magic, little-endian. */
  public static final int MAGIC = 0x46554747;
  /** Default data alignment. */
  public static final int DEFAULT_ALIGNMENT = 32;

  /**
   * One tensor's info.
   *
   * @param name tensor name
   * @param dims GGUF dimensions, innermost (fastest varying) first
   * @param type element type
   * @param offset byte offset from the start of the data section
   */
  public record TensorInfo(String name, long[] dims, GgmlType type, long offset) {
    /** Number of elements. */
    public long elements() {
      long n = 1;
      for (long d : dims) {
        n *= d;
      }
      return n;
    }

    /** Bytes of data. */
    public long bytes() {
      return elements() / type.blockSize() * type.blockBytes();
    }

    /** Row-major shape, outermost first (the reverse of {@link #dims}). */
    public long[] shape() {
      long[] s = new long[dims.length];
      for (int i = 0; i < dims.length; i++) {
        s[i] = dims[dims.length - 1 - i];
      }
      return s;
    }
  }

  private final Path file;
  private final FileChannel channel;
  private final GgufMetadata header;
  private final Map<String, TensorInfo> tensors;
  private final long dataStart;

  private GgufFile(Path file, FileChannel channel, GgufMetadata header,
      Map<String, TensorInfo> tensors, long dataStart) {
    this.file = file;
    this.channel = channel;
    this.header = header;
    this.tensors = tensors;
    this.dataStart = dataStart;
  }

  /**
   * Opens and validates a GGUF file.
   *
   * @throws CheckpointFormatException if it is corrupt or truncated, naming the file and the key or
   *     tensor being read
   */
  public static GgufFile open(Path file) throws IOException {
    FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
    try {
      return parse(file, ch);
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  private static GgufFile parse(Path file, FileChannel ch) throws IOException {
    long size = ch.size();
    GgufMetadata header;
    try {
      header = GgufMetadata.read(file);
    } catch (IllegalArgumentException e) {
      // "<file> at byte offset N: metadata 'key': what" -> "<file>: at byte offset N: ..."
      String m = e.getMessage();
      String what = m.startsWith(file.toString()) ? m.substring(file.toString().length()).trim() : m;
      throw new CheckpointFormatException(file, what, e);
    }
    long nTensors = header.tensorCount();
    // every tensor info needs at least 8 + 1 + 4 + 8 + 4 + 8 bytes
    if (nTensors < 0 || nTensors > size / 32) {
      throw new CheckpointFormatException(
          file, "tensor count " + nTensors + " is impossible for a file of " + size + " bytes");
    }
    Map<String, Object> meta = header.values();
    MappedByteBuffer m = ch.map(FileChannel.MapMode.READ_ONLY, 0, Math.min(size, Integer.MAX_VALUE));
    m.order(ByteOrder.LITTLE_ENDIAN);
    Cursor c = new Cursor(file, m);
    c.buf.position(Math.toIntExact(header.end()));
    Map<String, TensorInfo> infos = new LinkedHashMap<>();
    try {
      for (long i = 0; i < nTensors; i++) {
        c.what = "tensor info " + i;
        String name = c.string();
        c.what = "tensor info " + quote(name);
        int nDims = c.buf.getInt();
        if (nDims < 1 || nDims > 4) {
          throw new CheckpointFormatException(
              file, "tensor " + quote(name) + " has " + nDims + " dimensions (expected 1 to 4)");
        }
        long[] dims = new long[nDims];
        long elements = 1;
        for (int d = 0; d < nDims; d++) {
          dims[d] = c.buf.getLong();
          if (dims[d] < 0 || (dims[d] > 0 && elements > Long.MAX_VALUE / dims[d])) {
            throw new CheckpointFormatException(
                file, "tensor " + quote(name) + " has an invalid dimension " + dims[d]);
          }
          elements *= dims[d];
        }
        int typeId = c.buf.getInt();
        GgmlType type = GgmlType.byId(typeId);
        if (type == null) {
          throw new CheckpointFormatException(file, "tensor " + quote(name) + " has unknown ggml type " + typeId);
        }
        if (dims[0] % type.blockSize() != 0) {
          throw new CheckpointFormatException(
              file, "tensor " + quote(name) + " row length " + dims[0] + " is not a multiple of the "
                  + type + " block size " + type.blockSize());
        }
        if (elements / type.blockSize() > Long.MAX_VALUE / type.blockBytes() / 2) {
          throw new CheckpointFormatException(
              file, "tensor " + quote(name) + " of " + elements + " elements is impossibly large");
        }
        long offset = c.buf.getLong();
        if (infos.put(name, new TensorInfo(name, dims, type, offset)) != null) {
          throw new CheckpointFormatException(file, "tensor " + quote(name) + " is listed twice");
        }
      }
    } catch (BufferUnderflowException e) { // cut inside the tensor infos
      throw c.truncated();
    }
    long alignment = DEFAULT_ALIGNMENT;
    Object a = meta.get("general.alignment");
    if (a != null) {
      if (!(a instanceof Number n) || n.longValue() <= 0 || Long.bitCount(n.longValue()) != 1) {
        throw new CheckpointFormatException(file, "general.alignment " + a + " is not a power of two");
      }
      alignment = ((Number) a).longValue();
    }
    long pos = c.buf.position();
    long dataStart = (pos + alignment - 1) / alignment * alignment;
    // As llama.cpp's gguf.cpp: each tensor, in file order, starts exactly where the previous one's
    // data (padded to the alignment) ended, so the byte size implied by type and shape is the one
    // used. A retyped tensor (F32 -> F16 with unchanged offsets) or a changed dimension breaks this.
    long expected = 0;
    long unpaddedEnd = 0;
    TensorInfo prev = null;
    for (TensorInfo t : infos.values()) {
      if (t.offset() != expected) {
        throw new CheckpointFormatException(
            file, "tensor " + quote(t.name()) + " (" + t.type() + ", dims "
                + java.util.Arrays.toString(t.dims()) + ", " + t.bytes() + " bytes) has offset "
                + t.offset() + ", expected " + expected + " (the previous tensors' padded sizes)"
                + (prev == null ? "" : "; the byte size of the tensor before it, " + quote(prev.name()) + " ("
                    + prev.type() + ", dims " + java.util.Arrays.toString(prev.dims()) + ", " + prev.bytes()
                    + " bytes), does not match the data (type or shape changed?)"));
      }
      prev = t;
      if (t.bytes() > size - dataStart - t.offset()) {
        throw new CheckpointFormatException(
            file, "tensor " + quote(t.name()) + " data [" + (dataStart + t.offset()) + ", "
                + (dataStart + t.offset() + t.bytes()) + ") runs past the end of the file (" + size
                + " bytes; truncated?)");
      }
      unpaddedEnd = expected + t.bytes();
      expected = (unpaddedEnd + alignment - 1) / alignment * alignment;
    }
    // The file ends after the last tensor's data, with or without its padding (with no tensors:
    // after the tensor infos, with or without the padding to the alignment).
    long endUnpadded = infos.isEmpty() ? pos : dataStart + unpaddedEnd;
    long endPadded = dataStart + expected;
    if (size != endUnpadded && size != endPadded) {
      throw new CheckpointFormatException(
          file, "file is " + size + " bytes but its header implies " + endPadded
              + (endUnpadded != endPadded ? " (or " + endUnpadded + " without the final padding)" : "")
              + " (" + infos.size() + " tensors of " + expected + " padded bytes from byte "
              + dataStart + "; truncated, trailing bytes, or a tensor's type or shape changed)");
    }
    return new GgufFile(file, ch, header, Collections.unmodifiableMap(infos), dataStart);
  }

  private static String quote(String name) {
    return "'" + UntrustedText.name(name) + "'";
  }

  /** Reads values off the mapped header with bounds checks that name the entry being read. */
  private static final class Cursor {
    final Path file;
    final ByteBuffer buf;
    String what = "";

    Cursor(Path file, ByteBuffer buf) {
      this.file = file;
      this.buf = buf;
    }

    private CheckpointFormatException truncated() {
      return new CheckpointFormatException(
          file, "truncated while reading " + what + " at byte " + buf.position());
    }

    private void need(long bytes) throws CheckpointFormatException {
      if (bytes < 0 || bytes > buf.remaining()) {
        throw new CheckpointFormatException(
            file, what + ": length " + bytes + " runs past the end of the file (" + buf.remaining()
                + " bytes left at byte " + buf.position() + ")");
      }
    }

    String string() throws CheckpointFormatException {
      try {
        need(8);
        long len = buf.getLong();
        need(len);
        byte[] b = new byte[(int) len];
        buf.get(b);
        // malformed UTF-8 (a token that is part of a multi-byte character) becomes U+FFFD
        return new String(b, StandardCharsets.UTF_8);
      } catch (BufferUnderflowException e) {
        throw truncated();
      }
    }
  }

  /** The file. */
  public Path path() {
    return file;
  }

  /** GGUF version (2 or 3). */
  public int version() {
    return header.version();
  }

  /** Every metadata key/value, in file order (values as {@link GgufMetadata} gives them). */
  public Map<String, Object> metadata() {
    return header.values();
  }

  /** The header and metadata as llm-tokenizer read them (a tokenizer can be built from them). */
  public GgufMetadata header() {
    return header;
  }

  /** Tensor infos by name, in file order. */
  public Map<String, TensorInfo> tensors() {
    return tensors;
  }

  /** A metadata string, or null when absent. */
  public String string(String key) throws CheckpointFormatException {
    Object v = metadata().get(key);
    if (v == null) {
      return null;
    }
    if (!(v instanceof String s)) {
      throw new CheckpointFormatException(file, "metadata " + quote(key) + " is not a string: " + v);
    }
    return s;
  }

  /** A metadata integer, or {@code dflt} when absent. */
  public long integer(String key, long dflt) throws CheckpointFormatException {
    Object v = metadata().get(key);
    if (v == null) {
      return dflt;
    }
    if (!(v instanceof Long)) {
      throw new CheckpointFormatException(file, "metadata " + quote(key) + " is not an integer: " + v);
    }
    return ((Number) v).longValue();
  }

  /** A required metadata integer in int range. */
  public int requiredInt(String key) throws CheckpointFormatException {
    if (!metadata().containsKey(key)) {
      throw new CheckpointFormatException(file, "missing required metadata '" + key + "'");
    }
    long v = integer(key, 0);
    if (v <= 0 || v > Integer.MAX_VALUE) {
      throw new CheckpointFormatException(file, "metadata " + quote(key) + " = " + v + " is out of range");
    }
    return (int) v;
  }

  /** A metadata float, or {@code dflt} when absent. */
  public double number(String key, double dflt) throws CheckpointFormatException {
    Object v = metadata().get(key);
    if (v == null) {
      return dflt;
    }
    if (!(v instanceof Number n)) {
      throw new CheckpointFormatException(file, "metadata " + quote(key) + " is not a number: " + v);
    }
    return n.doubleValue();
  }

  @Override
  public Set<String> names() {
    return tensors.keySet();
  }

  @Override
  public long[] shape(String name) throws CheckpointFormatException {
    return require(name).shape();
  }

  @Override
  public Path file(String name) {
    return file;
  }

  @Override
  public void read(String name, Tensor dest) throws IOException {
    TensorInfo t = require(name);
    if (dest.length() != t.elements()) {
      throw new CheckpointFormatException(
          file, "tensor " + quote(name) + " has " + t.elements() + " elements, destination shape "
              + dest.shapeString() + " has " + dest.length());
    }
    long at = dataStart + t.offset();
    switch (t.type()) {
      case F32 -> MappedRegions.read(channel, file, name, at, t.elements(), StoredType.F32, dest.buffer());
      case F16 -> MappedRegions.read(channel, file, name, at, t.elements(), StoredType.F16, dest.buffer());
      case BF16 -> MappedRegions.read(channel, file, name, at, t.elements(), StoredType.BF16, dest.buffer());
      case Q8_0 -> readQ8(t, at, dest.buffer());
      default -> {
        QuantizedMatrix q = readQuantized(name);
        float[] row = new float[q.cols()];
        FloatBuffer d = dest.buffer();
        for (int r = 0; r < q.rows(); r++) {
          q.dequantizeRow(r, row, 0);
          d.put(r * q.cols(), row, 0, q.cols());
        }
      }
    }
  }

  /** The block type of a tensor that is kept quantized in memory, or null for F32/F16/BF16. */
  public QuantType quantType(String name) throws CheckpointFormatException {
    TensorInfo t = require(name);
    return switch (t.type()) {
      case F32, F16, BF16 -> null;
      default -> supported(t);
    };
  }

  private QuantType supported(TensorInfo t) throws CheckpointFormatException {
    QuantType q = QuantType.byGgmlId(t.type().id());
    if (q == null) {
      throw new CheckpointFormatException(
          file, "tensor " + quote(t.name()) + " has type " + t.type()
              + "; only F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q5_K and Q6_K can be read");
    }
    return q;
  }

  /**
   * A block-quantized tensor as it is stored: its GGUF blocks copied out of the memory mapping, no
   * float32 copy (resident size = the tensor's bytes in the file). A tensor of more than two
   * dimensions is read as (product of the outer dimensions, innermost dimension).
   *
   * @throws CheckpointFormatException naming the tensor when its type is F32/F16/BF16 or one this
   *     library does not keep quantized, or when it is too large for one Java array (2 GB)
   */
  public QuantizedMatrix readQuantized(String name) throws IOException {
    TensorInfo t = require(name);
    QuantType q = t.type() == GgmlType.F32 || t.type() == GgmlType.F16 || t.type() == GgmlType.BF16
        ? null : supported(t);
    if (q == null) {
      throw new CheckpointFormatException(
          file, "tensor " + quote(name) + " has type " + t.type() + ", not a block-quantized type");
    }
    long cols = t.dims()[0];
    long rows = t.elements() / Math.max(1, cols);
    long bytes = t.bytes();
    if (bytes != q.bytes(rows, cols)) { // cannot happen for a validated file; checked all the same
      throw new CheckpointFormatException(
          file, "tensor " + quote(name) + ": " + bytes + " bytes do not match " + q + " (" + rows + ", "
              + cols + ") = " + q.bytes(rows, cols) + " bytes");
    }
    if (bytes > Integer.MAX_VALUE - 8 || rows > Integer.MAX_VALUE) {
      throw new CheckpointFormatException(
          file, "tensor " + quote(name) + " of " + bytes + " bytes is too large to keep quantized (2 GB at most)");
    }
    byte[] data = new byte[(int) bytes];
    MappedByteBuffer m = channel.map(FileChannel.MapMode.READ_ONLY, dataStart + t.offset(), bytes);
    m.get(0, data, 0, data.length);
    return QuantizedMatrix.of(q, (int) rows, (int) cols, data);
  }

  /** Dequantises Q8_0 blocks (f16 scale d, 32 int8 q; x = d * q) in chunks of mapped blocks. */
  private void readQ8(TensorInfo t, long at, FloatBuffer dest) throws IOException {
    long blocks = t.elements() / 32;
    long perChunk = (1L << 30) / 34;
    for (long b0 = 0; b0 < blocks; b0 += perChunk) {
      int n = (int) Math.min(perChunk, blocks - b0);
      MappedByteBuffer m = channel.map(FileChannel.MapMode.READ_ONLY, at + b0 * 34, (long) n * 34);
      m.order(ByteOrder.LITTLE_ENDIAN);
      long first = b0;
      Parallel.forRange(n, 64, (from, to) -> {
        for (int b = from; b < to; b++) {
          int base = b * 34;
          float d = Float16.halfToFloat(m.getShort(base));
          int out = (int) ((first + b) * 32);
          for (int i = 0; i < 32; i++) {
            dest.put(out + i, d * m.get(base + 2 + i));
          }
        }
      });
    }
  }

  private TensorInfo require(String name) throws CheckpointFormatException {
    TensorInfo t = tensors.get(name);
    if (t == null) {
      throw new CheckpointFormatException(file, "tensor " + quote(name) + " is missing");
    }
    return t;
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
