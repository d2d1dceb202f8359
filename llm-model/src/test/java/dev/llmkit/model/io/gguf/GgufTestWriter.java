package dev.llmkit.model.io.gguf;

import dev.llmkit.model.io.Float16;
import dev.llmkit.tensor.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes GGUF v3 files byte by byte from the specification (for tests): metadata of any type and
 * tensors in F32, F16, BF16 or Q8_0. Independent of {@link GgufFile}.
 */
final class GgufTestWriter {

  private final ByteArrayOutputStream kv = new ByteArrayOutputStream();
  private int nKv;
  private final List<Object[]> tensors = new ArrayList<>(); // name, dims, type, bytes
  private int alignment = 32;

  GgufTestWriter alignment(int a) {
    this.alignment = a;
    return uint32("general.alignment", a);
  }

  private static byte[] le(int bytes, long v) {
    ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v);
    byte[] out = new byte[bytes];
    System.arraycopy(b.array(), 0, out, 0, bytes);
    return out;
  }

  static byte[] str(String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    o.writeBytes(le(8, b.length));
    o.writeBytes(b);
    return o.toByteArray();
  }

  /** A raw entry: key, type id, encoded value. */
  GgufTestWriter raw(String key, int type, byte[] value) {
    kv.writeBytes(str(key));
    kv.writeBytes(le(4, type));
    kv.writeBytes(value);
    nKv++;
    return this;
  }

  GgufTestWriter uint32(String key, long v) {
    return raw(key, 4, le(4, v));
  }

  GgufTestWriter int32(String key, int v) {
    return raw(key, 5, le(4, v));
  }

  GgufTestWriter float32(String key, float v) {
    return raw(key, 6, le(4, Float.floatToRawIntBits(v)));
  }

  GgufTestWriter string(String key, String v) {
    return raw(key, 8, str(v));
  }

  /** An array entry of a given element type with pre-encoded elements. */
  GgufTestWriter array(String key, int elemType, int n, byte[] elems) {
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    o.writeBytes(le(4, elemType));
    o.writeBytes(le(8, n));
    o.writeBytes(elems);
    return raw(key, 9, o.toByteArray());
  }

  /**
   * An entry re-encoded from a value as {@link GgufFile} returns it (Long as UINT32 when it fits
   * else INT64, Float, Double, Boolean, String, and Java arrays: int[] as INT32, long[] as INT64,
   * the others by their element type, Object[] as an array of arrays).
   */
  GgufTestWriter value(String key, Object v) {
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    int type = encode(asLists(v), o);
    return raw(key, type, o.toByteArray());
  }

  /** Java arrays as lists (recursively), the form {@link #encode} writes as GGUF arrays. */
  private static Object asLists(Object v) {
    if (v instanceof Object[] a) {
      List<Object> l = new java.util.ArrayList<>();
      for (Object e : a) {
        l.add(asLists(e));
      }
      return l;
    }
    if (v != null && v.getClass().isArray()) {
      List<Object> l = new java.util.ArrayList<>();
      for (int i = 0; i < java.lang.reflect.Array.getLength(v); i++) {
        l.add(java.lang.reflect.Array.get(v, i));
      }
      return l;
    }
    return v;
  }

  private static int typeOf(Object v) {
    if (v instanceof Integer) {
      return 5;
    } else if (v instanceof Long l) {
      return l >= 0 && l <= 0xFFFFFFFFL ? 4 : 11;
    } else if (v instanceof Float) {
      return 6;
    } else if (v instanceof Double) {
      return 12;
    } else if (v instanceof Boolean) {
      return 7;
    } else if (v instanceof String) {
      return 8;
    } else if (v instanceof List) {
      return 9;
    }
    throw new IllegalArgumentException("cannot encode " + v);
  }

  private static int encode(Object v, ByteArrayOutputStream o) {
    int type = typeOf(v);
    switch (type) {
      case 5 -> o.writeBytes(le(4, (Integer) v));
      case 4 -> o.writeBytes(le(4, (Long) v));
      case 11 -> o.writeBytes(le(8, (Long) v));
      case 6 -> o.writeBytes(le(4, Float.floatToRawIntBits((Float) v)));
      case 12 -> o.writeBytes(le(8, Double.doubleToRawLongBits((Double) v)));
      case 7 -> o.write((Boolean) v ? 1 : 0);
      case 8 -> o.writeBytes(str((String) v));
      default -> {
        List<?> list = (List<?>) v;
        int elemType = list.isEmpty() ? 5 : typeOf(list.get(0));
        o.writeBytes(le(4, elemType));
        o.writeBytes(le(8, list.size()));
        for (Object e : list) {
          encode(e, o);
        }
      }
    }
    return type;
  }

  /** Adds a tensor; {@code t} is row-major with the canonical shape, GGUF dims are reversed. */
  GgufTestWriter tensor(String name, Tensor t, GgmlType type) {
    int[] shape = t.shape();
    long[] dims = new long[shape.length];
    for (int i = 0; i < shape.length; i++) {
      dims[i] = shape[shape.length - 1 - i];
    }
    ByteBuffer b;
    int n = t.length();
    switch (type) {
      case F32 -> {
        b = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
          b.putFloat(t.getFlat(i));
        }
      }
      case F16 -> {
        b = ByteBuffer.allocate(2 * n).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
          b.putShort(Float16.floatToHalf(t.getFlat(i)));
        }
      }
      case BF16 -> {
        b = ByteBuffer.allocate(2 * n).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
          b.putShort((short) (Float.floatToRawIntBits(t.getFlat(i)) >>> 16)); // exact values only
        }
      }
      case Q8_0 -> {
        // llama.cpp's quantize_row_q8_0: d = amax / 127, q = round(x / d)
        b = ByteBuffer.allocate(n / 32 * 34).order(ByteOrder.LITTLE_ENDIAN);
        for (int blk = 0; blk < n / 32; blk++) {
          float amax = 0;
          for (int i = 0; i < 32; i++) {
            amax = Math.max(amax, Math.abs(t.getFlat(blk * 32 + i)));
          }
          float d = amax / 127f;
          float id = d != 0 ? 1f / d : 0f;
          b.putShort(Float16.floatToHalf(d));
          for (int i = 0; i < 32; i++) {
            b.put((byte) Math.round(t.getFlat(blk * 32 + i) * id));
          }
        }
      }
      default -> throw new IllegalArgumentException(type.toString());
    }
    tensors.add(new Object[] {name, dims, type, b.array()});
    return this;
  }

  /**
   * Adds a tensor of raw data under any type id (known or not), GGUF dims as given (innermost
   * first): the offsets follow the data's length, whatever the type and shape imply.
   */
  GgufTestWriter raw(String name, long[] dims, int typeId, byte[] data) {
    tensors.add(new Object[] {name, dims.clone(), typeId, data.clone()});
    return this;
  }

  /** The whole file. */
  byte[] bytes() {
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    o.writeBytes("GGUF".getBytes(StandardCharsets.US_ASCII));
    o.writeBytes(le(4, 3));
    o.writeBytes(le(8, tensors.size()));
    o.writeBytes(le(8, nKv));
    o.writeBytes(kv.toByteArray());
    long offset = 0;
    for (Object[] t : tensors) {
      long[] dims = (long[]) t[1];
      o.writeBytes(str((String) t[0]));
      o.writeBytes(le(4, dims.length));
      for (long d : dims) {
        o.writeBytes(le(8, d));
      }
      o.writeBytes(le(4, t[2] instanceof GgmlType g ? g.id() : (Integer) t[2]));
      o.writeBytes(le(8, offset));
      offset += ((byte[]) t[3]).length;
      offset = (offset + alignment - 1) / alignment * alignment;
    }
    pad(o);
    for (Object[] t : tensors) {
      o.writeBytes((byte[]) t[3]);
      pad(o);
    }
    return o.toByteArray();
  }

  private void pad(ByteArrayOutputStream o) {
    while (o.size() % alignment != 0) {
      o.write(0);
    }
  }

  Path write(Path file) throws IOException {
    Files.write(file, bytes());
    return file;
  }
}
