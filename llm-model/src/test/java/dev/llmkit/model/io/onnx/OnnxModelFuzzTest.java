package dev.llmkit.model.io.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.CodedOutputStream;
import dev.llmkit.model.io.Mutants;
import dev.llmkit.tensor.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded mutants of an ONNX {@code ModelProto} built in this test with protobuf's
 * {@link CodedOutputStream} (MatMul, Add, a Constant and a Reshape; FLOAT initializers in raw_data
 * and in float_data, an INT64 one in int64_data, an INT32 one in raw_data). Typed mutations have
 * their validity known by construction, with what ONNX Runtime and onnx's checker reject as the
 * reference: dims that disagree with the data (one off, negative, overflowing), unknown data types,
 * a data type of another element size, external data, raw_data beside typed values, raw_data cut or
 * extended, a float_data value too many or too few, a duplicated initializer name, a node without
 * op_type, no graph, cuts inside a field, unterminated and 11-byte varints; unknown fields are valid
 * (skipped). Fields re-tagged with another wire type and random byte mutants ({@link Mutants}) may
 * load. Whatever loads must be consistent: every initializer's bytes (or values) equal
 * product(dims) x element size; every failure is a format exception naming the file.
 */
class OnnxModelFuzzTest {

  @TempDir Path tmp;

  /** A TensorProto as written: raw, floats and longs are the value fields present (null: absent). */
  static final class T {
    String name;
    int type;
    long[] dims;
    byte[] raw;
    float[] floats;
    long[] longs;
    boolean external;
    boolean unknownField;

    T(String name, int type, long[] dims, byte[] raw, float[] floats, long[] longs) {
      this.name = name;
      this.type = type;
      this.dims = dims;
      this.raw = raw;
      this.floats = floats;
      this.longs = longs;
    }

    T copy() {
      T t = new T(name, type, dims.clone(), raw == null ? null : raw.clone(),
          floats == null ? null : floats.clone(), longs == null ? null : longs.clone());
      t.external = external;
      t.unknownField = unknownField;
      return t;
    }
  }

  /** The whole model as written. */
  static final class M {
    List<T> inits = new ArrayList<>();
    boolean graph = true;
    boolean opTypeMissing;
    boolean unknownFields;

    M copy() {
      M m = new M();
      inits.forEach(t -> m.inits.add(t.copy()));
      m.graph = graph;
      m.opTypeMissing = opTypeMissing;
      m.unknownFields = unknownFields;
      return m;
    }
  }

  static M base() {
    M m = new M();
    m.inits.add(new T("w", 1, new long[] {2, 3}, le(1, 2, 3, 4, 5, 6), null, null));
    m.inits.add(new T("b", 1, new long[] {3}, null, new float[] {0.5f, -1, 2}, null));
    m.inits.add(new T("shape", 7, new long[] {2}, null, null, new long[] {1, 6}));
    m.inits.add(new T("ids", 6, new long[] {2}, new byte[] {1, 0, 0, 0, 2, 0, 0, 0}, null, null));
    return m;
  }

  @Test
  @Timeout(60)
  void aZeroElementTensorWithHugeDimsIsAFormatErrorNamingTheFile() throws Exception {
    M m = base();
    // no data and no elements (a 0 dim), but 2^30 x 2^30 is more than a tensor holds
    m.inits.add(new T("empty", 1, new long[] {1L << 30, 1L << 30, 0}, new byte[0], null, null));
    Path f = Files.write(tmp.resolve("empty.onnx"), encode(m));
    OnnxModel o = OnnxModel.read(f);
    assertThatThrownBy(() -> o.floatTensor("empty"))
        .isInstanceOf(dev.llmkit.model.io.CheckpointFormatException.class)
        .hasMessageContaining("empty.onnx").hasMessageContaining("'empty'");
  }

  @Test
  @Timeout(60)
  void baseModelLoadsWithExactlyItsInitializers() throws Exception {
    M m = base();
    Path f = Files.write(tmp.resolve("base.onnx"), encode(m));
    OnnxModel o = OnnxModel.read(f);
    assertThat(o.initializers().keySet()).containsExactly("w", "b", "shape", "ids");
    assertThat(o.floatTensor("w").toArray()).containsExactly(1, 2, 3, 4, 5, 6);
    assertThat(o.floatTensor("w").shape()).containsExactly(2, 3);
    assertThat(o.floatTensor("b").toArray()).containsExactly(0.5f, -1, 2);
    assertThat(o.initializers().get("shape").longs()).containsExactly(1, 6);
    assertThat(o.initializers().get("ids").raw().toByteArray())
        .containsExactly(1, 0, 0, 0, 2, 0, 0, 0);
    assertThat(o.initializers().get("ids").dims()).containsExactly(2);
    assertThat(o.scalar("eps")).isEqualTo(1e-5f);
    assertThat(o.nodes()).extracting(OnnxModel.Node::opType)
        .containsExactly("MatMul", "Add", "Constant", "Reshape");
    assertThat(o.nodes().get(1).inputs()).containsExactly("y", "b");
    assertThat(o.inputs()).containsExactly("x");
    assertThat(o.outputs()).containsExactly("out");
  }

  @Test
  @Timeout(60)
  void mutantsLoadConsistentlyOrFailNamingTheFile() throws Exception {
    M base = base();
    byte[] baseBytes = encode(base);
    SplittableRandom r = new SplittableRandom(19);
    Mutants.Tally tally = new Mutants.Tally("onnx");
    for (int i = 0; i < Mutants.count(3000); i++) {
      M m = base.copy();
      Boolean valid = mutate(m, r);
      byte[] bytes = encode(m);
      switch (r.nextInt(16)) {
        case 0 -> { // cut inside a top-level field (a cut between fields leaves a valid message)
          List<Integer> ends = fieldEnds(bytes);
          int cut;
          do {
            cut = 1 + r.nextInt(bytes.length - 1);
          } while (ends.contains(cut));
          bytes = Arrays.copyOf(bytes, cut);
          valid = false;
        }
        case 1 -> { // a key whose varint never ends
          bytes = concat(bytes, r.nextBoolean() ? new byte[] {(byte) 0x80}
              : new byte[] {(byte) 0x8a, (byte) 0x80, (byte) 0x80});
          valid = false;
        }
        case 2 -> { // a varint of 11 bytes
          byte[] v = new byte[11];
          Arrays.fill(v, (byte) 0xff);
          v[10] = 1;
          bytes = concat(bytes, v);
          valid = false;
        }
        case 3, 4 -> { // byte flips, nudged lengths, edge values, insertions, deletions
          bytes = Mutants.mutate(baseBytes, baseBytes.length, r);
          valid = null;
        }
        case 5 -> { // a length field corrupted: any length-delimited key's following varint
          bytes = corruptLength(bytes, r);
          valid = null;
        }
        default -> { }
      }
      Path f = Files.write(tmp.resolve("m" + (i % 16) + ".onnx"), bytes);
      Boolean expected = valid;
      Throwable failure;
      try {
        OnnxModel o = OnnxModel.read(f);
        consistent(o);
        if (Boolean.TRUE.equals(expected)) {
          assertThat(o.initializers().keySet()).as(f.getFileName().toString())
              .containsExactlyElementsOf(m.inits.stream().map(t -> t.name).toList());
        }
        failure = null;
      } catch (Exception | StackOverflowError | AssertionError e) {
        failure = e;
      }
      if (expected == null) {
        tally.recordUnknown(f, failure);
      } else {
        tally.record(f, expected, failure);
      }
    }
    System.out.println("onnx fuzz: " + tally);
    tally.check();
  }

  /** Mutates the model; returns whether it stays valid (null: not known by construction). */
  private static Boolean mutate(M m, SplittableRandom r) {
    T t = m.inits.get(r.nextInt(m.inits.size()));
    long n = elements(t.dims);
    switch (r.nextInt(20)) {
      case 0 -> { // one dimension off by one: the data no longer matches
        int at = r.nextInt(t.dims.length);
        t.dims[at] += t.dims[at] == 0 || r.nextBoolean() ? 1 : -1;
        return false;
      }
      case 1 -> {
        t.dims[r.nextInt(t.dims.length)] = -1 - r.nextInt(3);
        return false;
      }
      case 2 -> { // huge dims: the product overflows or needs far more data
        t.dims = new long[] {1L << 40, 1L << 40, r.nextBoolean() ? 1 : 1L << 30};
        return false;
      }
      case 3 -> { // one more dimension of 1: same elements, still valid
        t.dims = concat(t.dims, 1);
        return true;
      }
      case 4 -> {
        t.type = new int[] {0, 24, 99, -1, 1 << 20}[r.nextInt(5)];
        return false;
      }
      case 5 -> { // another known data type: valid only if the data still fits it
        t.type = 1 + r.nextInt(23);
        return fits(t);
      }
      case 6 -> {
        t.external = true;
        return false;
      }
      case 7 -> { // raw_data beside typed values
        if (t.raw == null) {
          t.raw = new byte[(int) n * 4];
        } else {
          t.floats = new float[(int) n];
        }
        return false;
      }
      case 8 -> {
        if (t.raw != null) {
          t.raw = Arrays.copyOf(t.raw, t.raw.length + new int[] {-1, -4, 1, 4}[r.nextInt(4)]);
        } else if (t.floats != null) {
          t.floats = Arrays.copyOf(t.floats, t.floats.length + (r.nextBoolean() ? 1 : -1));
        } else {
          t.longs = Arrays.copyOf(t.longs, t.longs.length + (r.nextBoolean() ? 1 : -1));
        }
        return false;
      }
      case 9 -> { // a duplicated initializer name
        T other = m.inits.get(r.nextInt(m.inits.size()));
        if (other == t) {
          return true;
        }
        t.name = other.name;
        return false;
      }
      case 10 -> {
        m.opTypeMissing = true;
        return false;
      }
      case 11 -> {
        m.graph = false;
        return false;
      }
      case 12 -> { // unknown fields in the model, graph, node and tensor: skipped
        m.unknownFields = true;
        t.unknownField = true;
        return true;
      }
      case 13 -> { // an empty tensor: dims with a 0 and no data
        t.dims = new long[] {0, 3};
        t.raw = t.raw == null ? null : new byte[0];
        t.floats = t.floats == null ? null : new float[0];
        t.longs = t.longs == null ? null : new long[0];
        // an empty typed field is absent on the wire; an empty raw_data is present
        return true;
      }
      default -> {
        return true;
      }
    }
  }

  /** Whether a tensor's values fit its (changed) data type, from onnx.proto's table. */
  private static boolean fits(T t) {
    long n = elements(t.dims);
    if (t.raw != null) {
      return t.type != 8 && t.raw.length == bytes(t.type, n);
    }
    if (t.floats != null) {
      return (t.type == 1 && t.floats.length == n) || (t.type == 14 && t.floats.length == 2 * n);
    }
    return t.type == 7 && t.longs.length == n;
  }

  /** Bytes of n elements of a data type (4-bit types packed two a byte), -1 for STRING. */
  static long bytes(int type, long n) {
    return switch (type) {
      case 1, 6, 12 -> 4 * n;
      case 2, 3, 9, 17, 18, 19, 20 -> n;
      case 4, 5, 10, 16 -> 2 * n;
      case 7, 11, 13, 14 -> 8 * n;
      case 15 -> 16 * n;
      case 21, 22, 23 -> (n + 1) / 2;
      default -> -1;
    };
  }

  private static long elements(long[] dims) {
    long n = 1;
    for (long d : dims) {
      n *= d;
    }
    return n;
  }

  /** What loaded must be consistent: each initializer's data is what its dims and type need. */
  private static void consistent(OnnxModel o) throws IOException {
    for (OnnxModel.Initializer t : o.initializers().values()) {
      for (long d : t.dims()) {
        assertThat(d).as("dim of " + t.name()).isNotNegative();
      }
      long n = elements(t.dims());
      if (t.raw() != null) {
        assertThat((long) t.raw().size()).as("raw bytes of " + t.name() + " " + t.dataType())
            .isEqualTo(bytes(t.dataType(), n));
        assertThat(t.floats()).as(t.name()).isNull();
        assertThat(t.longs()).as(t.name()).isNull();
      } else if (t.dataType() == OnnxModel.FLOAT) {
        assertThat(t.floats() == null ? 0 : t.floats().length).as(t.name()).isEqualTo(n);
      } else if (t.dataType() == OnnxModel.INT64) {
        assertThat(t.longs() == null ? 0 : t.longs().length).as(t.name()).isEqualTo(n);
      } else {
        assertThat(bytes(t.dataType(), n)).as("data type of " + t.name()).isNotNegative();
      }
      if (t.dataType() == OnnxModel.FLOAT) {
        Tensor x = o.floatTensor(t.name());
        assertThat((long) x.length()).as("elements of " + t.name())
            .isEqualTo(t.dims().length == 0 ? 1 : n);
      }
    }
  }

  /** Where each top-level field of a (trusted, as encoded here) message ends. */
  private static List<Integer> fieldEnds(byte[] b) throws IOException {
    com.google.protobuf.CodedInputStream in = com.google.protobuf.CodedInputStream.newInstance(b);
    List<Integer> ends = new ArrayList<>();
    while (in.readTag() != 0) {
      in.skipField(in.getLastTag());
      ends.add(in.getTotalBytesRead());
    }
    return ends;
  }

  /** Changes the length varint after a random length-delimited key (0x0a..0x7a, 0x42, 0x4a). */
  private static byte[] corruptLength(byte[] b, SplittableRandom r) {
    List<Integer> keys = new ArrayList<>();
    for (int i = 0; i + 1 < b.length; i++) {
      if ((b[i] & 7) == 2 && (b[i] & 0x80) == 0) {
        keys.add(i);
      }
    }
    byte[] out = b.clone();
    int at = keys.get(r.nextInt(keys.size())) + 1;
    out[at] = (byte) (r.nextBoolean() ? (out[at] + (r.nextBoolean() ? 1 : -1)) & 0x7f
        : new int[] {0, 0x7f, 0xff, 0x80}[r.nextInt(4)]);
    return out;
  }

  // ---- the encoder: onnx.proto field numbers, written with protobuf's CodedOutputStream ----

  static byte[] encode(M m) throws IOException {
    return message(o -> {
      o.writeInt64(1, 8); // ir_version
      o.writeString(2, "llmkit-test"); // producer_name
      if (m.unknownFields) {
        o.writeFixed64(99, 7);
      }
      if (m.graph) {
        o.writeByteArray(7, graph(m));
      }
      o.writeByteArray(8, message(s -> { // opset_import
        s.writeString(1, "");
        s.writeInt64(2, 17);
      }));
    });
  }

  private static byte[] graph(M m) throws IOException {
    return message(o -> {
      o.writeByteArray(1, node("mm", m.opTypeMissing ? null : "MatMul", List.of("x", "w"),
          List.of("y"), attribute("transB", 2, 0)));
      o.writeByteArray(1, node("add", "Add", List.of("y", "b"), List.of("z"),
          attribute("axis", 2, 1)));
      o.writeByteArray(1, node("c", "Constant", List.of(), List.of("eps"), message(a -> {
        a.writeString(1, "value");
        a.writeInt32(20, 4); // AttributeType TENSOR
        a.writeByteArray(5, tensor(new T("", 1, new long[0], le(1e-5f), null, null)));
      })));
      o.writeByteArray(1, node("r", "Reshape", List.of("z", "shape"), List.of("out"),
          message(a -> {
            a.writeString(1, "allowzero");
            a.writeInt32(20, 2);
            a.writeFloat(2, 0.25f); // f beside i: skipped
            a.writeInt64(3, 0);
          })));
      o.writeString(2, "g");
      for (T t : m.inits) {
        o.writeByteArray(5, tensor(t));
      }
      if (m.unknownFields) {
        o.writeString(77, "extra");
      }
      o.writeByteArray(11, message(v -> v.writeString(1, "x")));
      o.writeByteArray(12, message(v -> v.writeString(1, "out")));
    });
  }

  private static byte[] node(String name, String op, List<String> in, List<String> out,
      byte[] attribute) throws IOException {
    return message(o -> {
      for (String s : in) {
        o.writeString(1, s);
      }
      for (String s : out) {
        o.writeString(2, s);
      }
      o.writeString(3, name);
      if (op != null) {
        o.writeString(4, op);
      }
      o.writeByteArray(5, attribute);
    });
  }

  private static byte[] attribute(String name, int type, long i) throws IOException {
    return message(a -> {
      a.writeString(1, name);
      a.writeInt32(20, type); // AttributeType INT
      a.writeInt64(3, i);
    });
  }

  static byte[] tensor(T t) throws IOException {
    return message(o -> {
      if (t.dims.length > 0) { // packed, as onnx writes repeated int64
        o.writeByteArray(1, message(p -> {
          for (long d : t.dims) {
            p.writeInt64NoTag(d);
          }
        }));
      }
      o.writeInt32(2, t.type);
      if (t.floats != null && t.floats.length > 0) {
        o.writeByteArray(4, message(p -> {
          for (float v : t.floats) {
            p.writeFloatNoTag(v);
          }
        }));
      }
      if (t.longs != null && t.longs.length > 0) {
        o.writeByteArray(7, message(p -> {
          for (long v : t.longs) {
            p.writeInt64NoTag(v);
          }
        }));
      }
      o.writeString(8, t.name);
      if (t.raw != null) {
        o.writeByteArray(9, t.raw);
      }
      if (t.external) {
        o.writeByteArray(13, message(e -> { // external_data: location
          e.writeString(1, "location");
          e.writeString(2, "weights.bin");
        }));
        o.writeInt32(14, 1);
      }
      if (t.unknownField) {
        o.writeFixed32(50, 3);
      }
    });
  }

  interface Body {
    void write(CodedOutputStream o) throws IOException;
  }

  private static byte[] message(Body body) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    CodedOutputStream o = CodedOutputStream.newInstance(bytes);
    body.write(o);
    o.flush();
    return bytes.toByteArray();
  }

  private static byte[] le(float... v) {
    ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
    for (float x : v) {
      b.putFloat(x);
    }
    return b.array();
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] c = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, c, a.length, b.length);
    return c;
  }

  private static long[] concat(long[] a, long v) {
    long[] c = Arrays.copyOf(a, a.length + 1);
    c[a.length] = v;
    return c;
  }
}
