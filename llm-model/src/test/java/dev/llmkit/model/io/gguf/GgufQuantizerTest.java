package dev.llmkit.model.io.gguf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmkit.model.io.CheckpointFormatException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * llm quantize's GGUF against llama-quantize's, byte for byte: the SHA-256 of llama.cpp's output for
 * a tiny 2-layer GPT-2 whose weights are an exact integer hash (scripts/gen_gguf_quantize_fixtures.py
 * writes the same input with gguf-py and records the digests).
 */
class GgufQuantizerTest {

  static final int C = 256;
  static final int FF = 1024;
  static final int CTX = 32;
  static final int VOCAB = 64;
  static final int LAYERS = 2;

  @TempDir static Path dir;
  static Path input;
  static Properties expected = new Properties();

  /** The script's values(t, shape): an exact float of a hash of (t, i). */
  static float value(int t, long i) {
    long h = (i * 2654435761L + t * 40503L) & 0xffffffffL;
    return ((h >>> 8) - (1 << 23)) * 0x1p-28f;
  }

  /** (name, shape (out, in)) in the script's order. */
  static List<Object[]> tensors() {
    List<Object[]> out = new ArrayList<>();
    out.add(new Object[] {"token_embd.weight", new long[] {VOCAB, C}});
    out.add(new Object[] {"position_embd.weight", new long[] {CTX, C}});
    for (int l = 0; l < LAYERS; l++) {
      String p = "blk." + l + ".";
      out.add(new Object[] {p + "attn_norm.weight", new long[] {C}});
      out.add(new Object[] {p + "attn_norm.bias", new long[] {C}});
      out.add(new Object[] {p + "attn_qkv.weight", new long[] {3 * C, C}});
      out.add(new Object[] {p + "attn_qkv.bias", new long[] {3 * C}});
      out.add(new Object[] {p + "attn_output.weight", new long[] {C, C}});
      out.add(new Object[] {p + "attn_output.bias", new long[] {C}});
      out.add(new Object[] {p + "ffn_norm.weight", new long[] {C}});
      out.add(new Object[] {p + "ffn_norm.bias", new long[] {C}});
      out.add(new Object[] {p + "ffn_up.weight", new long[] {FF, C}});
      out.add(new Object[] {p + "ffn_up.bias", new long[] {FF}});
      out.add(new Object[] {p + "ffn_down.weight", new long[] {C, FF}});
      out.add(new Object[] {p + "ffn_down.bias", new long[] {C}});
    }
    out.add(new Object[] {"output_norm.weight", new long[] {C}});
    out.add(new Object[] {"output_norm.bias", new long[] {C}});
    out.add(new Object[] {"output.weight", new long[] {VOCAB, C}});
    return out;
  }

  @BeforeAll
  static void writeInput() throws IOException {
    try (InputStream in = GgufQuantizerTest.class.getResourceAsStream("/gguf-quantize/expected.properties")) {
      expected.load(in);
    }
    List<GgufKv> kvs = List.of(
        GgufKv.string("general.architecture", "gpt2"),
        GgufKv.u32("gpt2.block_count", LAYERS),
        GgufKv.u32("gpt2.context_length", CTX),
        GgufKv.u32("gpt2.embedding_length", C),
        GgufKv.u32("gpt2.feed_forward_length", FF),
        GgufKv.u32("gpt2.attention.head_count", 4),
        GgufKv.f32("gpt2.attention.layer_norm_epsilon", 1e-5f),
        GgufKv.u32("general.file_type", 0));
    List<GgufWriter.Tensor> ts = new ArrayList<>();
    int t = 0;
    for (Object[] e : tensors()) {
      long[] shape = (long[]) e[1];
      long[] dims = new long[shape.length];
      long n = 1;
      for (int i = 0; i < shape.length; i++) {
        dims[i] = shape[shape.length - 1 - i];
        n *= shape[i];
      }
      int index = t++;
      long count = n;
      ts.add(new GgufWriter.Tensor((String) e[0], dims, 0, 4 * n, o -> {
        ByteBuffer b = ByteBuffer.allocate((int) (4 * count)).order(ByteOrder.LITTLE_ENDIAN);
        for (long i = 0; i < count; i++) {
          b.putFloat(value(index, i));
        }
        o.write(b.array());
      }));
    }
    input = dir.resolve("f32.gguf");
    GgufWriter.write(input, kvs, ts, 32);
  }

  static String sha256(Path f) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f)));
  }

  @Test
  void writerWritesTheSameF32FileAsGgufPy() throws Exception {
    assertThat(Files.size(input)).isEqualTo(Long.parseLong(expected.getProperty("input.size")));
    assertThat(sha256(input)).isEqualTo(expected.getProperty("input.sha256"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"q8_0", "q4_0", "q4_k", "q6_k", "q4_k_m"})
  void quantizesToTheBytesLlamaQuantizeWrites(String type) throws Exception {
    Path out = dir.resolve(type + ".gguf");
    GgufQuantizer.Result r = GgufQuantizer.quantize(input, out, GgufQuantizer.Recipe.parse(type));
    assertThat(r.quantized()).isEqualTo(2 + 4 * LAYERS); // token_embd, output, 4 per layer
    assertThat(Files.size(out)).isEqualTo(Long.parseLong(expected.getProperty(type + ".size")));
    assertThat(sha256(out)).isEqualTo(expected.getProperty(type + ".sha256"));
  }

  @Test
  void typeSelectionFollowsLlamaCpp() {
    // use_more_bits over 12 layers: the first and last eighth, every third between
    List<Integer> more = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      if (GgufQuantizer.moreBits(i, 12)) {
        more.add(i);
      }
    }
    assertThat(more).containsExactly(0, 3, 6, 9, 10, 11);
    assertThat(GgufQuantizer.layer("blk.10.ffn_up.weight")).isEqualTo(10);
    assertThat(GgufQuantizer.layer("output.weight")).isEqualTo(-1);
    assertThatThrownBy(() -> GgufQuantizer.Recipe.parse("q3_k"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("q3_k").hasMessageContaining("q4_k_m");
  }

  @Test
  void alreadyQuantizedInputIsRefusedByTensorName() throws Exception {
    Path q8 = dir.resolve("requant-in.gguf");
    GgufQuantizer.quantize(input, q8, GgufQuantizer.Recipe.Q8_0);
    assertThatThrownBy(() -> GgufQuantizer.quantize(q8, dir.resolve("requant-out.gguf"), GgufQuantizer.Recipe.Q4_0))
        .isInstanceOf(CheckpointFormatException.class).hasMessageContaining("output.weight").hasMessageContaining("Q8_0");
  }
}
