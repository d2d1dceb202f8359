package dev.llmkit.model.io.gguf;

import dev.llmkit.model.io.Mutants;
import dev.llmkit.tensor.Tensor;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded mutants of a GGUF file against an independent parser of the format written from the
 * specification and llama.cpp's gguf.cpp rules (known value and tensor types, no duplicate keys or
 * tensors, offsets equal to the running sum of padded tensor sizes, file length what the header
 * implies): every invalid mutant is rejected naming the file, every valid one loads.
 */
class GgufFuzzTest {

  /** ggml type id: {elements per block, bytes per block}. */
  private static final Map<Integer, int[]> TYPES = Map.ofEntries(
      Map.entry(0, new int[] {1, 4}), Map.entry(1, new int[] {1, 2}), Map.entry(2, new int[] {32, 18}),
      Map.entry(3, new int[] {32, 20}), Map.entry(6, new int[] {32, 22}), Map.entry(7, new int[] {32, 24}),
      Map.entry(8, new int[] {32, 34}), Map.entry(9, new int[] {32, 36}), Map.entry(10, new int[] {256, 84}),
      Map.entry(11, new int[] {256, 110}), Map.entry(12, new int[] {256, 144}),
      Map.entry(13, new int[] {256, 176}), Map.entry(14, new int[] {256, 210}),
      Map.entry(15, new int[] {256, 292}), Map.entry(16, new int[] {256, 66}),
      Map.entry(17, new int[] {256, 74}), Map.entry(18, new int[] {256, 98}),
      Map.entry(19, new int[] {256, 50}), Map.entry(20, new int[] {32, 18}),
      Map.entry(21, new int[] {256, 110}), Map.entry(22, new int[] {256, 82}),
      Map.entry(23, new int[] {256, 136}), Map.entry(24, new int[] {1, 1}), Map.entry(25, new int[] {1, 2}),
      Map.entry(26, new int[] {1, 4}), Map.entry(27, new int[] {1, 8}), Map.entry(28, new int[] {1, 8}),
      Map.entry(29, new int[] {256, 56}), Map.entry(30, new int[] {1, 2}));

  @TempDir Path tmp;

  @Test
  @Timeout(60)
  void mutantsAreRejectedExactlyWhenStructurallyInvalid() throws Exception {
    byte[] base = new GgufTestWriter()
        .string("general.architecture", "llama")
        .uint32("llama.block_count", 2)
        .float32("f", 0.5f)
        .array("tokenizer.ggml.scores", 6, 2, new byte[8])
        .tensor("a", Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3), GgmlType.F32)
        .tensor("b", Tensor.of(new float[] {1, 2, 3, 4}, 4), GgmlType.F16)
        .tensor("q", Tensor.zeros(32), GgmlType.Q8_0)
        .bytes();
    int header = (int) dataStart(base);
    Mutants.run("gguf", base, header, 3000, tmp, ".gguf", GgufFuzzTest::valid, f -> {
      try (GgufFile g = GgufFile.open(f)) {
        for (GgufFile.TensorInfo t : g.tensors().values()) {
          if (t.type().readable() && t.elements() > 0) {
            g.read(t.name(), Tensor.zeros(Math.toIntExact(t.elements())));
          }
        }
      }
    }).check();
  }

  static long dataStart(byte[] b) {
    return new Parser(b).parse();
  }

  static boolean valid(byte[] b) {
    try {
      return new Parser(b).parse() >= 0;
    } catch (BufferUnderflowException | IllegalArgumentException | ArithmeticException e) {
      return false;
    }
  }

  /** An independent GGUF parser: returns the data start, or -1 (or throws) when invalid. */
  private static final class Parser {
    final ByteBuffer b;

    Parser(byte[] bytes) {
      b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    String str() {
      long len = b.getLong();
      if (len < 0 || len > b.remaining()) {
        throw new IllegalArgumentException();
      }
      byte[] s = new byte[(int) len];
      b.get(s);
      return new String(s, java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Skips a value; returns it when it is an integer, else null. */
    Long value(int type, int depth) {
      switch (type) {
        case 0, 1 -> {
          return (long) b.get();
        }
        case 7 -> {
          byte v = b.get();
          if (v != 0 && v != 1) {
            throw new IllegalArgumentException();
          }
          return null;
        }
        case 2, 3 -> {
          return (long) b.getShort();
        }
        case 4 -> {
          return b.getInt() & 0xffffffffL;
        }
        case 5 -> {
          return (long) b.getInt();
        }
        case 6 -> {
          b.getInt();
          return null;
        }
        case 10, 11 -> {
          return b.getLong();
        }
        case 12 -> {
          b.getLong();
          return null;
        }
        case 8 -> {
          str();
          return null;
        }
        case 9 -> {
          int et = b.getInt();
          long n = b.getLong();
          if (et < 0 || et > 12 || n < 0 || n > b.remaining() || depth > 2) {
            throw new IllegalArgumentException();
          }
          for (long i = 0; i < n; i++) {
            value(et, depth + 1);
          }
          return null;
        }
        default -> throw new IllegalArgumentException();
      }
    }

    long parse() {
      if (b.getInt() != 0x46554747) {
        return -1;
      }
      int version = b.getInt();
      if (version != 2 && version != 3) {
        return -1;
      }
      long nTensors = b.getLong();
      long nKv = b.getLong();
      if (nTensors < 0 || nKv < 0 || nTensors > b.capacity() || nKv > b.capacity()) {
        return -1;
      }
      Map<String, ByteBuffer> keys = new java.util.HashMap<>();
      long alignment = 32;
      for (long i = 0; i < nKv; i++) {
        String key = str();
        int from = b.position();
        int type = b.getInt();
        Long v = value(type, 0);
        ByteBuffer raw = ByteBuffer.wrap(java.util.Arrays.copyOfRange(b.array(), from, b.position()));
        ByteBuffer before = keys.put(key, raw);
        if (before != null && !before.equals(raw)) { // a key repeated with another type or value
          return -1;
        }
        if (key.equals("general.alignment")) {
          if (v == null || v <= 0 || Long.bitCount(v) != 1) {
            return -1;
          }
          alignment = v;
        }
      }
      Set<String> names = new HashSet<>();
      long expected = 0;
      long unpadded = 0;
      for (long i = 0; i < nTensors; i++) {
        if (!names.add(str())) {
          return -1;
        }
        int nDims = b.getInt();
        if (nDims < 1 || nDims > 4) {
          return -1;
        }
        long[] dims = new long[nDims];
        long elements = 1;
        for (int d = 0; d < nDims; d++) {
          dims[d] = b.getLong();
          if (dims[d] < 0) {
            return -1;
          }
          elements = Math.multiplyExact(elements, dims[d]);
        }
        int[] type = TYPES.get(b.getInt());
        if (type == null || dims[0] % type[0] != 0) {
          return -1;
        }
        long bytes = Math.multiplyExact(elements / type[0], (long) type[1]);
        if (b.getLong() != expected) {
          return -1;
        }
        unpadded = Math.addExact(expected, bytes);
        expected = Math.addExact(unpadded, alignment - 1) / alignment * alignment;
      }
      long pos = b.position();
      long dataStart = (pos + alignment - 1) / alignment * alignment;
      long size = b.capacity();
      boolean ok = nTensors == 0 ? size == pos || size == dataStart
          : size == dataStart + unpadded || size == dataStart + expected;
      return ok ? dataStart : -1;
    }
  }
}
