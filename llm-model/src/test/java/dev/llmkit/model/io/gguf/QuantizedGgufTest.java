package dev.llmkit.model.io.gguf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmkit.model.InferenceSession;
import dev.llmkit.model.config.ModelConfig;
import dev.llmkit.model.io.CheckpointFormatException;
import dev.llmkit.model.io.Checkpoints;
import dev.llmkit.model.nn.Transformer;
import dev.llmkit.model.weights.LayerWeights;
import dev.llmkit.model.weights.ModelWeights;
import dev.llmkit.tensor.DecodeMatrices;
import dev.llmkit.tensor.RopeStyle;
import dev.llmkit.tensor.Tensor;
import dev.llmkit.tensor.WeightMatrix;
import dev.llmkit.tensor.quant.QuantType;
import dev.llmkit.tensor.quant.QuantizedMatrix;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Quantized GGUF files (written by {@link GgufQuantizer}, byte-identical to llama-quantize, see
 * GgufQuantizerTest) load with their matrices kept as blocks: the types llama.cpp's recipes choose,
 * the file's bytes and no F32 copy; the model they make computes what the same weights dequantized
 * (bit-exact, see the llm-tensor quant tests) compute in F32.
 */
class QuantizedGgufTest {

  @TempDir static Path dir;
  static ModelWeights gpt2;
  static ModelWeights llama;
  static Path gpt2F32;
  static Path llamaF32;

  @BeforeAll
  static void writeInputs() throws IOException {
    gpt2 = random(ModelConfig.gpt2(64, 32, 2, 4, 256), 1);
    llama = random(ModelConfig.llama(64, 32, 2, 4, 2, 256, 512).toBuilder()
        .ropeStyle(RopeStyle.ADJACENT_PAIRS).tiedEmbeddings(false).build(), 2);
    gpt2F32 = gpt2Gguf(gpt2).write(dir.resolve("gpt2-f32.gguf"));
    llamaF32 = GgufTest.llamaGguf(llama, false).write(dir.resolve("llama-f32.gguf"));
  }

  /** Random weights, std 0.1 so the logits spread (argmax meaningful), norms 1 + noise. */
  static ModelWeights random(ModelConfig c, long seed) {
    ModelWeights w = ModelWeights.init(c, seed, 0.1f);
    SplittableRandom r = new SplittableRandom(seed);
    for (Map.Entry<String, Tensor> e : w.named().entrySet()) {
      if (e.getKey().contains("norm") || e.getKey().endsWith("bias")) {
        Tensor t = e.getValue();
        for (int i = 0; i < t.length(); i++) {
          t.setFlat(i, t.getFlat(i) + (float) r.nextGaussian() * 0.05f);
        }
      }
    }
    return w;
  }

  static GgufTestWriter gpt2Gguf(ModelWeights w) {
    ModelConfig c = w.config();
    GgufTestWriter g = new GgufTestWriter()
        .string("general.architecture", "gpt2")
        .uint32("gpt2.context_length", c.contextLength())
        .uint32("gpt2.embedding_length", c.dim())
        .uint32("gpt2.block_count", c.nLayers())
        .uint32("gpt2.feed_forward_length", c.ffnDim())
        .uint32("gpt2.attention.head_count", c.nHeads())
        .float32("gpt2.attention.layer_norm_epsilon", 1e-5f);
    g.tensor("token_embd.weight", w.tokenEmbedding(), GgmlType.F32)
        .tensor("position_embd.weight", w.positionEmbedding(), GgmlType.F32);
    int C = c.dim();
    for (int i = 0; i < c.nLayers(); i++) {
      LayerWeights l = w.layer(i);
      String p = "blk." + i + ".";
      Tensor qkv = Tensor.zeros(3 * C, C);
      qkv.slice(0, C).copyFrom(l.wq());
      qkv.slice(C, 2 * C).copyFrom(l.wk());
      qkv.slice(2 * C, 3 * C).copyFrom(l.wv());
      Tensor qkvBias = Tensor.zeros(3 * C);
      qkvBias.slice(0, C).copyFrom(l.bq());
      qkvBias.slice(C, 2 * C).copyFrom(l.bk());
      qkvBias.slice(2 * C, 3 * C).copyFrom(l.bv());
      g.tensor(p + "attn_norm.weight", l.attnNormWeight(), GgmlType.F32)
          .tensor(p + "attn_norm.bias", l.attnNormBias(), GgmlType.F32)
          .tensor(p + "attn_qkv.weight", qkv, GgmlType.F32)
          .tensor(p + "attn_qkv.bias", qkvBias, GgmlType.F32)
          .tensor(p + "attn_output.weight", l.wo(), GgmlType.F32)
          .tensor(p + "attn_output.bias", l.bo(), GgmlType.F32)
          .tensor(p + "ffn_norm.weight", l.mlpNormWeight(), GgmlType.F32)
          .tensor(p + "ffn_norm.bias", l.mlpNormBias(), GgmlType.F32)
          .tensor(p + "ffn_up.weight", l.w1(), GgmlType.F32)
          .tensor(p + "ffn_up.bias", l.b1(), GgmlType.F32)
          .tensor(p + "ffn_down.weight", l.w2(), GgmlType.F32)
          .tensor(p + "ffn_down.bias", l.b2(), GgmlType.F32);
    }
    return g.tensor("output_norm.weight", w.finalNormWeight(), GgmlType.F32)
        .tensor("output_norm.bias", w.finalNormBias(), GgmlType.F32);
  }

  static Map<String, QuantType> types(ModelWeights w) {
    Map<String, QuantType> m = new LinkedHashMap<>();
    for (Map.Entry<String, WeightMatrix> e : w.storedMatrices().entrySet()) {
      m.put(e.getKey(), ((QuantizedMatrix) e.getValue()).type());
    }
    return m;
  }

  @ParameterizedTest
  @ValueSource(strings = {"q8_0", "q4_0", "q4_k", "q6_k", "q4_k_m"})
  void gpt2KeepsEveryMatrixQuantizedAndComputesItsDequantizedWeights(String recipe) throws IOException {
    Path q = dir.resolve("gpt2-" + recipe + ".gguf");
    GgufQuantizer.quantize(gpt2F32, q, GgufQuantizer.Recipe.parse(recipe));
    ModelWeights w = Checkpoints.load(q).weights();
    Map<String, QuantType> types = types(w);
    // 4 per layer from qkv (split), wo, w1, w2, plus the tied token table
    assertThat(types).hasSize(1 + 2 * 6);
    assertThat(w.tokenEmbedding()).isNull();
    assertThat(w.lmHead()).isNull();
    assertThat(w.layer(1).wq()).isNull();
    assertThat(w.layer(1).w2()).isNull();
    assertThat(w.positionEmbedding()).isNotNull(); // llama.cpp leaves it F32
    // llama.cpp's recipes (llama_tensor_get_type): the tied output gets Q6_K except in Q8_0 / --pure
    switch (recipe) {
      case "q8_0" -> assertThat(types.values()).containsOnly(QuantType.Q8_0);
      case "q4_0" -> {
        assertThat(types.get("tok_embeddings.weight")).isEqualTo(QuantType.Q6_K);
        assertThat(types.get("layers.0.mlp.w2.weight")).isEqualTo(QuantType.Q4_0);
      }
      case "q4_k" -> assertThat(types.values()).containsOnly(QuantType.Q4_K);
      case "q6_k" -> assertThat(types.values()).containsOnly(QuantType.Q6_K);
      default -> { // Q4_K_M: qkv Q5_K, ffn_down of the last layer (use_more_bits) Q6_K
        assertThat(types.get("tok_embeddings.weight")).isEqualTo(QuantType.Q6_K);
        assertThat(types.get("layers.0.attn.wq.weight")).isEqualTo(QuantType.Q5_K);
        assertThat(types.get("layers.1.attn.wv.weight")).isEqualTo(QuantType.Q5_K);
        assertThat(types.get("layers.0.attn.wo.weight")).isEqualTo(QuantType.Q4_K);
        assertThat(types.get("layers.0.mlp.w2.weight")).isEqualTo(QuantType.Q4_K);
        assertThat(types.get("layers.1.mlp.w2.weight")).isEqualTo(QuantType.Q6_K);
      }
    }
    assertResidentIsTheFilesBlocks(q, w);
    assertSameLogits(w);
  }

  @ParameterizedTest
  @ValueSource(strings = {"q8_0", "q4_k_m"})
  void llamaKeepsEveryMatrixQuantizedAndComputesItsDequantizedWeights(String recipe) throws IOException {
    Path q = dir.resolve("llama-" + recipe + ".gguf");
    GgufQuantizer.quantize(llamaF32, q, GgufQuantizer.Recipe.parse(recipe));
    ModelWeights w = Checkpoints.load(q).weights();
    Map<String, QuantType> types = types(w);
    assertThat(types).hasSize(2 + 2 * 7); // token table, output, 7 per layer
    if (recipe.equals("q4_k_m")) {
      assertThat(types.get("lm_head.weight")).isEqualTo(QuantType.Q6_K);
      assertThat(types.get("tok_embeddings.weight")).isEqualTo(QuantType.Q4_K);
      assertThat(types.get("layers.1.attn.wv.weight")).isEqualTo(QuantType.Q6_K);
      assertThat(types.get("layers.0.mlp.w3.weight")).isEqualTo(QuantType.Q4_K);
    }
    assertResidentIsTheFilesBlocks(q, w);
    assertSameLogits(w);
  }

  /**
   * Every quantized tensor of the file is held as exactly its bytes (no more, no F32 copy), but Q6_K,
   * held as levels: 274 bytes for each 210-byte block (one byte per weight, its 16 scales and d).
   */
  static void assertResidentIsTheFilesBlocks(Path file, ModelWeights w) throws IOException {
    long quantizedInFile = 0;
    long levelsExtra = 0;
    try (GgufFile g = GgufFile.open(file)) {
      for (GgufFile.TensorInfo t : g.tensors().values()) {
        QuantType type = g.quantType(t.name());
        if (type != null) {
          quantizedInFile += t.bytes();
          if (type == QuantType.Q6_K) {
            levelsExtra += t.bytes() / 210 * (274 - 210);
          }
        }
      }
    }
    long held = 0;
    for (WeightMatrix m : w.storedMatrices().values()) {
      held += m.bytes();
    }
    assertThat(held).isEqualTo(quantizedInFile + levelsExtra);
    long f32 = 0;
    for (Tensor t : w.named().values()) {
      f32 += 4L * t.length();
    }
    // norms, biases, positions only
    assertThat(held - levelsExtra + f32).isLessThanOrEqualTo(Files.size(file));
  }

  /**
   * The quantized model (decode one token at a time, and a prefill of all of them) gives the logits
   * of an F32 model over the dequantized weights, to float rounding.
   */
  static void assertSameLogits(ModelWeights quantized) {
    Transformer q = new Transformer(quantized, DecodeMatrices.SHARED);
    Transformer f = new Transformer(quantized.dequantized(), DecodeMatrices.SHARED);
    int[] ids = new SplittableRandom(7).ints(12, 0, quantized.config().vocabSize()).toArray();
    try (InferenceSession a = q.newSession(); InferenceSession b = f.newSession();
        InferenceSession c = q.newSession()) {
      Tensor all = c.forwardAll(ids, 0, ids.length);
      int v = quantized.config().vocabSize();
      float worst = 0; // the largest difference in units of 2e-4 of the largest |logit|
      for (int t = 0; t < ids.length; t++) {
        float[] x = a.forward(ids, t, 1);
        float[] y = b.forward(ids, t, 1);
        float max = 0;
        for (float e : y) {
          max = Math.max(max, Math.abs(e));
        }
        assertThat(max).isGreaterThan(0.1f);
        float tol = 2e-4f * max + 1e-5f;
        for (int i = 0; i < v; i++) {
          worst = Math.max(worst, Math.abs(x[i] - y[i]) / tol);
          worst = Math.max(worst, Math.abs(all.getFlat(t * v + i) - y[i]) / tol);
        }
      }
      assertThat(worst).as("decode and prefill logits vs F32 over the dequantized weights").isLessThanOrEqualTo(1f);
    }
  }

  @Test
  void quantizedInMemoryDropsTheF32AndDequantizesBack() {
    ModelWeights q = llama.quantized(QuantType.Q8_0);
    assertThat(q.named().keySet()).noneMatch(n -> n.contains(".attn.w") || n.contains(".mlp.w")
        || n.equals("lm_head.weight") || n.equals("tok_embeddings.weight"));
    assertThat(q.storedMatrices()).hasSize(2 + 2 * 7);
    assertThat(q.parameterCount()).isEqualTo(llama.parameterCount());
    // each Q8_0 weight is within half a step of the F32 one (d/2, d = amax/127 of its block of 32),
    // plus 127 times the f16 rounding of d (2^-11 d relative)
    Tensor w = llama.layer(1).w2();
    Tensor d = q.dequantized().layer(1).w2();
    float worst = 0; // the largest error in units of the bound
    for (int b = 0; b < w.length() / 32; b++) {
      float amax = 0;
      for (int i = 0; i < 32; i++) {
        amax = Math.max(amax, Math.abs(w.getFlat(32 * b + i)));
      }
      float bound = amax / 127 * (0.5f + 127f / 2048f) + 1e-7f;
      for (int i = 0; i < 32; i++) {
        worst = Math.max(worst, Math.abs(d.getFlat(32 * b + i) - w.getFlat(32 * b + i)) / bound);
      }
    }
    assertThat(worst).isLessThanOrEqualTo(1f).isGreaterThan(0.5f); // rounding does reach half a step
    assertSameLogits(q);
    assertThatThrownBy(() -> new Transformer(q, DecodeMatrices.SHARED).training(1, 4, p -> null))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("quantized")
        .hasMessageContaining("dequantized()");
    assertThat(gpt2.quantized(QuantType.Q4_K).storedMatrices()).hasSize(1 + 2 * 6);
    ModelWeights small = ModelWeights.init(ModelConfig.gpt2(64, 32, 1, 2, 64), 3, 0.02f);
    assertThatThrownBy(() -> small.quantized(QuantType.Q4_K))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tok_embeddings.weight")
        .hasMessageContaining("256");
  }

  @Test
  void badQuantizedTensorsAreNamed() throws IOException {
    Path q = dir.resolve("gpt2-bad-src.gguf");
    GgufQuantizer.quantize(gpt2F32, q, GgufQuantizer.Recipe.Q4_K);
    byte[] bytes = Files.readAllBytes(q);
    String name = "blk.0.ffn_up.weight";
    int typeAt = indexOf(bytes, GgufTestWriter.str(name)) + GgufTestWriter.str(name).length + 4 + 2 * 8;
    assertThat(ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getInt(typeAt))
        .isEqualTo(QuantType.Q4_K.ggmlId());
    // Q4_K -> Q6_K: the tensor's byte size no longer matches its place in the file
    byte[] retyped = bytes.clone();
    ByteBuffer.wrap(retyped).order(ByteOrder.LITTLE_ENDIAN).putInt(typeAt, QuantType.Q6_K.ggmlId());
    Path r = Files.write(dir.resolve("retyped.gguf"), retyped);
    assertThatThrownBy(() -> Checkpoints.load(r)).isInstanceOf(CheckpointFormatException.class)
        .hasMessageContaining("retyped.gguf").hasMessageContaining("Q6_K");
    // a shape that is not whole Q4_K blocks
    byte[] reshaped = bytes.clone();
    ByteBuffer.wrap(reshaped).order(ByteOrder.LITTLE_ENDIAN).putLong(typeAt - 16, 250);
    Path s = Files.write(dir.resolve("reshaped.gguf"), reshaped);
    assertThatThrownBy(() -> Checkpoints.load(s)).isInstanceOf(CheckpointFormatException.class)
        .hasMessageContaining("'" + name + "'").hasMessageContaining("250");
    // an unknown type id
    byte[] unknown = bytes.clone();
    ByteBuffer.wrap(unknown).order(ByteOrder.LITTLE_ENDIAN).putInt(typeAt, 77);
    Path u = Files.write(dir.resolve("unknown.gguf"), unknown);
    assertThatThrownBy(() -> Checkpoints.load(u)).isInstanceOf(CheckpointFormatException.class)
        .hasMessageContaining("'" + name + "'").hasMessageContaining("unknown ggml type 77");
  }

  static int indexOf(byte[] hay, byte[] needle) {
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
