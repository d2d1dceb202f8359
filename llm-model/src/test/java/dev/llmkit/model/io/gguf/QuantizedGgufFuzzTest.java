package dev.llmkit.model.io.gguf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmkit.model.io.Mutants;
import dev.llmkit.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Quantized tensors in GGUF files, against the independent parser of {@link GgufFuzzTest}: random
 * header mutants of a file holding Q4_0, Q4_K, Q6_K and Q8_0 tensors, and typed mutants of one
 * quantized tensor's info (another known or an unknown type id, a first dimension that is not a
 * whole number of blocks, data bytes other than type × shape). And {@link GgufWriter}'s inputs:
 * every invalid one is refused before a byte is written, naming the file and the tensor or key.
 */
class QuantizedGgufFuzzTest {

  private static final int[] QUANT = {GgmlType.Q4_0.id(), GgmlType.Q4_K.id(), GgmlType.Q6_K.id(),
      GgmlType.Q8_0.id()};

  @TempDir Path tmp;

  /** Random block bytes of the size the type and dims imply. */
  private static byte[] blocks(GgmlType t, long[] dims, SplittableRandom r) {
    long elements = 1;
    for (long d : dims) {
      elements *= d;
    }
    byte[] b = new byte[Math.toIntExact(elements / t.blockSize() * t.blockBytes())];
    for (int i = 0; i < b.length; i++) {
      b[i] = (byte) r.nextInt(256);
    }
    return b;
  }

  private static GgufTestWriter base(SplittableRandom r) {
    return new GgufTestWriter()
        .string("general.architecture", "llama")
        .tensor("a", Tensor.of(new float[] {1, 2, 3, 4, 5, 6, 7, 8}, 8), GgmlType.F32)
        .raw("q4", new long[] {64, 2}, GgmlType.Q4_0.id(), blocks(GgmlType.Q4_0, new long[] {64, 2}, r))
        .raw("qk", new long[] {256, 1}, GgmlType.Q4_K.id(), blocks(GgmlType.Q4_K, new long[] {256, 1}, r))
        .raw("q6", new long[] {256, 2}, GgmlType.Q6_K.id(), blocks(GgmlType.Q6_K, new long[] {256, 2}, r))
        .tensor("q8", Tensor.zeros(64), GgmlType.Q8_0);
  }

  private static void open(Path f) throws Exception {
    try (GgufFile g = GgufFile.open(f)) {
      for (GgufFile.TensorInfo t : g.tensors().values()) {
        if (t.type().readable() && t.elements() > 0) {
          g.read(t.name(), Tensor.zeros(Math.toIntExact(t.elements())));
        }
      }
    }
  }

  @Test
  @Timeout(60)
  void headerMutantsOfAQuantizedFile() throws Exception {
    byte[] file = base(new SplittableRandom(1)).bytes();
    assertThat(GgufFuzzTest.valid(file)).isTrue();
    Mutants.run("gguf (quantized)", file, (int) GgufFuzzTest.dataStart(file), 1500, tmp, ".gguf",
        GgufFuzzTest::valid, QuantizedGgufFuzzTest::open).check();
  }

  @Test
  @Timeout(60)
  void typedMutantsOfAQuantizedTensorInfo() throws Exception {
    SplittableRandom r = new SplittableRandom(19);
    Mutants.Tally tally = new Mutants.Tally("gguf quantized tensor infos");
    for (int i = 0; i < Mutants.count(800); i++) {
      int type = QUANT[r.nextInt(QUANT.length)];
      GgmlType t = GgmlType.byId(type);
      long[] dims = {t.blockSize() * (1 + r.nextInt(3)), 1 + r.nextInt(3)};
      byte[] data = blocks(t, dims, r);
      int storedType = type;
      long[] storedDims = dims.clone();
      switch (r.nextInt(6)) {
        case 0 -> storedType = new int[] {-1, 4, 5, 31, 34, 39, 1000, 1 << 20}[r.nextInt(8)];
        case 1 -> storedType = QUANT[r.nextInt(QUANT.length)]; // another type: valid if sizes agree
        case 2 -> storedDims[0] += new long[] {-1, 1, 16, -16}[r.nextInt(4)];
        case 3 -> data = java.util.Arrays.copyOf(data, data.length
            + new int[] {-1, 1, -t.blockBytes(), t.blockBytes()}[r.nextInt(4)]);
        case 4 -> storedDims[1] += 1; // one more row than the data holds
        default -> { }
      }
      byte[] file = new GgufTestWriter()
          .string("general.architecture", "llama")
          .raw("w", storedDims, storedType, data)
          .tensor("q8", Tensor.zeros(32), GgmlType.Q8_0)
          .bytes();
      Path f = Files.write(tmp.resolve("t" + (i % 16) + ".gguf"), file);
      Throwable failure = null;
      try {
        open(f);
      } catch (Exception e) {
        failure = e;
      }
      tally.record(f, GgufFuzzTest.valid(file), failure);
    }
    System.out.println("gguf quantized tensor infos fuzz: " + tally);
    tally.check();
  }

  private record Case(String what, int alignment, List<GgufKv> kvs, List<GgufWriter.Tensor> tensors) {}

  private static GgufWriter.Tensor tensor(String name, long[] dims, int type, long bytes) {
    return new GgufWriter.Tensor(name, dims, type, bytes, o -> o.write(new byte[(int) bytes]));
  }

  @Test
  void writerRefusesInvalidInputsBeforeWriting() throws Exception {
    int q4k = GgmlType.Q4_K.id();
    GgufWriter.Tensor good = tensor("blk.0.w", new long[] {256, 2}, q4k, 288);
    List<GgufKv> kvs = List.of(GgufKv.string("general.architecture", "llama"));
    List<Case> cases = new ArrayList<>(List.of(
        new Case("alignment 24", 24, kvs, List.of(good)),
        new Case("alignment 0", 0, kvs, List.of(good)),
        new Case("metadata 'general.architecture' is given twice", 32,
            List.of(kvs.get(0), kvs.get(0)), List.of(good)),
        new Case("metadata 'k' of type 13", 32, List.of(new GgufKv("k", 13, new byte[4])),
            List.of(good)),
        new Case("metadata 'k' of type 4 has 1 bytes after", 32,
            List.of(new GgufKv("k", 4, new byte[5])), List.of(good)),
        new Case("metadata 'k' of type 8", 32, List.of(new GgufKv("k", 8, new byte[] {9, 0, 0, 0,
            0, 0, 0, 0, 'a'})), List.of(good)),
        new Case("tensor 'blk.0.w' is given twice", 32, kvs, List.of(good, good)),
        new Case("tensor 'x' has 0 dimensions", 32, kvs, List.of(tensor("x", new long[0], 0, 0))),
        new Case("tensor 'x' has 5 dimensions", 32, kvs,
            List.of(tensor("x", new long[] {1, 1, 1, 1, 1}, 0, 4))),
        new Case("tensor 'x' has dimensions [4, -1]", 32, kvs,
            List.of(tensor("x", new long[] {4, -1}, 0, 4))),
        new Case("tensor 'x' has unknown ggml type 5", 32, kvs,
            List.of(tensor("x", new long[] {32}, 5, 18))),
        new Case("tensor 'x' has first dimension 128, not a multiple of the Q4_K block size 256", 32,
            kvs, List.of(tensor("x", new long[] {128, 2}, q4k, 144))),
        new Case("tensor 'x' (Q4_K, dims [256, 2]) states 144 bytes, expected 288", 32, kvs,
            List.of(tensor("x", new long[] {256, 2}, q4k, 144))),
        new Case("tensor 'x\\u001b[31m' is given twice", 32, kvs,
            List.of(tensor("x\u001b[31m", new long[] {4}, 0, 16),
                tensor("x\u001b[31m", new long[] {4}, 0, 16)))));
    for (Case c : cases) {
      Path out = tmp.resolve("w.gguf");
      assertThatThrownBy(() -> GgufWriter.write(out, c.kvs(), c.tensors(), c.alignment()))
          .as(c.what())
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("w.gguf")
          .hasMessageContaining(c.what());
      assertThat(out).as(c.what()).doesNotExist();
      assertThat(tmp.resolve("w.gguf.tmp")).doesNotExist();
    }
    // a valid input writes a file the reader accepts, through a temporary name
    Path out = tmp.resolve("ok.gguf");
    GgufWriter.write(out, kvs, List.of(good, tensor("n", new long[] {4}, 0, 16)), 32);
    try (GgufFile g = GgufFile.open(out)) {
      assertThat(g.tensors()).containsOnlyKeys("blk.0.w", "n");
      assertThat(g.tensors().get("blk.0.w").type()).isEqualTo(GgmlType.Q4_K);
    }
    assertThat(tmp.resolve("ok.gguf.tmp")).doesNotExist();
    // data shorter than stated: an IOException, and no file under the name
    Path cut = tmp.resolve("cut.gguf");
    GgufWriter.Tensor liar = new GgufWriter.Tensor("w", new long[] {4}, 0, 16,
        o -> o.write(new byte[12]));
    assertThatThrownBy(() -> GgufWriter.write(cut, kvs, List.of(liar), 32))
        .isInstanceOf(java.io.IOException.class).hasMessageContaining("wrote 12 bytes, expected 16");
    assertThat(cut).doesNotExist();
  }
}
