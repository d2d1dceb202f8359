package dev.llmkit.model.io.onnx;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import dev.llmkit.model.io.CheckpointFormatException;
import dev.llmkit.tensor.Tensor;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The part of an ONNX model file ({@code onnx.proto}, protobuf wire format) that weight import
 * needs: the graph's nodes (op type, inputs, outputs), its initializers (named constant tensors)
 * and its input/output names. Read field by field with protobuf's {@link CodedInputStream}; the
 * field numbers are onnx.proto's: ModelProto.graph = 7, GraphProto.node = 1 / initializer = 5 /
 * input = 11 / output = 12, NodeProto.input = 1 / output = 2 / name = 3 / op_type = 4,
 * TensorProto.dims = 1 / data_type = 2 / float_data = 4 / int64_data = 7 / name = 8 /
 * raw_data = 9 / data_location = 14, ValueInfoProto.name = 1, and a Constant node's tensor
 * (NodeProto.attribute = 5, AttributeProto.name = 1 / t = 5). Other fields are skipped. Bytes that
 * are not a valid message, a model without a graph, external tensor data or a tensor whose data does
 * not match its dims are a {@link CheckpointFormatException} naming the file (and the tensor).
 */
public final class OnnxModel {

  /** TensorProto.DataType FLOAT. */
  public static final int FLOAT = 1;
  /** TensorProto.DataType INT64. */
  public static final int INT64 = 7;

  /**
   * One graph node.
   *
   * @param name the node's name (may be empty)
   * @param opType e.g. MatMul, Add, Gather
   * @param inputs input value names in order ("" for an omitted optional input)
   * @param outputs output value names
   */
  public record Node(String name, String opType, List<String> inputs, List<String> outputs) {}

  /**
   * A constant tensor of the graph.
   *
   * @param name its name
   * @param dataType TensorProto.DataType
   * @param dims its shape
   * @param raw little-endian raw data, or null when the values are in typed fields
   * @param floats float_data values (FLOAT without raw data), else null
   * @param longs int64_data values (INT64 without raw data), else null
   */
  public record Initializer(String name, int dataType, long[] dims, ByteString raw, float[] floats,
      long[] longs) {
    /** Number of elements. */
    public long elements() {
      long n = 1;
      for (long d : dims) {
        n *= d;
      }
      return n;
    }
  }

  private final Path file;
  private final List<Node> nodes;
  private final Map<String, Initializer> initializers;
  private final Map<String, Initializer> constants;
  private final List<String> inputs;
  private final List<String> outputs;

  private OnnxModel(Path file, List<Node> nodes, Map<String, Initializer> initializers,
      Map<String, Initializer> constants, List<String> inputs, List<String> outputs) {
    this.file = file;
    this.constants = Collections.unmodifiableMap(constants);
    this.nodes = Collections.unmodifiableList(nodes);
    this.initializers = Collections.unmodifiableMap(initializers);
    this.inputs = Collections.unmodifiableList(inputs);
    this.outputs = Collections.unmodifiableList(outputs);
  }

  /**
   * Reads an ONNX file.
   *
   * @throws CheckpointFormatException if the bytes are not an ONNX model this reader understands
   */
  public static OnnxModel read(Path file) throws IOException {
    MappedByteBuffer map;
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      if (ch.size() > Integer.MAX_VALUE) {
        throw new CheckpointFormatException(file, "is " + ch.size()
            + " bytes; ONNX files over 2 GB keep their weights as external data, which is not supported");
      }
      map = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size());
    }
    try {
      CodedInputStream in = CodedInputStream.newInstance(map);
      in.enableAliasing(true);
      in.setSizeLimit(Integer.MAX_VALUE);
      Builder b = new Builder(file);
      boolean graph = false;
      while (true) {
        int tag = in.readTag();
        if (tag == 0) {
          break;
        }
        if (WireFormat.getTagFieldNumber(tag) == 7 && wire(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
          int old = in.pushLimit(in.readRawVarint32());
          b.graph(in);
          in.popLimit(old);
          graph = true;
        } else {
          in.skipField(tag);
        }
      }
      if (!graph) {
        throw new CheckpointFormatException(file, "has no graph (ModelProto field 7): not an ONNX model");
      }
      return new OnnxModel(file, b.nodes, b.initializers, b.constants, b.inputs, b.outputs);
    } catch (InvalidProtocolBufferException e) {
      throw new CheckpointFormatException(file, "is not a valid ONNX (protobuf) file: " + e.getMessage(), e);
    }
  }

  private static int wire(int tag) {
    return WireFormat.getTagWireType(tag);
  }

  /** Collects one graph. */
  private static final class Builder {
    final Path file;
    final List<Node> nodes = new ArrayList<>();
    final Map<String, Initializer> initializers = new LinkedHashMap<>();
    final List<String> inputs = new ArrayList<>();
    final List<String> outputs = new ArrayList<>();
    final Map<String, Initializer> constants = new LinkedHashMap<>();

    Builder(Path file) {
      this.file = file;
    }

    void graph(CodedInputStream in) throws IOException {
      while (true) {
        int tag = in.readTag();
        if (tag == 0) {
          return;
        }
        int field = WireFormat.getTagFieldNumber(tag);
        if (wire(tag) != WireFormat.WIRETYPE_LENGTH_DELIMITED
            || (field != 1 && field != 5 && field != 11 && field != 12)) {
          in.skipField(tag);
          continue;
        }
        int old = in.pushLimit(in.readRawVarint32());
        switch (field) {
          case 1 -> nodes.add(node(in));
          case 5 -> {
            Initializer t = tensor(in, false);
            if (initializers.put(t.name(), t) != null) {
              throw new CheckpointFormatException(file, "initializer '" + t.name()
                  + "' appears twice (onnx's checker: initializer names must be unique)");
            }
          }
          case 11 -> inputs.add(valueName(in));
          default -> outputs.add(valueName(in));
        }
        in.popLimit(old);
      }
    }

    Node node(CodedInputStream in) throws IOException {
      List<String> ins = new ArrayList<>();
      List<String> outs = new ArrayList<>();
      String name = "";
      String op = null;
      Initializer value = null;
      while (true) {
        int tag = in.readTag();
        if (tag == 0) {
          break;
        }
        switch (tag) {
          case (1 << 3) | 2 -> ins.add(in.readStringRequireUtf8());
          case (2 << 3) | 2 -> outs.add(in.readStringRequireUtf8());
          case (3 << 3) | 2 -> name = in.readStringRequireUtf8();
          case (4 << 3) | 2 -> op = in.readStringRequireUtf8();
          case (5 << 3) | 2 -> {
            int old = in.pushLimit(in.readRawVarint32());
            Initializer t = attributeTensor(in);
            value = t != null ? t : value;
            in.popLimit(old);
          }
          default -> in.skipField(tag);
        }
      }
      if (op == null) {
        throw new CheckpointFormatException(file, "node '" + name + "' has no op_type");
      }
      if (op.equals("Constant") && value != null && outs.size() == 1) {
        constants.put(outs.get(0), value);
      }
      return new Node(name, op, List.copyOf(ins), List.copyOf(outs));
    }

    /** An AttributeProto: its tensor (field t = 5) when it is named "value", else null. */
    Initializer attributeTensor(CodedInputStream in) throws IOException {
      String name = null;
      Initializer t = null;
      while (true) {
        int tag = in.readTag();
        if (tag == 0) {
          break;
        }
        if (tag == ((1 << 3) | 2)) {
          name = in.readStringRequireUtf8();
        } else if (tag == ((5 << 3) | 2)) {
          int old = in.pushLimit(in.readRawVarint32());
          t = tensor(in, true);
          in.popLimit(old);
        } else {
          in.skipField(tag);
        }
      }
      return "value".equals(name) ? t : null;
    }

    String valueName(CodedInputStream in) throws IOException {
      String name = null;
      while (true) {
        int tag = in.readTag();
        if (tag == 0) {
          break;
        }
        if (tag == ((1 << 3) | 2)) {
          name = in.readStringRequireUtf8();
        } else {
          in.skipField(tag);
        }
      }
      if (name == null) {
        throw new CheckpointFormatException(file, "a graph input or output has no name");
      }
      return name;
    }

    Initializer tensor(CodedInputStream in, boolean anonymous) throws IOException {
      List<Long> dims = new ArrayList<>();
      int type = 0;
      String name = null;
      ByteString raw = null;
      List<Float> floats = new ArrayList<>();
      List<Long> longs = new ArrayList<>();
      boolean external = false;
      long[] other = new long[12]; // values in int32_data (5), string_data (6), double_data (10), uint64_data (11)
      while (true) {
        int tag = in.readTag();
        if (tag == 0) {
          break;
        }
        switch (tag) {
          case (1 << 3) -> dims.add(in.readInt64());
          case (1 << 3) | 2 -> {
            int old = in.pushLimit(in.readRawVarint32());
            while (in.getBytesUntilLimit() > 0) {
              dims.add(in.readInt64());
            }
            in.popLimit(old);
          }
          case (2 << 3) -> type = in.readInt32();
          case (4 << 3) | 5 -> floats.add(in.readFloat());
          case (4 << 3) | 2 -> {
            int old = in.pushLimit(in.readRawVarint32());
            while (in.getBytesUntilLimit() > 0) {
              floats.add(in.readFloat());
            }
            in.popLimit(old);
          }
          case (7 << 3) -> longs.add(in.readInt64());
          case (7 << 3) | 2 -> {
            int old = in.pushLimit(in.readRawVarint32());
            while (in.getBytesUntilLimit() > 0) {
              longs.add(in.readInt64());
            }
            in.popLimit(old);
          }
          case (5 << 3), (11 << 3) -> {
            in.readRawVarint64();
            other[WireFormat.getTagFieldNumber(tag)]++;
          }
          case (5 << 3) | 2, (11 << 3) | 2 -> {
            int old = in.pushLimit(in.readRawVarint32());
            while (in.getBytesUntilLimit() > 0) {
              in.readRawVarint64();
              other[WireFormat.getTagFieldNumber(tag)]++;
            }
            in.popLimit(old);
          }
          case (6 << 3) | 2 -> {
            in.skipField(tag);
            other[6]++;
          }
          case (10 << 3) | 1 -> {
            in.readDouble();
            other[10]++;
          }
          case (10 << 3) | 2 -> {
            int old = in.pushLimit(in.readRawVarint32());
            while (in.getBytesUntilLimit() > 0) {
              in.readDouble();
              other[10]++;
            }
            in.popLimit(old);
          }
          case (8 << 3) | 2 -> name = in.readStringRequireUtf8();
          case (9 << 3) | 2 -> raw = in.readBytes();
          case (14 << 3) -> external = in.readInt32() == 1;
          default -> in.skipField(tag);
        }
      }
      if (name == null && !anonymous) {
        throw new CheckpointFormatException(file, "an initializer has no name");
      }
      name = name == null ? "" : name;
      if (external) {
        throw new CheckpointFormatException(file, "initializer '" + name
            + "' keeps its data in an external file, which is not supported (save with all tensors inside)");
      }
      long[] d = new long[dims.size()];
      for (int i = 0; i < d.length; i++) {
        d[i] = dims.get(i);
        if (d[i] < 0) {
          throw new CheckpointFormatException(file, "initializer '" + name + "' has a negative dimension "
              + d[i]);
        }
      }
      float[] f = null;
      if (!floats.isEmpty()) {
        f = new float[floats.size()];
        for (int i = 0; i < f.length; i++) {
          f[i] = floats.get(i);
        }
      }
      long[] l = longs.isEmpty() ? null : longs.stream().mapToLong(Long::longValue).toArray();
      other[4] = floats.size();
      other[7] = longs.size();
      check(name, type, d, raw, other);
      return new Initializer(name, type, d, raw, f, l);
    }

    /**
     * The checks ONNX Runtime makes when it unpacks a tensor: a known data type, one place for the
     * values (raw_data or the typed field of that type, as onnx's checker requires) and exactly as
     * many values (bytes) as the dims hold.
     */
    private void check(String name, int type, long[] dims, ByteString raw, long[] counts)
        throws CheckpointFormatException {
      int bits = elementBits(type);
      if (bits == 0) {
        throw new CheckpointFormatException(file, "initializer '" + name + "' has data type " + type
            + ", which is no ONNX TensorProto.DataType this reader knows");
      }
      long n = 1;
      for (long x : dims) {
        try {
          n = Math.multiplyExact(n, x);
        } catch (ArithmeticException e) {
          throw new CheckpointFormatException(file, "initializer '" + name + "' has dims "
              + Arrays.toString(dims) + " whose product overflows");
        }
      }
      int typed = typedField(type);
      long values = 0;
      int fields = raw != null ? 1 : 0;
      for (int i = 0; i < counts.length; i++) {
        if (counts[i] > 0) {
          fields++;
          if (i != typed) {
            throw new CheckpointFormatException(file, "initializer '" + name + "' of data type " + type
                + " has values in field " + i + ", which belongs to another data type");
          }
          values = counts[i];
        }
      }
      if (fields > 1) {
        throw new CheckpointFormatException(file, "initializer '" + name
            + "' has both raw_data and typed values; ONNX allows one value field");
      }
      if (raw != null && type == 8) {
        throw new CheckpointFormatException(file, "initializer '" + name
            + "' is a STRING tensor with raw_data; ONNX keeps strings in string_data");
      }
      if (raw != null) {
        // 4-bit types pack two elements a byte; COMPLEX types count real and imaginary parts
        long bytes = bits < 8 ? (n + 1) / 2 : n > Long.MAX_VALUE / (bits / 8) ? -1 : n * (bits / 8);
        if (raw.size() != bytes) {
          throw new CheckpointFormatException(file, "initializer '" + name + "' has " + raw.size()
              + " bytes of raw data, its dims " + Arrays.toString(dims) + " and data type " + type
              + " need " + bytes);
        }
      } else {
        long need = type == 14 || type == 15 ? 2 * n : bits < 8 ? (n + 1) / 2 : n;
        if (values != need) {
          throw new CheckpointFormatException(file, "initializer '" + name + "' holds " + values
              + " values, its dims " + Arrays.toString(dims) + " and data type " + type + " need "
              + need);
        }
      }
    }
  }

  /** Bits per element of a TensorProto.DataType (STRING: 8, a placeholder), 0 if unknown. */
  static int elementBits(int type) {
    return switch (type) {
      case 2, 3, 8, 9, 17, 18, 19, 20 -> 8; // UINT8 INT8 STRING BOOL FLOAT8*
      case 4, 5, 10, 16 -> 16; // UINT16 INT16 FLOAT16 BFLOAT16
      case 1, 6, 12 -> 32; // FLOAT INT32 UINT32
      case 7, 11, 13, 14 -> 64; // INT64 DOUBLE UINT64 COMPLEX64
      case 15 -> 128; // COMPLEX128
      case 21, 22, 23 -> 4; // UINT4 INT4 FLOAT4E2M1
      default -> 0;
    };
  }

  /** The typed field that holds values of a data type without raw_data (onnx.proto's table). */
  static int typedField(int type) {
    return switch (type) {
      case 1, 14 -> 4; // float_data
      case 7 -> 7; // int64_data
      case 8 -> 6; // string_data
      case 11, 15 -> 10; // double_data
      case 12, 13 -> 11; // uint64_data
      default -> 5; // int32_data: the 8- and 16-bit types, INT32, BOOL, FLOAT16, 4-bit types
    };
  }

  /** The file read. */
  public Path file() {
    return file;
  }

  /** The nodes in graph order. */
  public List<Node> nodes() {
    return nodes;
  }

  /** The initializers by name. */
  public Map<String, Initializer> initializers() {
    return initializers;
  }

  /** The tensors of Constant nodes, by their output name. */
  public Map<String, Initializer> constants() {
    return constants;
  }

  /**
   * The single value of a scalar FLOAT constant or initializer (e.g. a LayerNorm epsilon).
   *
   * @throws CheckpointFormatException if {@code name} is no one-element FLOAT constant
   */
  public float scalar(String name) throws CheckpointFormatException {
    Initializer t = constants.containsKey(name) ? constants.get(name) : initializers.get(name);
    if (t == null || t.dataType() != FLOAT || t.elements() != 1) {
      throw new CheckpointFormatException(file, "value '" + name
          + "' is not a one-element FLOAT constant");
    }
    if (t.floats() != null) {
      return t.floats()[0];
    }
    if (t.raw() == null || t.raw().size() != 4) {
      throw new CheckpointFormatException(file, "value '" + name + "' has no float data");
    }
    return toFloats(t.raw())[0];
  }

  /** The graph's input names (initializers may be listed too in old files). */
  public List<String> inputs() {
    return inputs;
  }

  /** The graph's output names. */
  public List<String> outputs() {
    return outputs;
  }

  /**
   * A FLOAT initializer as a tensor of its dims.
   *
   * @throws CheckpointFormatException if it is missing, not FLOAT, or its data does not match its dims
   */
  public Tensor floatTensor(String name) throws CheckpointFormatException {
    Initializer t = initializers.get(name);
    if (t == null) {
      throw new CheckpointFormatException(file, "initializer '" + name + "' is missing");
    }
    if (t.dataType() != FLOAT) {
      throw new CheckpointFormatException(file, "initializer '" + name + "' has data type "
          + t.dataType() + ", expected FLOAT (1)");
    }
    int[] shape = new int[t.dims().length];
    for (int i = 0; i < shape.length; i++) {
      if (t.dims()[i] > Integer.MAX_VALUE) {
        throw new CheckpointFormatException(file, "initializer '" + name + "' has a dimension "
            + t.dims()[i] + " over 2^31 - 1");
      }
      shape[i] = (int) t.dims()[i];
    }
    long n = t.elements();
    Tensor out;
    try {
      out = Tensor.zeros(shape.length == 0 ? new int[] {1} : shape);
    } catch (IllegalArgumentException e) {
      // e.g. a zero-element shape whose other dims are too large for a tensor
      throw new CheckpointFormatException(file, "initializer '" + name + "' has dims "
          + Arrays.toString(t.dims()) + " that are not a tensor shape: " + e.getMessage(), e);
    }
    FloatBuffer dst = out.buffer();
    if (t.raw() != null) {
      if (t.raw().size() != n * 4) {
        throw new CheckpointFormatException(file, "initializer '" + name + "' has " + t.raw().size()
            + " bytes of raw data, its dims " + Arrays.toString(t.dims()) + " need " + n * 4);
      }
      dst.put(0, t.raw().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer(), 0,
          (int) n);
    } else if (t.floats() != null && t.floats().length == n) {
      dst.put(0, t.floats(), 0, (int) n);
    } else if (n != 0) {
      throw new CheckpointFormatException(file, "initializer '" + name + "' holds "
          + (t.floats() == null ? 0 : t.floats().length) + " floats, its dims "
          + Arrays.toString(t.dims()) + " need " + n);
    }
    return out;
  }

  private static float[] toFloats(ByteString raw) {
    FloatBuffer fb = raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
    float[] f = new float[fb.remaining()];
    fb.get(f);
    return f;
  }
}
