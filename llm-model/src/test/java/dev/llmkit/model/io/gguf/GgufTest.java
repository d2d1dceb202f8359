package dev.llmkit.model.io.gguf;

import static dev.llmkit.model.io.Fixtures.assertSameWeights;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmkit.model.config.ModelConfig;
import dev.llmkit.model.io.CheckpointFormatException;
import dev.llmkit.model.io.Checkpoints;
import dev.llmkit.model.io.Fixtures;
import dev.llmkit.model.io.LoadedModel;
import dev.llmkit.model.weights.LayerWeights;
import dev.llmkit.model.weights.ModelWeights;
import dev.llmkit.tensor.RopeStyle;
import dev.llmkit.tensor.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GgufTest {

  @TempDir Path tmp;

  /**
   * Gives every parameter values k/64 with integer |k| <= 127 and |k| = 127 at the start of every
   * 32-block: exact in F16, BF16 and Q8_0 (whose block scale is then exactly 1/64).
   */
  private static ModelWeights exactWeights(ModelConfig c, long seed) {
    ModelWeights w = ModelWeights.init(c, seed, 0.5f);
    SplittableRandom r = new SplittableRandom(seed);
    for (Tensor t : w.named().values()) {
      for (int i = 0; i < t.length(); i++) {
        int k = i % 32 == 0 ? (r.nextBoolean() ? 127 : -127) : r.nextInt(-127, 128);
        t.setFlat(i, k / 64f);
      }
    }
    return w;
  }

  private static GgufTestWriter llamaGguf(ModelWeights w) {
    return llamaGguf(w, true);
  }

  /**
   * A llama GGUF of w: its matrices in a mix of Q8_0, F16, BF16 and F32 when {@code mixed}, else all
   * F32 (an input for GgufQuantizer).
   */
  static GgufTestWriter llamaGguf(ModelWeights w, boolean mixed) {
    GgmlType q8 = mixed ? GgmlType.Q8_0 : GgmlType.F32;
    GgmlType f16 = mixed ? GgmlType.F16 : GgmlType.F32;
    GgmlType bf16 = mixed ? GgmlType.BF16 : GgmlType.F32;
    ModelConfig c = w.config();
    GgufTestWriter g = new GgufTestWriter()
        .string("general.architecture", "llama")
        .string("general.name", "tiny")
        .uint32("llama.context_length", c.contextLength())
        .uint32("llama.embedding_length", c.dim())
        .uint32("llama.block_count", c.nLayers())
        .uint32("llama.feed_forward_length", c.ffnDim())
        .uint32("llama.attention.head_count", c.nHeads())
        .uint32("llama.attention.head_count_kv", c.nKvHeads())
        .uint32("llama.rope.dimension_count", c.headDim())
        .float32("llama.rope.freq_base", (float) c.ropeTheta())
        .float32("llama.attention.layer_norm_rms_epsilon", c.normEps())
        .uint32("tokenizer.ggml.bos_token_id", c.bosTokenId())
        .uint32("tokenizer.ggml.eos_token_id", c.eosTokenId())
        .alignment(64);
    g.tensor("token_embd.weight", w.tokenEmbedding(), GgmlType.F32);
    for (int i = 0; i < w.nLayers(); i++) {
      LayerWeights l = w.layer(i);
      String p = "blk." + i + ".";
      g.tensor(p + "attn_norm.weight", l.attnNormWeight(), GgmlType.F32)
          .tensor(p + "attn_q.weight", l.wq(), q8)
          .tensor(p + "attn_k.weight", l.wk(), f16)
          .tensor(p + "attn_v.weight", l.wv(), bf16)
          .tensor(p + "attn_output.weight", l.wo(), GgmlType.F32)
          .tensor(p + "ffn_norm.weight", l.mlpNormWeight(), GgmlType.F32)
          .tensor(p + "ffn_gate.weight", l.w1(), q8)
          .tensor(p + "ffn_up.weight", l.w3(), f16)
          .tensor(p + "ffn_down.weight", l.w2(), q8);
    }
    g.tensor("output_norm.weight", w.finalNormWeight(), GgmlType.F32);
    if (!c.tiedEmbeddings()) {
      g.tensor("output.weight", w.lmHead(), q8);
    }
    return g;
  }

  private static ModelConfig tinyLlama() {
    return ModelConfig.llama(40, 16, 2, 4, 2, 32, 64).toBuilder()
        .ropeStyle(RopeStyle.ADJACENT_PAIRS).bosTokenId(1).eosTokenId(2).build();
  }

  @Test
  void tinyLlamaInF32F16Bf16Q80LoadsExactly() throws IOException {
    ModelWeights w = exactWeights(tinyLlama(), 5);
    Path file = llamaGguf(w).write(tmp.resolve("tiny.gguf"));
    assertThat(Checkpoints.detect(file)).isEqualTo(Checkpoints.Format.GGUF);
    LoadedModel m = Checkpoints.load(file);
    // the Q8_0 matrices stay quantized (no F32 copy); dequantized they are the exact values
    assertThat(m.weights().storedMatrices()).containsKeys("layers.0.attn.wq.weight", "lm_head.weight");
    assertThat(m.weights().layer(0).wq()).isNull();
    assertSameWeights(w, m.weights().dequantized());
    assertThat(m.tokenizer()).isNull(); // no tokenizer.ggml.* metadata in this file
    // tied variant: no output.weight
    ModelWeights tied = exactWeights(tinyLlama().toBuilder().tiedEmbeddings(true).build(), 6);
    assertSameWeights(tied,
        Checkpoints.load(llamaGguf(tied).write(tmp.resolve("tied.gguf"))).weights().dequantized());
  }

  @Test
  void q80DequantisesLikeLlamaCpp() throws IOException {
    // arbitrary values: expected = f16(amax/127) * round(x * 127/amax), computed here by hand
    float[] v = new float[64];
    SplittableRandom r = new SplittableRandom(3);
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) r.nextDouble(-2, 2);
    }
    Tensor t = Tensor.of(v, 2, 32);
    Path file = new GgufTestWriter().tensor("q", t, GgmlType.Q8_0).write(tmp.resolve("q.gguf"));
    try (GgufFile g = GgufFile.open(file)) {
      assertThat(g.shape("q")).containsExactly(2, 32);
      assertThat(g.tensors().get("q").dims()).containsExactly(32, 2);
      Tensor out = Tensor.zeros(2, 32);
      g.read("q", out);
      for (int b = 0; b < 2; b++) {
        float amax = 0;
        for (int i = 0; i < 32; i++) {
          amax = Math.max(amax, Math.abs(v[b * 32 + i]));
        }
        for (int i = 0; i < 32; i++) {
          float x = v[b * 32 + i];
          // the scale is stored as f16: within 2^-11 relative of amax/127
          assertThat((double) out.getFlat(b * 32 + i)).isCloseTo(
              Math.round(x * 127 / amax) * amax / 127, org.assertj.core.data.Offset.offset(amax / 127 * 1e-3 * 127));
          assertThat(Math.abs(out.getFlat(b * 32 + i) - x)).isLessThanOrEqualTo(amax / 127 * 0.51f + 1e-3f);
        }
      }
    }
  }

  @Test
  void metadataOfEveryType() throws IOException {
    ByteBuffer strings = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
    strings.put(GgufTestWriter.str("a")).put(GgufTestWriter.str("héllo"));
    ByteBuffer ints = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putInt(-1).putInt(0).putInt(7);
    // nested: array of 2 arrays of uint8
    ByteBuffer nested = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
    nested.putInt(0).putLong(2).put((byte) 1).put((byte) 255);
    nested.putInt(0).putLong(1).put((byte) 9);
    Path file = new GgufTestWriter()
        .raw("u8", 0, new byte[] {(byte) 200})
        .raw("i8", 1, new byte[] {(byte) -5})
        .raw("u16", 2, new byte[] {(byte) 0xFF, (byte) 0xFF})
        .raw("i16", 3, new byte[] {(byte) 0xFE, (byte) 0xFF})
        .uint32("u32", 4_000_000_000L)
        .int32("i32", -123456)
        .float32("f32", 0.25f)
        .raw("bool", 7, new byte[] {1})
        .string("str", "llama")
        .array("strs", 8, 2, Arrays.copyOf(strings.array(), strings.position()))
        .array("ints", 5, 3, ints.array())
        .array("nested", 9, 2, Arrays.copyOf(nested.array(), nested.position()))
        .raw("u64", 10, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(1L << 40).array())
        .raw("i64", 11, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(-2).array())
        .raw("f64", 12, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putDouble(Math.PI).array())
        .write(tmp.resolve("meta.gguf"));
    try (GgufFile g = GgufFile.open(file)) {
      assertThat(g.version()).isEqualTo(3);
      assertThat(g.tensors()).isEmpty();
      var m = g.metadata();
      assertThat(m.keySet()).containsExactly("u8", "i8", "u16", "i16", "u32", "i32", "f32", "bool",
          "str", "strs", "ints", "nested", "u64", "i64", "f64");
      // every integer type as a Long, arrays as Java arrays (llm-tokenizer's GgufMetadata reads them)
      assertThat(m.get("u8")).isEqualTo(200L);
      assertThat(m.get("i8")).isEqualTo(-5L);
      assertThat(m.get("u16")).isEqualTo(65535L);
      assertThat(m.get("i16")).isEqualTo(-2L);
      assertThat(m.get("u32")).isEqualTo(4_000_000_000L);
      assertThat(m.get("i32")).isEqualTo(-123456L);
      assertThat(m.get("f32")).isEqualTo(0.25f);
      assertThat(m.get("bool")).isEqualTo(true);
      assertThat(m.get("str")).isEqualTo("llama");
      assertThat((String[]) m.get("strs")).containsExactly("a", "héllo");
      assertThat((int[]) m.get("ints")).containsExactly(-1, 0, 7);
      Object[] nestedValue = (Object[]) m.get("nested");
      assertThat(nestedValue).hasSize(2);
      assertThat((int[]) nestedValue[0]).containsExactly(1, 255);
      assertThat((int[]) nestedValue[1]).containsExactly(9);
      assertThat(m.get("u64")).isEqualTo(1L << 40);
      assertThat(m.get("i64")).isEqualTo(-2L);
      assertThat(m.get("f64")).isEqualTo(Math.PI);
    }
  }

  /** Every llama.cpp vocabulary (19 MB, not shipped in testdata/). */
  @Test
  @Tag("shared-data")
  void realVocabularyOnlyFilesParse() throws IOException {
    Path dir = Fixtures.sharedDataOnly("llamacpp-vocab");
    List<Path> files;
    try (Stream<Path> s = Files.list(dir)) {
      files = s.filter(p -> p.toString().endsWith(".gguf")).sorted().toList();
    }
    assertThat(files).hasSizeGreaterThanOrEqualTo(10);
    for (Path f : files) {
      try (GgufFile g = GgufFile.open(f)) {
        assertThat(g.metadata()).as(f.toString()).containsKey("tokenizer.ggml.tokens");
        assertThat(g.metadata()).containsKey("general.architecture");
      }
    }
    try (GgufFile g = GgufFile.open(dir.resolve("ggml-vocab-llama-spm.gguf"))) {
      // LLaMA-7B's hyperparameters and SentencePiece vocabulary
      assertThat(g.string("general.architecture")).isEqualTo("llama");
      assertThat(g.integer("llama.block_count", 0)).isEqualTo(32);
      assertThat(g.integer("llama.embedding_length", 0)).isEqualTo(4096);
      assertThat(g.integer("llama.feed_forward_length", 0)).isEqualTo(11008);
      assertThat(g.integer("llama.attention.head_count", 0)).isEqualTo(32);
      assertThat(g.number("llama.attention.layer_norm_rms_epsilon", 0)).isEqualTo(1e-5f);
      assertThat(g.string("tokenizer.ggml.model")).isEqualTo("llama");
      String[] tokens = (String[]) g.metadata().get("tokenizer.ggml.tokens");
      assertThat(tokens).hasSize(32000);
      assertThat(Arrays.copyOf(tokens, 3)).containsExactly("<unk>", "<s>", "</s>");
      assertThat(tokens[3]).isEqualTo("<0x00>");
      assertThat((float[]) g.metadata().get("tokenizer.ggml.scores")).hasSize(32000);
      assertThat(g.integer("tokenizer.ggml.bos_token_id", -1)).isEqualTo(1);
      assertThat(g.tensors()).isEmpty();
    }
    try (GgufFile g = GgufFile.open(dir.resolve("ggml-vocab-gpt-2.gguf"))) {
      assertThat(g.string("tokenizer.ggml.model")).isEqualTo("gpt2");
      String[] tokens = (String[]) g.metadata().get("tokenizer.ggml.tokens");
      assertThat(tokens).hasSize(50257);
      assertThat(tokens[50256]).isEqualTo("<|endoftext|>");
      assertThat((String[]) g.metadata().get("tokenizer.ggml.merges")).hasSize(50000);
    }
    Path spm = dir.resolve("ggml-vocab-llama-spm.gguf");
    assertThatThrownBy(() -> Checkpoints.load(spm))
        .isInstanceOf(CheckpointFormatException.class)
        .hasMessageContaining("ggml-vocab-llama-spm.gguf").hasMessageContaining("no tensors");
  }

  @Test
  void corruptFilesAreNamed() throws IOException {
    ModelWeights w = exactWeights(tinyLlama(), 9);
    byte[] good = llamaGguf(w).bytes();
    // cut inside the tensor data: the last tensor runs past the end
    Path cut = tmp.resolve("cut.gguf");
    Files.write(cut, Arrays.copyOf(good, good.length - 100));
    assertThatThrownBy(() -> GgufFile.open(cut))
        .isInstanceOf(CheckpointFormatException.class)
        .hasMessageContaining("cut.gguf").hasMessageContaining("'output.weight'")
        .hasMessageContaining("past the end");
    // cut inside the metadata
    Path meta = tmp.resolve("meta.gguf");
    Files.write(meta, Arrays.copyOf(good, 200));
    assertThatThrownBy(() -> GgufFile.open(meta))
        .isInstanceOf(CheckpointFormatException.class).hasMessageContaining("meta.gguf");
    // cut inside the tensor infos (just past the metadata): named, not a BufferUnderflowException
    int cutAt;
    try (GgufFile g = GgufFile.open(Files.write(tmp.resolve("whole.gguf"), good))) {
      // past the metadata, and long enough for the tensor count to look possible (32 bytes each)
      cutAt = (int) Math.max(g.header().end() + 30, 32L * g.tensors().size() + 1);
      assertThat(cutAt).isLessThan(good.length - (int) g.tensors().values().stream()
          .mapToLong(GgufFile.TensorInfo::bytes).sum()); // still inside the tensor infos
    }
    Path infos = Files.write(tmp.resolve("infos.gguf"), Arrays.copyOf(good, cutAt));
    assertThatThrownBy(() -> GgufFile.open(infos))
        .isInstanceOf(CheckpointFormatException.class)
        .hasMessageContaining("infos.gguf").hasMessageContaining("tensor info");
    // wrong magic and version
    byte[] bad = good.clone();
    bad[0] = 'X';
    Path magic = Files.write(tmp.resolve("magic.gguf"), bad);
    assertThatThrownBy(() -> GgufFile.open(magic)).hasMessageContaining("not a GGUF file");
    bad = good.clone();
    bad[4] = 9;
    Path version = Files.write(tmp.resolve("version.gguf"), bad);
    assertThatThrownBy(() -> GgufFile.open(version)).hasMessageContaining("version 9");
    // a string length far beyond the file: no allocation, a clear error
    Path str = new GgufTestWriter().raw("k", 8,
        ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(1L << 40).array())
        .write(tmp.resolve("str.gguf"));
    assertThatThrownBy(() -> GgufFile.open(str))
        .hasMessageContaining("metadata 'k'").hasMessageContaining("past the end");
    Path arr = new GgufTestWriter().array("arr", 8, Integer.MAX_VALUE, new byte[0])
        .write(tmp.resolve("arr.gguf"));
    assertThatThrownBy(() -> GgufFile.open(arr)).hasMessageContaining("metadata 'arr'");
    Path type = new GgufTestWriter().raw("t", 77, new byte[4]).write(tmp.resolve("type.gguf"));
    assertThatThrownBy(() -> GgufFile.open(type)).hasMessageContaining("unknown value type 77");
    // a tensor type this library cannot dequantise
    byte[] q4 = new GgufTestWriter().tensor("x", Tensor.zeros(32), GgmlType.F32).bytes();
    int typeAt = indexOf(q4, GgufTestWriter.str("x")) + 9 + 4 + 8;
    byte[] retyped = q4.clone();
    ByteBuffer.wrap(retyped).order(ByteOrder.LITTLE_ENDIAN).putInt(typeAt, GgmlType.F16.id());
    Path retypedFile = Files.write(tmp.resolve("retyped.gguf"), retyped);
    assertThatThrownBy(() -> GgufFile.open(retypedFile)) // F32 -> F16 would read half the bytes
        .isInstanceOf(CheckpointFormatException.class)
        .hasMessageContaining("retyped.gguf").hasMessageContaining("file is 192 bytes")
        .hasMessageContaining("header implies 128");
    // 192 Q4_1 elements are 6 blocks of 20 bytes = 120, padded to the same 128 as 32 F32; Q4_1 is a
    // type llmkit does not read
    ByteBuffer.wrap(q4).order(ByteOrder.LITTLE_ENDIAN).putInt(typeAt, GgmlType.Q4_1.id())
        .putLong(typeAt - 8, 192);
    try (GgufFile g = GgufFile.open(Files.write(tmp.resolve("q4.gguf"), q4))) {
      assertThatThrownBy(() -> g.read("x", Tensor.zeros(192)))
          .hasMessageContaining("'x'").hasMessageContaining("Q4_1");
      assertThatThrownBy(() -> g.readQuantized("x"))
          .isInstanceOf(CheckpointFormatException.class)
          .hasMessageContaining("'x'").hasMessageContaining("Q4_1").hasMessageContaining("Q4_K");
    }
    // an offset near 2^63 must not overflow past the bounds check
    byte[] far = q4.clone();
    ByteBuffer.wrap(far).order(ByteOrder.LITTLE_ENDIAN).putInt(typeAt, GgmlType.F32.id())
        .putLong(typeAt + 4, Long.MAX_VALUE - 31);
    Path farFile = Files.write(tmp.resolve("far.gguf"), far);
    assertThatThrownBy(() -> GgufFile.open(farFile))
        .hasMessageContaining("'x'").hasMessageContaining("offset 9223372036854775776, expected 0");
    ByteBuffer.wrap(q4).order(ByteOrder.LITTLE_ENDIAN).putInt(typeAt, 99);
    Path unknown = Files.write(tmp.resolve("unknown.gguf"), q4);
    assertThatThrownBy(() -> GgufFile.open(unknown)).hasMessageContaining("unknown ggml type 99");
    // a model whose metadata misses a key
    byte[] noHeads = new GgufTestWriter().string("general.architecture", "llama")
        .uint32("llama.embedding_length", 32)
        .tensor("token_embd.weight", Tensor.zeros(4, 32), GgmlType.F32).bytes();
    Path nh = Files.write(tmp.resolve("noheads.gguf"), noHeads);
    assertThatThrownBy(() -> Checkpoints.load(nh))
        .isInstanceOf(CheckpointFormatException.class)
        .hasMessageContaining("noheads.gguf").hasMessageContaining("'llama.attention.head_count'");
  }

  @Test
  void tinyGpt2Architecture() throws IOException {
    ModelConfig c = ModelConfig.gpt2(40, 16, 2, 4, 32);
    ModelWeights w = exactWeights(c, 11);
    GgufTestWriter g = new GgufTestWriter()
        .string("general.architecture", "gpt2")
        .uint32("gpt2.context_length", 16)
        .uint32("gpt2.embedding_length", 32)
        .uint32("gpt2.block_count", 2)
        .uint32("gpt2.feed_forward_length", 128)
        .uint32("gpt2.attention.head_count", 4)
        .float32("gpt2.attention.layer_norm_epsilon", 1e-5f);
    g.tensor("token_embd.weight", w.tokenEmbedding(), GgmlType.F16)
        .tensor("position_embd.weight", w.positionEmbedding(), GgmlType.F32);
    for (int i = 0; i < 2; i++) {
      LayerWeights l = w.layer(i);
      String p = "blk." + i + ".";
      Tensor qkv = Tensor.zeros(96, 32);
      qkv.slice(0, 32).copyFrom(l.wq());
      qkv.slice(32, 64).copyFrom(l.wk());
      qkv.slice(64, 96).copyFrom(l.wv());
      Tensor qkvBias = Tensor.zeros(96);
      qkvBias.slice(0, 32).copyFrom(l.bq());
      qkvBias.slice(32, 64).copyFrom(l.bk());
      qkvBias.slice(64, 96).copyFrom(l.bv());
      g.tensor(p + "attn_norm.weight", l.attnNormWeight(), GgmlType.F32)
          .tensor(p + "attn_norm.bias", l.attnNormBias(), GgmlType.F32)
          .tensor(p + "attn_qkv.weight", qkv, GgmlType.Q8_0)
          .tensor(p + "attn_qkv.bias", qkvBias, GgmlType.F32)
          .tensor(p + "attn_output.weight", l.wo(), GgmlType.F16)
          .tensor(p + "attn_output.bias", l.bo(), GgmlType.F32)
          .tensor(p + "ffn_norm.weight", l.mlpNormWeight(), GgmlType.F32)
          .tensor(p + "ffn_norm.bias", l.mlpNormBias(), GgmlType.F32)
          .tensor(p + "ffn_up.weight", l.w1(), GgmlType.Q8_0)
          .tensor(p + "ffn_up.bias", l.b1(), GgmlType.F32)
          .tensor(p + "ffn_down.weight", l.w2(), GgmlType.BF16)
          .tensor(p + "ffn_down.bias", l.b2(), GgmlType.F32);
    }
    g.tensor("output_norm.weight", w.finalNormWeight(), GgmlType.F32)
        .tensor("output_norm.bias", w.finalNormBias(), GgmlType.F32);
    ModelWeights loaded = Checkpoints.load(g.write(tmp.resolve("gpt2.gguf"))).weights();
    // the fused Q8_0 qkv is split into three quantized matrices by rows
    assertThat(loaded.storedMatrices()).containsKeys(
        "layers.0.attn.wq.weight", "layers.0.attn.wk.weight", "layers.0.attn.wv.weight", "layers.1.mlp.w1.weight");
    assertSameWeights(w, loaded.dequantized());
  }

  /** A GGUF model whose tokenizer metadata is copied from a real llama.cpp vocabulary file. */
  @Test
  void tokenizerComesFromTheMetadata() throws Exception {
    Path vocab = Fixtures.sharedData("llamacpp-vocab/ggml-vocab-gpt-2.gguf");
    GgufTestWriter g = new GgufTestWriter();
    try (GgufFile v = GgufFile.open(vocab)) {
      for (var e : v.metadata().entrySet()) {
        if (e.getKey().startsWith("tokenizer.")) {
          g.value(e.getKey(), e.getValue());
        }
      }
    }
    ModelConfig c = ModelConfig.gpt2(50257, 8, 1, 2, 8);
    ModelWeights w = exactWeights(c, 12);
    g.string("general.architecture", "gpt2")
        .uint32("gpt2.context_length", 8)
        .uint32("gpt2.embedding_length", 8)
        .uint32("gpt2.block_count", 1)
        .uint32("gpt2.feed_forward_length", 32)
        .uint32("gpt2.attention.head_count", 2);
    LayerWeights l = w.layer(0);
    Tensor qkv = Tensor.zeros(24, 8);
    qkv.slice(0, 8).copyFrom(l.wq());
    qkv.slice(8, 16).copyFrom(l.wk());
    qkv.slice(16, 24).copyFrom(l.wv());
    Tensor qkvBias = Tensor.zeros(24);
    qkvBias.slice(0, 8).copyFrom(l.bq());
    qkvBias.slice(8, 16).copyFrom(l.bk());
    qkvBias.slice(16, 24).copyFrom(l.bv());
    g.tensor("token_embd.weight", w.tokenEmbedding(), GgmlType.F32)
        .tensor("position_embd.weight", w.positionEmbedding(), GgmlType.F32)
        .tensor("blk.0.attn_norm.weight", l.attnNormWeight(), GgmlType.F32)
        .tensor("blk.0.attn_norm.bias", l.attnNormBias(), GgmlType.F32)
        .tensor("blk.0.attn_qkv.weight", qkv, GgmlType.F32)
        .tensor("blk.0.attn_qkv.bias", qkvBias, GgmlType.F32)
        .tensor("blk.0.attn_output.weight", l.wo(), GgmlType.F32)
        .tensor("blk.0.attn_output.bias", l.bo(), GgmlType.F32)
        .tensor("blk.0.ffn_norm.weight", l.mlpNormWeight(), GgmlType.F32)
        .tensor("blk.0.ffn_norm.bias", l.mlpNormBias(), GgmlType.F32)
        .tensor("blk.0.ffn_up.weight", l.w1(), GgmlType.F32)
        .tensor("blk.0.ffn_up.bias", l.b1(), GgmlType.F32)
        .tensor("blk.0.ffn_down.weight", l.w2(), GgmlType.F32)
        .tensor("blk.0.ffn_down.bias", l.b2(), GgmlType.F32)
        .tensor("output_norm.weight", w.finalNormWeight(), GgmlType.F32)
        .tensor("output_norm.bias", w.finalNormBias(), GgmlType.F32);
    Path file = g.write(tmp.resolve("gpt2-vocab-model.gguf"));
    LoadedModel m = Checkpoints.load(file);
    // the config differs from c only by the bos/eos ids of the vocabulary's metadata
    assertThat(m.config()).isEqualTo(c.toBuilder().bosTokenId(50256).eosTokenId(50256).build());
    Fixtures.assertClose(w, m.weights(), 0);
    assertThat(m.tokenizer()).isNotNull();
    assertThat(m.tokenizer().vocabSize()).isEqualTo(50257);
    assertThat(m.tokenizer().encode("hello world")).containsExactly(31373, 995); // r50k ids
    assertThat(Checkpoints.load(file, null).tokenizer()).isNotNull();
  }

  private static int indexOf(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    throw new AssertionError("not found");
  }
}
