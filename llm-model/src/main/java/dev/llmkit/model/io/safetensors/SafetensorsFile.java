package dev.llmkit.model.io.safetensors;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmkit.model.io.CheckpointFormatException;
import dev.llmkit.model.io.MappedRegions;
import dev.llmkit.model.io.StoredType;
import dev.llmkit.model.io.TensorSource;
import dev.llmkit.tensor.Tensor;
import dev.llmkit.tokenizer.UntrustedText;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A reader of one {@code .safetensors} file: an 8-byte little-endian header length N, N bytes of JSON
 * ({@code {"name": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}}}), then
 * the raw little-endian data; offsets are relative to the end of the header.
 *
 * <p>The header is validated completely on open (length within the file, every tensor's offsets
 * inside the data area, consistent with its shape and dtype, no overlaps), so nothing is allocated
 * that the file could not fill. Tensors are read on demand through a memory mapping; F32, F16 and
 * BF16 are converted to float32 straight into the destination. Thread-safe for concurrent reads.
 */
public final class SafetensorsFile implements TensorSource {

  /** Largest header accepted (the reference implementation's limit is 100 MB as well). */
  static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

  /** Strict JSON: duplicate keys and trailing content are errors (also for the shard index). */
  static final ObjectMapper HEADER_JSON = new ObjectMapper()
      .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
      .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  /** Element sizes of every dtype the format defines; only F32/F16/BF16 can be read as floats. */
  private static final Map<String, Integer> DTYPE_BYTES = Map.ofEntries(
      Map.entry("F64", 8), Map.entry("F32", 4), Map.entry("F16", 2), Map.entry("BF16", 2),
      Map.entry("I64", 8), Map.entry("U64", 8), Map.entry("I32", 4), Map.entry("U32", 4),
      Map.entry("I16", 2), Map.entry("U16", 2), Map.entry("I8", 1), Map.entry("U8", 1),
      Map.entry("BOOL", 1), Map.entry("F8_E4M3", 1), Map.entry("F8_E5M2", 1));

  /** One tensor's header entry. */
  public record Entry(String name, String dtype, long[] shape, long begin, long end) {
    /** Number of elements. */
    public long elements() {
      long n = 1;
      for (long d : shape) {
        n *= d;
      }
      return n;
    }
  }

  private final Path file;
  private final FileChannel channel;
  private final long dataStart;
  private final Map<String, Entry> entries;
  private final Map<String, String> metadata;

  private SafetensorsFile(Path file, FileChannel channel, long dataStart, Map<String, Entry> entries,
      Map<String, String> metadata) {
    this.file = file;
    this.channel = channel;
    this.dataStart = dataStart;
    this.entries = entries;
    this.metadata = metadata;
  }

  /**
   * Opens and validates a safetensors file.
   *
   * @throws CheckpointFormatException if the header is corrupt, naming the file and the tensor
   * @throws IOException if the file cannot be read
   */
  public static SafetensorsFile open(Path file) throws IOException {
    FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
    try {
      return parse(file, ch);
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  private static SafetensorsFile parse(Path file, FileChannel ch) throws IOException {
    long size = ch.size();
    if (size < 8) {
      throw new CheckpointFormatException(
          file, "not a safetensors file: " + size + " bytes, less than the 8-byte header length");
    }
    ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
    readFully(ch, lenBuf, 0);
    long n = lenBuf.getLong(0);
    if (n < 2 || n > size - 8) {
      throw new CheckpointFormatException(
          file, "header length " + Long.toUnsignedString(n) + " runs past the end of the file ("
              + size + " bytes; truncated or not safetensors)");
    }
    if (n > MAX_HEADER_BYTES) {
      throw new CheckpointFormatException(
          file, "header length " + n + " exceeds the limit of " + MAX_HEADER_BYTES + " bytes");
    }
    ByteBuffer hb = ByteBuffer.allocate((int) n);
    readFully(ch, hb, 8);
    JsonNode root;
    String text;
    try { // as the reference reader: valid UTF-8, starting with '{', nothing after the object
      text = StandardCharsets.UTF_8.newDecoder().decode(hb.flip()).toString();
    } catch (java.nio.charset.CharacterCodingException e) {
      throw new CheckpointFormatException(file, "header is not valid UTF-8");
    }
    if (!text.startsWith("{")) {
      throw new CheckpointFormatException(file, "header does not start with '{' (not safetensors?)");
    }
    try {
      root = HEADER_JSON.readTree(text);
    } catch (IOException e) {
      throw new CheckpointFormatException(file, "header is not valid JSON: " + e.getMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new CheckpointFormatException(file, "header is not a JSON object");
    }
    long dataStart = 8 + n;
    long dataSize = size - dataStart;
    List<Entry> list = new ArrayList<>();
    Map<String, String> meta = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> f = it.next();
      String name = f.getKey();
      JsonNode v = f.getValue();
      if (name.equals("__metadata__")) {
        if (!v.isObject()) {
          throw new CheckpointFormatException(file, "__metadata__ is not a JSON object");
        }
        for (Iterator<Map.Entry<String, JsonNode>> mi = v.fields(); mi.hasNext(); ) {
          Map.Entry<String, JsonNode> m = mi.next();
          if (!m.getValue().isTextual()) {
            throw new CheckpointFormatException(
                file, "__metadata__ value of " + quote(m.getKey()) + " is " + m.getValue().getNodeType()
                    + ", expected a string");
          }
          meta.put(m.getKey(), m.getValue().asText());
        }
        continue;
      }
      list.add(entry(file, name, v, dataSize));
    }
    list.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
    // The tensors must tile the data area exactly, as the reference reader requires: each one
    // begins where the previous one ended, and the last one ends at the end of the file. A gap or
    // an overlap means a header length or an offset was changed, and every tensor would be read
    // from the wrong bytes.
    Map<String, Entry> entries = new LinkedHashMap<>();
    long expected = 0;
    Entry prev = null;
    for (Entry e : list) {
      if (e.begin() != expected) {
        String what = e.begin() < expected ? "overlaps" : "leaves a gap of " + (e.begin() - expected)
            + " bytes after";
        throw new CheckpointFormatException(
            file, "tensor " + quote(e.name()) + " data_offsets [" + e.begin() + ", " + e.end() + "] "
                + (prev == null ? "do not start at 0, the beginning of the data area"
                    : what + " tensor " + quote(prev.name()) + " [" + prev.begin() + ", "
                        + prev.end() + "]; expected begin " + expected));
      }
      entries.put(e.name(), e);
      expected = e.end();
      prev = e;
    }
    if (expected != dataSize) {
      throw new CheckpointFormatException(
          file, "the tensors cover " + expected + " bytes of data but the data area after the "
              + n + "-byte header has " + dataSize + " bytes (header length or offsets changed, or "
              + "the file is truncated or has trailing bytes)");
    }
    return new SafetensorsFile(file, ch, dataStart, Collections.unmodifiableMap(entries),
        Collections.unmodifiableMap(meta));
  }

  private static Entry entry(Path file, String name, JsonNode v, long dataSize)
      throws CheckpointFormatException {
    if (!v.isObject()) {
      throw new CheckpointFormatException(file, "header entry of tensor " + quote(name) + " is not an object");
    }
    JsonNode dt = v.get("dtype");
    if (dt == null || !dt.isTextual()) {
      throw new CheckpointFormatException(file, "tensor " + quote(name) + " has no dtype");
    }
    String dtype = dt.asText();
    Integer bytes = DTYPE_BYTES.get(dtype);
    if (bytes == null) {
      throw new CheckpointFormatException(
          file, "tensor " + quote(name) + " has unknown dtype '" + dtype + "' (expected one of "
              + new java.util.TreeSet<>(DTYPE_BYTES.keySet()) + ")");
    }
    JsonNode sh = v.get("shape");
    if (sh == null || !sh.isArray()) {
      throw new CheckpointFormatException(file, "tensor " + quote(name) + " has no shape array");
    }
    long[] shape = new long[sh.size()];
    long elements = 1;
    for (int d = 0; d < shape.length; d++) {
      JsonNode x = sh.get(d);
      if (!x.canConvertToLong() || !x.isIntegralNumber() || x.asLong() < 0) {
        throw new CheckpointFormatException(
            file, "tensor " + quote(name) + " has an invalid dimension " + x + " in shape " + sh);
      }
      shape[d] = x.asLong();
      elements = shape[d] == 0 ? 0 : multiply(file, name, elements, shape[d]);
    }
    JsonNode off = v.get("data_offsets");
    if (off == null || !off.isArray() || off.size() != 2 || !off.get(0).isIntegralNumber()
        || !off.get(1).isIntegralNumber()) {
      throw new CheckpointFormatException(
          file, "tensor " + quote(name) + " has no valid data_offsets [begin, end]");
    }
    long begin = off.get(0).asLong();
    long end = off.get(1).asLong();
    if (begin < 0 || end < begin || end > dataSize) {
      throw new CheckpointFormatException(
          file, "tensor " + quote(name) + " data_offsets [" + begin + ", " + end
              + "] out of range of the data area (" + dataSize + " bytes; truncated?)");
    }
    long expect = multiply(file, name, elements, bytes);
    if (end - begin != expect) {
      throw new CheckpointFormatException(
          file, "tensor " + quote(name) + " of shape " + sh + " and dtype " + dtype + " needs " + expect
              + " bytes but data_offsets [" + begin + ", " + end + "] give " + (end - begin));
    }
    return new Entry(name, dtype, shape, begin, end);
  }

  private static String quote(String name) {
    return "'" + UntrustedText.name(name) + "'";
  }

  private static long multiply(Path file, String name, long a, long b) throws CheckpointFormatException {
    try {
      return Math.multiplyExact(a, b);
    } catch (ArithmeticException e) {
      throw new CheckpointFormatException(file, "tensor " + quote(name) + " shape overflows");
    }
  }

  private static void readFully(FileChannel ch, ByteBuffer b, long pos) throws IOException {
    while (b.hasRemaining()) {
      int r = ch.read(b, pos + b.position());
      if (r < 0) {
        throw new java.io.EOFException("unexpected end of file");
      }
    }
  }

  /** The file this reader holds open. */
  public Path path() {
    return file;
  }

  /** Every header entry, ordered by data offset. */
  public Map<String, Entry> entries() {
    return entries;
  }

  /** The {@code __metadata__} map (empty when absent). */
  public Map<String, String> metadata() {
    return metadata;
  }

  /** The entry of a tensor, or null. */
  public Entry entry(String name) {
    return entries.get(name);
  }

  @Override
  public Set<String> names() {
    return entries.keySet();
  }

  @Override
  public long[] shape(String name) throws CheckpointFormatException {
    return require(name).shape().clone();
  }

  @Override
  public Path file(String name) {
    return file;
  }

  @Override
  public void read(String name, Tensor dest) throws IOException {
    Entry e = require(name);
    StoredType type;
    try {
      type = StoredType.valueOf(e.dtype());
    } catch (IllegalArgumentException ex) {
      throw new CheckpointFormatException(
          file, "tensor " + quote(name) + " has dtype " + e.dtype() + ", only F32, F16 and BF16 can be read");
    }
    if (dest.length() != e.elements()) {
      throw new CheckpointFormatException(
          file, "tensor " + quote(name) + " has " + e.elements() + " elements, destination shape "
              + dest.shapeString() + " has " + dest.length());
    }
    MappedRegions.read(channel, file, name, dataStart + e.begin(), e.elements(), type, dest.buffer());
  }

  private Entry require(String name) throws CheckpointFormatException {
    Entry e = entries.get(name);
    if (e == null) {
      throw new CheckpointFormatException(file, "tensor " + quote(name) + " is missing");
    }
    return e;
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
