package dev.llmkit.model.io.hf;

import static dev.llmkit.model.io.Fixtures.assertClose;
import static dev.llmkit.model.io.Fixtures.assertSameWeights;
import static dev.llmkit.model.io.Fixtures.assertSamples;
import static dev.llmkit.model.io.Fixtures.fixture;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmkit.model.config.ModelConfig;
import dev.llmkit.model.config.ModelConfig.Activation;
import dev.llmkit.model.config.ModelConfig.NormType;
import dev.llmkit.model.config.ModelConfig.PositionEncoding;
import dev.llmkit.model.io.CheckpointFormatException;
import dev.llmkit.model.io.safetensors.SafetensorsFile;
import dev.llmkit.model.weights.ModelWeights;
import dev.llmkit.tensor.RopeStyle;
import dev.llmkit.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HuggingFaceCheckpointTest {

  @TempDir Path tmp;

  @Test
  void gpt2FixtureWeightsEqualTheScriptsValues() throws IOException {
    ModelWeights w = HuggingFaceCheckpoint.loadWeights(fixture("gpt2-tiny"));
    assertThat(w.config()).isEqualTo(
        ModelConfig.gpt2(96, 32, 2, 4, 32).toBuilder().bosTokenId(1).eosTokenId(2).build());
    assertThat(w.lmHead()).isSameAs(w.tokenEmbedding());
    // samples.json holds canonical [out, in] values split out of c_attn by the script
    assertThat(assertSamples(w, fixture("gpt2-tiny").resolve("samples.json"), 0)).isGreaterThan(100);
  }

  @Test
  void llamaFixtureWeightsEqualTheScriptsValues() throws IOException {
    ModelWeights w = HuggingFaceCheckpoint.loadWeights(fixture("llama-gqa-tiny"));
    assertThat(w.config().nKvHeads()).isEqualTo(2);
    assertThat(w.config().ropeStyle()).isEqualTo(RopeStyle.ROTATE_HALF);
    assertThat(w.lmHead()).isNotSameAs(w.tokenEmbedding());
    assertThat(w.layer(1).wk().shape()).containsExactly(16, 32);
    assertThat(assertSamples(w, fixture("llama-gqa-tiny").resolve("samples.json"), 0))
        .isGreaterThan(80);
  }

  @Test
  void shardedFixtureWithoutPrefixAndWithBuffersEqualsTheSingleFile() throws IOException {
    ModelWeights single = HuggingFaceCheckpoint.loadWeights(fixture("gpt2-tiny"));
    ModelWeights sharded = HuggingFaceCheckpoint.loadWeights(fixture("gpt2-tiny-sharded"));
    assertSameWeights(single, sharded);
  }

  @Test
  void f16AndBf16FixturesLoadWithinTheirPrecision() throws IOException {
    ModelWeights f32 = HuggingFaceCheckpoint.loadWeights(fixture("llama-gqa-tiny"));
    ModelWeights f16 = HuggingFaceCheckpoint.loadWeights(fixture("llama-gqa-tiny-f16"));
    ModelWeights bf16 = HuggingFaceCheckpoint.loadWeights(fixture("llama-gqa-tiny-bf16"));
    assertThat(f16.config()).isEqualTo(f32.config());
    assertClose(f32, f16, 0x1p-11 + 1e-6);
    assertClose(f32, bf16, 0x1p-8);
    assertSamples(bf16, fixture("llama-gqa-tiny").resolve("samples.json"), 0x1p-8);
  }

  /** Saving the loaded fixture reproduces the script's file tensor for tensor: Conv1D, fused c_attn. */
  @Test
  void savingReproducesTheHuggingFaceLayoutBitForBit() throws IOException {
    for (String name : List.of("gpt2-tiny", "llama-gqa-tiny")) {
      ModelWeights w = HuggingFaceCheckpoint.loadWeights(fixture(name));
      Path out = tmp.resolve(name);
      HuggingFaceCheckpoint.save(out, w, null);
      try (SafetensorsFile ref = SafetensorsFile.open(fixture(name).resolve("model.safetensors"));
          SafetensorsFile mine = SafetensorsFile.open(out.resolve("model.safetensors"))) {
        assertThat(mine.names()).as(name).containsExactlyInAnyOrderElementsOf(ref.names());
        for (String t : ref.names()) {
          assertThat(mine.shape(t)).as(t).isEqualTo(ref.shape(t));
          Tensor a = Tensor.zeros((int) ref.entry(t).elements());
          Tensor b = Tensor.zeros((int) ref.entry(t).elements());
          ref.read(t, a);
          mine.read(t, b);
          assertThat(b.toArray()).as(t).isEqualTo(a.toArray());
        }
      }
      assertThat(HfConfig.read(out.resolve("config.json")).config()).isEqualTo(w.config());
    }
  }

  @Test
  void saveAndLoadRoundTripsEveryConfigExactly() throws IOException {
    ModelConfig gpt2 = ModelConfig.gpt2(50, 16, 2, 4, 16);
    ModelConfig llama = ModelConfig.llama(50, 16, 2, 4, 2, 16, 40);
    List<ModelConfig> configs = List.of(
        gpt2,
        gpt2.toBuilder().tiedEmbeddings(false).nKvHeads(2).build(),
        gpt2.toBuilder().positions(PositionEncoding.SINUSOIDAL).preNorm(false)
            .activation(Activation.RELU).attentionBias(false).build(),
        gpt2.toBuilder().positions(PositionEncoding.ROTARY).norm(NormType.RMS_NORM).mlpBias(false)
            .build(),
        llama,
        llama.toBuilder().tiedEmbeddings(true).attentionBias(true).mlpBias(true).build(),
        llama.toBuilder().positions(PositionEncoding.LEARNED).norm(NormType.LAYER_NORM)
            .ropeStyle(RopeStyle.ADJACENT_PAIRS).build());
    int k = 0;
    for (ModelConfig c : configs) {
      ModelWeights w = ModelWeights.init(c, 100 + k, 0.5f);
      Path dir = tmp.resolve("m" + k++);
      // every second model in small shards
      HuggingFaceCheckpoint.save(dir, w, null, k % 2 == 0 ? 4096 : Long.MAX_VALUE);
      assertThat(Files.exists(dir.resolve("model.safetensors.index.json"))).isEqualTo(k % 2 == 0);
      assertSameWeights(w, HuggingFaceCheckpoint.loadWeights(dir));
    }
  }

  /** Adjacent-pair RoPE is saved as Hugging Face's converter does: q/k rows permuted per head. */
  @Test
  void adjacentPairLlamaIsSavedPermutedForRotateHalf() throws IOException {
    ModelConfig c = ModelConfig.llama(50, 16, 2, 4, 2, 32, 40).toBuilder()
        .ropeStyle(RopeStyle.ADJACENT_PAIRS).attentionBias(true).build();
    ModelWeights w = ModelWeights.init(c, 8, 0.5f);
    for (int i = 0; i < 2; i++) {
      w.layer(i).bq().copyFrom(Tensor.randn(20 + i, 1f, 32));
      w.layer(i).bk().copyFrom(Tensor.randn(30 + i, 1f, 16));
    }
    Path dir = tmp.resolve("adj");
    HuggingFaceCheckpoint.save(dir, w, null);
    assertThat(Files.readString(dir.resolve("config.json"))).doesNotContain("llmkit_");
    ModelWeights back = HuggingFaceCheckpoint.loadWeights(dir);
    assertThat(back.config()).isEqualTo(c.toBuilder().ropeStyle(RopeStyle.ROTATE_HALF).build());
    int hd = 8;
    for (int l = 0; l < 2; l++) {
      for (int[] heads : new int[][] {{4, 0}, {2, 1}}) {
        Tensor orig = heads[1] == 0 ? w.layer(l).wq() : w.layer(l).wk();
        Tensor hf = heads[1] == 0 ? back.layer(l).wq() : back.layer(l).wk();
        Tensor origB = heads[1] == 0 ? w.layer(l).bq() : w.layer(l).bk();
        Tensor hfB = heads[1] == 0 ? back.layer(l).bq() : back.layer(l).bk();
        for (int h = 0; h < heads[0]; h++) {
          for (int i = 0; i < hd / 2; i++) {
            for (int j = 0; j < 2; j++) {
              // rotate-half pairs (i, i + hd/2) of the saved rows are Meta's pairs (2i, 2i + 1)
              int hfRow = h * hd + j * hd / 2 + i;
              int metaRow = h * hd + 2 * i + j;
              for (int col = 0; col < 32; col++) {
                assertThat(hf.get(hfRow, col)).isEqualTo(orig.get(metaRow, col));
              }
              assertThat(hfB.get(hfRow)).isEqualTo(origB.get(metaRow));
            }
          }
        }
      }
      assertThat(back.layer(l).wv().toArray()).isEqualTo(w.layer(l).wv().toArray());
      assertThat(back.layer(l).w3().toArray()).isEqualTo(w.layer(l).w3().toArray());
    }
  }

  /** Qwen2: q/k/v biases but no o_proj.bias in the file, which loads as zeros. */
  @Test
  void qwen2WithoutOutputBiasLoads() throws IOException {
    ModelConfig c = ModelConfig.llama(50, 16, 2, 4, 2, 16, 40).toBuilder().attentionBias(true).build();
    ModelWeights w = ModelWeights.init(c, 9, 0.5f);
    for (int i = 0; i < 2; i++) {
      w.layer(i).bq().copyFrom(Tensor.randn(40 + i, 1f, 16));
    }
    var hf = new java.util.LinkedHashMap<>(LlamaWeights.toHf(w));
    hf.keySet().removeIf(n -> n.endsWith("o_proj.bias"));
    Path dir = Files.createDirectories(tmp.resolve("qwen2"));
    dev.llmkit.model.io.safetensors.SafetensorsWriter.write(dir.resolve("model.safetensors"), hf, null);
    Files.writeString(dir.resolve("config.json"), "{\"model_type\": \"qwen2\", \"vocab_size\": 50,"
        + " \"hidden_size\": 16, \"intermediate_size\": 40, \"num_hidden_layers\": 2,"
        + " \"num_attention_heads\": 4, \"num_key_value_heads\": 2, \"max_position_embeddings\": 16,"
        + " \"rms_norm_eps\": 1e-5, \"use_sliding_window\": false, \"sliding_window\": 4}");
    assertSameWeights(w, HuggingFaceCheckpoint.loadWeights(dir));
  }

  @Test
  void llamaUpProjBiasMustBeZero() throws IOException {
    ModelConfig c = ModelConfig.llama(50, 16, 1, 4, 2, 16, 40).toBuilder().mlpBias(true).build();
    Path dir = tmp.resolve("b");
    HuggingFaceCheckpoint.save(dir, ModelWeights.init(c, 1, 0.5f), null);
    var tensors = new java.util.LinkedHashMap<String, Tensor>();
    try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("model.safetensors"))) {
      for (String n : f.names()) {
        Tensor t = Tensor.zeros((int) f.entry(n).elements());
        f.read(n, t);
        tensors.put(n, t.reshape(java.util.Arrays.stream(f.shape(n)).mapToInt(x -> (int) x).toArray()));
      }
    }
    tensors.get("model.layers.0.mlp.up_proj.bias").setFlat(3, 0.25f);
    dev.llmkit.model.io.safetensors.SafetensorsWriter.write(
        dir.resolve("model.safetensors"), tensors, null);
    assertThatThrownBy(() -> HuggingFaceCheckpoint.loadWeights(dir))
        .isInstanceOf(CheckpointFormatException.class)
        .hasMessageContaining("model.layers.0.mlp.up_proj.bias");
  }

  @Test
  void missingTensorAndWrongShapeAreNamed() throws IOException {
    Path dir = copyFixture("gpt2-tiny");
    String cfg = Files.readString(dir.resolve("config.json"));
    Files.writeString(dir.resolve("config.json"), cfg.replace("\"n_layer\": 2", "\"n_layer\": 3"));
    assertThatThrownBy(() -> HuggingFaceCheckpoint.loadWeights(dir))
        .isInstanceOf(CheckpointFormatException.class)
        .hasMessageContaining("model.safetensors")
        .hasMessageContaining("tensor 'transformer.h.2.").hasMessageContaining("is missing");
    Files.writeString(dir.resolve("config.json"), cfg.replace("\"vocab_size\": 96", "\"vocab_size\": 97"));
    assertThatThrownBy(() -> HuggingFaceCheckpoint.loadWeights(dir))
        .isInstanceOf(CheckpointFormatException.class)
        .hasMessageContaining("'transformer.wte.weight' has shape [96, 32], the config expects [97, 32]");
    Files.delete(dir.resolve("model.safetensors"));
    assertThatThrownBy(() -> HuggingFaceCheckpoint.loadWeights(dir))
        .isInstanceOf(CheckpointFormatException.class).hasMessageContaining("model.safetensors");
    Files.delete(dir.resolve("config.json"));
    assertThatThrownBy(() -> HuggingFaceCheckpoint.loadWeights(dir))
        .isInstanceOf(CheckpointFormatException.class).hasMessageContaining("config.json");
  }

  private Path copyFixture(String name) throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("copy-" + name));
    try (var s = Files.list(fixture(name))) {
      for (Path p : s.toList()) {
        Files.copy(p, dir.resolve(p.getFileName()));
      }
    }
    return dir;
  }
}
