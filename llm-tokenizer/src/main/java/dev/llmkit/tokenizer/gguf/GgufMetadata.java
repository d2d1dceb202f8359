package dev.llmkit.tokenizer.gguf;

import dev.llmkit.tokenizer.TokenizerFormatException;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The key-value metadata of a GGUF file (versions 2 and 3), read without touching its tensors. The
 * one GGUF header parser of the library: llm-model's checkpoint reader takes the metadata from here
 * and reads the tensor infos from {@link #end()} on.
 * Values are {@link Long} (all integer types), {@link Double}/{@link Float} (float64/float32),
 * {@link Boolean}, {@link String}, or arrays: {@code String[]}, {@code float[]}, {@code int[]}
 * (8-32-bit integers), {@code long[]}, {@code double[]}, {@code boolean[]}, or {@code Object[]} for
 * arrays of arrays.
 */
public final class GgufMetadata {
  private static final int STRING = 8;
  private static final int ARRAY = 9;

  private final Path file;
  private final int version;
  private final long tensorCount;
  private final Map<String, Object> values;
  private final long end;

  private GgufMetadata(Path file, int version, long tensorCount, Map<String, Object> values, long end) {
    this.file = file;
    this.version = version;
    this.tensorCount = tensorCount;
    this.values = Collections.unmodifiableMap(values);
    this.end = end;
  }

  /**
   * Reads the header and metadata of a GGUF file.
   *
   * @param file the file
   * @return the metadata
   * @throws IOException if reading fails
   * @throws IllegalArgumentException if the file is not GGUF or is corrupt, naming the file and
   *     the byte offset
   */
  public static GgufMetadata read(Path file) throws IOException {
    long size = Files.size(file);
    try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
      return new Reader(file, in, size).read();
    }
  }

  /**
   * The file.
   *
   * @return the path
   */
  public Path file() {
    return file;
  }

  /**
   * The GGUF version (2 or 3).
   *
   * @return the version
   */
  public int version() {
    return version;
  }

  /**
   * The number of tensors the file declares.
   *
   * @return the count
   */
  public long tensorCount() {
    return tensorCount;
  }

  /**
   * The byte offset just past the metadata: where the tensor infos begin.
   *
   * @return the offset
   */
  public long end() {
    return end;
  }

  /**
   * All key-value pairs, in file order.
   *
   * @return an unmodifiable map
   */
  public Map<String, Object> values() {
    return values;
  }

  /**
   * A value.
   *
   * @param key the key
   * @return the value or {@code null}
   */
  public Object get(String key) {
    return values.get(key);
  }

  /**
   * A required value of a given type.
   *
   * @param key the key
   * @param type the expected class
   * @param <T> the type
   * @return the value
   * @throws IllegalArgumentException if missing or of another type, naming the file and key
   */
  public <T> T require(String key, Class<T> type) {
    Object v = values.get(key);
    if (v == null) {
      throw new TokenizerFormatException(file + ": GGUF metadata key '" + key + "' is missing");
    }
    if (!type.isInstance(v)) {
      throw new TokenizerFormatException(
          file + ": GGUF metadata key '" + key + "' is " + v.getClass().getSimpleName()
              + ", expected " + type.getSimpleName());
    }
    return type.cast(v);
  }

  /**
   * An optional integer value.
   *
   * @param key the key
   * @param fallback the value when absent
   * @return the value
   */
  public long getLong(String key, long fallback) {
    Object v = values.get(key);
    return v instanceof Long ? (Long) v : fallback;
  }

  /**
   * An optional boolean value.
   *
   * @param key the key
   * @param fallback the value when absent
   * @return the value
   */
  public boolean getBoolean(String key, boolean fallback) {
    Object v = values.get(key);
    return v instanceof Boolean ? (Boolean) v : fallback;
  }

  /**
   * An optional string value.
   *
   * @param key the key
   * @param fallback the value when absent
   * @return the value
   */
  public String getString(String key, String fallback) {
    Object v = values.get(key);
    return v instanceof String ? (String) v : fallback;
  }

  private static final class Reader {
    private final Path file;
    private final InputStream in;
    private final long size;
    private long pos;
    private final byte[] scratch = new byte[8];
    /** The entry being read, e.g. "metadata 'general.name'", for error messages; empty in the header. */
    private String entry = "";

    Reader(Path file, InputStream in, long size) {
      this.file = file;
      this.in = in;
      this.size = size;
    }

    IllegalArgumentException corrupt(long at, String what) {
      return new TokenizerFormatException(
          file + " at byte offset " + at + ": " + (entry.isEmpty() ? "" : entry + ": ") + what);
    }

    void fill(byte[] b, int n) throws IOException {
      int off = 0;
      while (off < n) {
        int r = in.read(b, off, n - off);
        if (r < 0) {
          throw corrupt(pos + off, "unexpected end of file (file is " + size + " bytes)");
        }
        off += r;
      }
      pos += n;
    }

    long u64() throws IOException {
      fill(scratch, 8);
      long v = 0;
      for (int i = 7; i >= 0; i--) {
        v = (v << 8) | (scratch[i] & 0xFF);
      }
      return v;
    }

    int u32() throws IOException {
      fill(scratch, 4);
      return (scratch[0] & 0xFF) | (scratch[1] & 0xFF) << 8 | (scratch[2] & 0xFF) << 16
          | (scratch[3] & 0xFF) << 24;
    }

    int u16() throws IOException {
      fill(scratch, 2);
      return (scratch[0] & 0xFF) | (scratch[1] & 0xFF) << 8;
    }

    int u8() throws IOException {
      fill(scratch, 1);
      return scratch[0] & 0xFF;
    }

    long count(String what) throws IOException {
      long at = pos;
      long n = u64();
      if (n < 0 || n > size - pos) {
        throw corrupt(at, what + " " + n + " runs past the end of the file (" + size + " bytes)");
      }
      return n;
    }

    String string() throws IOException {
      long at = pos;
      long n = count("string length");
      if (n > Integer.MAX_VALUE - 16) {
        throw corrupt(at, "string length " + n + " too large");
      }
      byte[] b = new byte[(int) n];
      fill(b, b.length);
      try {
        return StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT)
            .decode(java.nio.ByteBuffer.wrap(b))
            .toString();
      } catch (CharacterCodingException e) {
        // Some vocabularies hold tokens that are not valid UTF-8; keep them with U+FFFD.
        return new String(b, StandardCharsets.UTF_8);
      }
    }

    Object scalar(int type, long at) throws IOException {
      switch (type) {
        case 0: return (long) u8();
        case 1: return (long) (byte) u8();
        case 2: return (long) u16();
        case 3: return (long) (short) u16();
        case 4: return (long) u32() & 0xFFFFFFFFL;
        case 5: return (long) u32();
        case 6: return Float.intBitsToFloat(u32());
        case 7: {
          int b = u8();
          if (b > 1) {
            throw corrupt(at, "bool value " + b + ", expected 0 or 1");
          }
          return b == 1;
        }
        case STRING: return string();
        case 10: return u64();
        case 11: return u64();
        case 12: return Double.longBitsToDouble(u64());
        default: throw corrupt(at, "unknown value type " + type);
      }
    }

    Object value(int type, long at) throws IOException {
      if (type != ARRAY) {
        return scalar(type, at);
      }
      long typeAt = pos;
      int et = u32();
      long n = count("array length");
      if (n > Integer.MAX_VALUE - 16) {
        throw corrupt(typeAt, "array length " + n + " too large");
      }
      int len = (int) n;
      switch (et) {
        case STRING: {
          String[] a = new String[len];
          for (int i = 0; i < len; i++) {
            a[i] = string();
          }
          return a;
        }
        case 6: {
          float[] a = new float[len];
          for (int i = 0; i < len; i++) {
            a[i] = Float.intBitsToFloat(u32());
          }
          return a;
        }
        case 0: case 1: case 2: case 3: case 4: case 5: {
          int[] a = new int[len];
          for (int i = 0; i < len; i++) {
            a[i] = (int) (long) (Long) scalar(et, pos);
          }
          return a;
        }
        case 7: {
          boolean[] a = new boolean[len];
          for (int i = 0; i < len; i++) {
            a[i] = (Boolean) scalar(et, pos);
          }
          return a;
        }
        case 10: case 11: {
          long[] a = new long[len];
          for (int i = 0; i < len; i++) {
            a[i] = u64();
          }
          return a;
        }
        case 12: {
          double[] a = new double[len];
          for (int i = 0; i < len; i++) {
            a[i] = Double.longBitsToDouble(u64());
          }
          return a;
        }
        case ARRAY: {
          Object[] a = new Object[len];
          for (int i = 0; i < len; i++) {
            a[i] = value(ARRAY, pos);
          }
          return a;
        }
        default:
          throw corrupt(typeAt, "unknown array element type " + et);
      }
    }

    GgufMetadata read() throws IOException {
      byte[] magic = new byte[4];
      try {
        fill(magic, 4);
      } catch (IllegalArgumentException e) {
        throw corrupt(0, "too short for a GGUF file (" + size + " bytes)");
      }
      if (magic[0] != 'G' || magic[1] != 'G' || magic[2] != 'U' || magic[3] != 'F') {
        throw corrupt(0, "not a GGUF file (magic is not 'GGUF')");
      }
      int version = u32();
      if (version != 2 && version != 3) {
        throw corrupt(4, "GGUF version " + version + " is not supported (expected 2 or 3)");
      }
      long tensors = u64();
      long nkv = count("metadata count");
      Map<String, Object> values = new LinkedHashMap<>();
      for (long i = 0; i < nkv; i++) {
        long at = pos;
        entry = "metadata entry " + i;
        String key = string();
        entry = "metadata '" + dev.llmkit.tokenizer.UntrustedText.name(key) + "'";
        long typeAt = pos;
        int type = u32();
        if (type < 0 || type > 12) {
          throw corrupt(typeAt, "unknown value type " + type);
        }
        Object value = value(type, typeAt);
        Object before = values.put(key, value);
        // gguf.cpp rejects any repeated key; older gguf-py wrote some twice with the same value
        // (llama.cpp's own ggml-vocab-dbrx.gguf), which is harmless; a different value is not
        if (before != null && !java.util.Objects.deepEquals(before, value)) {
          throw corrupt(at, "the key appears twice with different values");
        }
        if (pos > size) {
          throw corrupt(at, "runs past the end of the file");
        }
      }
      entry = "";
      return new GgufMetadata(file, version, tensors, values, pos);
    }
  }

}
