package dev.llmkit.model.io.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmkit.model.io.CheckpointFormatException;
import dev.llmkit.model.io.Fixtures;
import dev.llmkit.tensor.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsTest {

  @TempDir Path tmp;

  /** A safetensors file assembled byte by byte, independently of {@link SafetensorsWriter}. */
  private static byte[] rawFile(String header, byte[] data) {
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(h.length).put(h).put(data);
    return b.array();
  }

  private static byte[] floatsLe(float... v) {
    ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
    for (float x : v) {
      b.putFloat(x);
    }
    return b.array();
  }

  private Path write(String name, byte[] bytes) throws IOException {
    Path p = tmp.resolve(name);
    Files.write(p, bytes);
    return p;
  }

  @Test
  void readsHandMadeF32F16Bf16() throws IOException {
    ByteBuffer data = ByteBuffer.allocate(24 + 4 + 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : new float[] {1f, -2f, 0.5f, 3.25f, -0f, 1e-3f}) {
      data.putFloat(v);
    }
    data.putShort((short) 0x3C00).putShort((short) 0xC500); // F16 1.0, -5.0
    data.putShort((short) 0x3F80).putShort((short) 0xC049); // BF16 1.0, -3.140625
    String header = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]},"
        + "\"h\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[24,28]},"
        + "\"b\":{\"dtype\":\"BF16\",\"shape\":[1,2],\"data_offsets\":[28,32]},"
        + "\"__metadata__\":{\"format\":\"pt\"}}";
    Path p = write("x.safetensors", rawFile(header, data.array()));
    try (SafetensorsFile f = SafetensorsFile.open(p)) {
      assertThat(f.names()).containsExactly("a", "h", "b");
      assertThat(f.metadata()).containsEntry("format", "pt");
      assertThat(f.shape("a")).containsExactly(2, 3);
      Tensor a = Tensor.zeros(2, 3);
      f.read("a", a);
      assertThat(a.toArray()).containsExactly(1f, -2f, 0.5f, 3.25f, -0f, 1e-3f);
      Tensor h = Tensor.zeros(2);
      f.read("h", h);
      assertThat(h.toArray()).containsExactly(1f, -5f);
      Tensor b = Tensor.zeros(2);
      f.read("b", b);
      assertThat(b.toArray()).containsExactly(1f, -3.140625f);
      assertThatThrownBy(() -> f.read("a", Tensor.zeros(5)))
          .isInstanceOf(CheckpointFormatException.class).hasMessageContaining("'a'");
      assertThatThrownBy(() -> f.read("nope", Tensor.zeros(1)))
          .isInstanceOf(CheckpointFormatException.class)
          .hasMessageContaining("x.safetensors").hasMessageContaining("'nope' is missing");
    }
  }

  /** Every 16-bit pattern, large enough that the conversion is split over the thread pool. */
  @Test
  void everyF16AndBf16BitPatternConverts() throws IOException {
    ByteBuffer data = ByteBuffer.allocate(4 * 65536).order(ByteOrder.LITTLE_ENDIAN);
    for (int pass = 0; pass < 2; pass++) {
      for (int h = 0; h < 65536; h++) {
        data.putShort((short) h);
      }
    }
    String header = "{\"h\":{\"dtype\":\"F16\",\"shape\":[256,256],\"data_offsets\":[0,131072]},"
        + "\"b\":{\"dtype\":\"BF16\",\"shape\":[65536],\"data_offsets\":[131072,262144]}}";
    Path p = write("all.safetensors", rawFile(header, data.array()));
    try (SafetensorsFile f = SafetensorsFile.open(p)) {
      Tensor h = Tensor.zeros(256, 256);
      Tensor b = Tensor.zeros(65536);
      f.read("h", h);
      f.read("b", b);
      for (int i = 0; i < 65536; i++) {
        float half = h.getFlat(i);
        float expected = dev.llmkit.model.io.Float16.halfToFloat((short) i);
        if (Float.isNaN(expected)) {
          assertThat(half).isNaN();
        } else {
          assertThat(half).as("half 0x%04x", i).isEqualTo(expected);
        }
        float bf = b.getFlat(i);
        float expectedBf = Float.intBitsToFloat(i << 16);
        if (Float.isNaN(expectedBf)) {
          assertThat(bf).isNaN();
        } else {
          assertThat(bf).as("bf16 0x%04x", i).isEqualTo(expectedBf);
        }
      }
    }
  }

  @Test
  void writerProducesTheDocumentedByteLayout() throws IOException {
    Map<String, Tensor> m = new LinkedHashMap<>();
    m.put("w", Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3));
    m.put("b", Tensor.vector(-1.5f));
    Path p = tmp.resolve("out.safetensors");
    SafetensorsWriter.write(p, m, Map.of("format", "pt"));
    ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(p)).order(ByteOrder.LITTLE_ENDIAN);
    long n = b.getLong(0);
    assertThat(n % 8).isZero();
    assertThat(b.capacity()).isEqualTo(8 + n + 28);
    String header = new String(b.array(), 8, (int) n, StandardCharsets.UTF_8);
    assertThat(header).contains("\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]}")
        .contains("\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[24,28]}")
        .contains("\"__metadata__\":{\"format\":\"pt\"}");
    int d = (int) (8 + n);
    assertThat(b.getFloat(d)).isEqualTo(1f);
    assertThat(b.getFloat(d + 20)).isEqualTo(6f);
    assertThat(b.getFloat(d + 24)).isEqualTo(-1.5f);
    try (Stream<Path> s = Files.list(tmp)) {
      assertThat(s.map(x -> x.getFileName().toString())).containsExactly("out.safetensors");
    }
  }

  @Test
  void writeThenReadRoundTripsExactly() throws IOException {
    Map<String, Tensor> m = new LinkedHashMap<>();
    m.put("big", Tensor.randn(1, 1f, 300, 700));
    m.put("vec", Tensor.randn(2, 1f, 11));
    m.put("scalarish", Tensor.vector(Float.MIN_VALUE));
    Path p = tmp.resolve("m.safetensors");
    SafetensorsWriter.write(p, m, null);
    try (SafetensorsFile f = SafetensorsFile.open(p)) {
      for (Map.Entry<String, Tensor> e : m.entrySet()) {
        Tensor t = Tensor.zeros(e.getValue().shape());
        f.read(e.getKey(), t);
        assertThat(t.toArray()).isEqualTo(e.getValue().toArray());
      }
    }
  }

  @Test
  void atomicWriteKeepsTheOldFileWhenWritingFails() throws IOException {
    Path p = tmp.resolve("m.safetensors");
    SafetensorsWriter.write(p, Map.of("a", Tensor.vector(1f)), null);
    byte[] before = Files.readAllBytes(p);
    Map<String, Tensor> bad = new LinkedHashMap<>();
    bad.put("__metadata__", Tensor.vector(2f));
    assertThatThrownBy(() -> SafetensorsWriter.write(p, bad, null))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(Files.readAllBytes(p)).isEqualTo(before);
    try (Stream<Path> s = Files.list(tmp)) {
      assertThat(s.count()).isEqualTo(1);
    }
  }

  @Test
  void shardedWriteAndReadBack() throws IOException {
    Map<String, Tensor> m = new LinkedHashMap<>();
    for (int i = 0; i < 5; i++) {
      m.put("t" + i, Tensor.randn(10 + i, 1f, 16, 16));
    }
    List<Path> files = SafetensorsWriter.writeSharded(tmp, m, null, 2 * 16 * 16 * 4);
    assertThat(files).extracting(f -> f.getFileName().toString()).containsExactly(
        "model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors",
        "model-00003-of-00003.safetensors", "model.safetensors.index.json");
    try (ShardedSafetensors s = ShardedSafetensors.open(tmp.resolve("model.safetensors.index.json"))) {
      assertThat(s.names()).containsExactlyElementsOf(m.keySet());
      assertThat(s.file("t4").getFileName().toString()).isEqualTo("model-00003-of-00003.safetensors");
      for (Map.Entry<String, Tensor> e : m.entrySet()) {
        Tensor t = Tensor.zeros(16, 16);
        s.read(e.getKey(), t);
        assertThat(t.toArray()).isEqualTo(e.getValue().toArray());
      }
    }
    // writing again small enough for one file replaces the shards' index
    SafetensorsWriter.writeSharded(tmp, Map.of("x", Tensor.vector(1f)), null, 1 << 20);
    assertThat(tmp.resolve("model.safetensors")).exists();
    assertThat(tmp.resolve("model.safetensors.index.json")).doesNotExist();
  }

  @Test
  void shardedIndexErrorsNameTheTensorAndShard() throws IOException {
    Path dir = Files.createDirectory(tmp.resolve("s"));
    SafetensorsWriter.write(dir.resolve("a.safetensors"), Map.of("x", Tensor.vector(1f)), null);
    Path index = dir.resolve("model.safetensors.index.json");
    Files.writeString(index, "{\"weight_map\":{\"x\":\"a.safetensors\",\"y\":\"a.safetensors\"}}");
    assertThatThrownBy(() -> ShardedSafetensors.open(index))
        .isInstanceOf(CheckpointFormatException.class)
        .hasMessageContaining("a.safetensors").hasMessageContaining("'y'");
    Files.writeString(index, "{\"weight_map\":{\"x\":\"missing.safetensors\"}}");
    assertThatThrownBy(() -> ShardedSafetensors.open(index))
        .hasMessageContaining("missing.safetensors").hasMessageContaining("'x'");
    Files.writeString(index, "{\"weight_map\":{\"x\":\"../a.safetensors\"}}");
    assertThatThrownBy(() -> ShardedSafetensors.open(index)).hasMessageContaining("invalid shard");
    Files.writeString(index, "{\"metadata\":{}}");
    assertThatThrownBy(() -> ShardedSafetensors.open(index)).hasMessageContaining("weight_map");
  }

  @Test
  void corruptFilesAreRejectedNamingFileAndTensor() throws IOException {
    byte[] data = floatsLe(1, 2, 3, 4);
    String ok = "{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}";
    // sanity: the well-formed variant opens
    try (SafetensorsFile f = SafetensorsFile.open(write("ok.safetensors", rawFile(ok, data)))) {
      assertThat(f.names()).containsExactly("w");
    }
    // fewer than 8 bytes
    Path tiny = write("tiny.safetensors", new byte[] {1, 2, 3});
    assertThatThrownBy(() -> SafetensorsFile.open(tiny))
        .isInstanceOf(CheckpointFormatException.class).hasMessageContaining("tiny.safetensors");
    // header length past the end of the file
    byte[] huge = rawFile(ok, data);
    ByteBuffer.wrap(huge).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 1L << 40);
    Path hl = write("hl.safetensors", huge);
    assertThatThrownBy(() -> SafetensorsFile.open(hl))
        .isInstanceOf(CheckpointFormatException.class)
        .hasMessageContaining("hl.safetensors").hasMessageContaining("header length");
    // truncated data: offsets out of range
    byte[] full = rawFile(ok, data);
    Path trunc = write("trunc.safetensors", java.util.Arrays.copyOf(full, full.length - 4));
    assertThatThrownBy(() -> SafetensorsFile.open(trunc))
        .isInstanceOf(CheckpointFormatException.class)
        .hasMessageContaining("trunc.safetensors").hasMessageContaining("'w'")
        .hasMessageContaining("out of range");
    // unknown dtype
    Path dt = write("dt.safetensors",
        rawFile(ok.replace("F32", "Q4_K"), data));
    assertThatThrownBy(() -> SafetensorsFile.open(dt))
        .isInstanceOf(CheckpointFormatException.class)
        .hasMessageContaining("dt.safetensors").hasMessageContaining("'w'")
        .hasMessageContaining("unknown dtype 'Q4_K'");
    // shape inconsistent with offsets
    Path sh = write("sh.safetensors", rawFile(ok.replace("[4]", "[5]"), data));
    assertThatThrownBy(() -> SafetensorsFile.open(sh))
        .hasMessageContaining("'w'").hasMessageContaining("needs 20 bytes");
    // overlapping tensors
    String overlap = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
        + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}";
    Path ov = write("ov.safetensors", rawFile(overlap, data));
    assertThatThrownBy(() -> SafetensorsFile.open(ov)).hasMessageContaining("overlaps");
    // the same tensor twice
    String dup = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
        + "\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}";
    Path du = write("dup.safetensors", rawFile(dup, data));
    assertThatThrownBy(() -> SafetensorsFile.open(du))
        .isInstanceOf(CheckpointFormatException.class).hasMessageContaining("dup.safetensors")
        .hasMessageContaining("'w'");
    // not JSON
    Path nj = write("nj.safetensors", rawFile("{not json", data));
    assertThatThrownBy(() -> SafetensorsFile.open(nj))
        .isInstanceOf(CheckpointFormatException.class).hasMessageContaining("not valid JSON");
    // a dtype that exists but is not a float type opens, and reading it says so
    String i64 = "{\"w\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[0,16]}}";
    try (SafetensorsFile f = SafetensorsFile.open(write("i64.safetensors", rawFile(i64, data)))) {
      assertThatThrownBy(() -> f.read("w", Tensor.zeros(2)))
          .hasMessageContaining("'w'").hasMessageContaining("I64");
    }
  }

  @Test
  void f16AndBf16FixturesMatchTheF32OneWithinTheirPrecision() throws IOException {
    try (SafetensorsFile f32 = SafetensorsFile.open(
            Fixtures.fixture("llama-gqa-tiny").resolve("model.safetensors"));
        SafetensorsFile f16 = SafetensorsFile.open(
            Fixtures.fixture("llama-gqa-tiny-f16").resolve("model.safetensors"));
        SafetensorsFile bf16 = SafetensorsFile.open(
            Fixtures.fixture("llama-gqa-tiny-bf16").resolve("model.safetensors"))) {
      assertThat(f16.names()).isEqualTo(f32.names());
      assertThat(bf16.names()).isEqualTo(f32.names());
      int compared = 0;
      for (String name : f32.names()) {
        assertThat(f16.entry(name).dtype()).isEqualTo("F16");
        assertThat(bf16.entry(name).dtype()).isEqualTo("BF16");
        int n = (int) f32.entry(name).elements();
        Tensor a = Tensor.zeros(n);
        Tensor h = Tensor.zeros(n);
        Tensor b = Tensor.zeros(n);
        f32.read(name, a);
        f16.read(name, h);
        bf16.read(name, b);
        for (int i = 0; i < n; i++) {
          float x = a.getFlat(i);
          // round-to-nearest: half relative error <= 2^-11, bfloat16 <= 2^-8 (normal range)
          assertThat((double) Math.abs(h.getFlat(i) - x)).isLessThanOrEqualTo(0x1p-11 * Math.abs(x) + 1e-7);
          assertThat((double) Math.abs(b.getFlat(i) - x)).isLessThanOrEqualTo(0x1p-8 * Math.abs(x));
          compared++;
        }
      }
      assertThat(compared).isGreaterThan(20000);
    }
  }
}
