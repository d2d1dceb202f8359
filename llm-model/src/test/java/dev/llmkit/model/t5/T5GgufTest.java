package dev.llmkit.model.t5;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmkit.model.io.CheckpointFormatException;
import dev.llmkit.model.io.Fixtures;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * llama.cpp's {@code t5} GGUF, written by scripts/gen_t5_gguf.py with gguf-py from the two random
 * T5 fixtures as convert_hf_to_gguf.py names them: the same config (gated-gelu from ffn_gate, tied
 * head from the absence of output, decoder_block_count ≠ block_count, heads·d_kv ≠ d_model) and
 * the same weights as the Hugging Face folder, so the same encoder states and decoder logits. The
 * GGUF has no max-distance key: llama.cpp's 128 (the relu-tied folder says 24).
 */
class T5GgufTest {

  static Path gguf(String fixture) throws Exception {
    return Fixtures.fixture(fixture).resolve("model.gguf");
  }

  @ParameterizedTest
  @ValueSource(strings = {"t5-relu-tied", "t5-gated-untied"})
  void loadsTheSameModelAsTheHuggingFaceFolder(String fixture) throws Exception {
    assertThat(T5Gguf.isT5(gguf(fixture))).isTrue();
    T5Model g = T5Gguf.load(gguf(fixture));
    T5Weights folder = T5Weights.load(Fixtures.fixture(fixture));
    T5Config expected = folder.config().toBuilder().maxDistance(128).build();
    assertThat(g.config()).isEqualTo(expected);
    T5Model hf = new T5Model(new T5Weights(expected, folder.named()));
    assertThat(g.weights().named().keySet()).containsExactlyElementsOf(hf.weights().named().keySet());
    g.weights().named().forEach((n, t) ->
        assertThat(t.toArray()).as(n).containsExactly(hf.weights().get(n).toArray()));
    int[] enc = {5, 17, 42, 3, 60, 2, 9};
    int[] dec = {0, 12, 40, 7};
    assertThat(g.encode(enc).toArray()).containsExactly(hf.encode(enc).toArray());
    assertThat(g.logits(enc, dec).toArray()).containsExactly(hf.logits(enc, dec).toArray());
  }

  @Test
  void theGatedUntiedFixtureMatchesTheTorchGoldenLogits() throws Exception {
    // max distance 128 in its config.json too: the GGUF's model is the golden one
    T5Model g = T5Gguf.load(gguf("t5-gated-untied"));
    assertThat(g.config()).isEqualTo(T5Config.read(
        Fixtures.fixture("t5-gated-untied").resolve("config.json")));
    var golden = T5GoldenTest.golden("t5-gated-untied");
    int[] enc = T5GoldenTest.ints(golden.get("encoder_ids"));
    int[] dec = T5GoldenTest.ints(golden.get("decoder_ids"));
    assertThat(T5GoldenTest.relativeError(g.encode(enc).toArray(),
        T5GoldenTest.flat(golden.get("encoder_hidden")))).isLessThanOrEqualTo(1e-4);
    assertThat(T5GoldenTest.relativeError(g.logits(enc, dec).toArray(),
        T5GoldenTest.flat(golden.get("logits")))).isLessThanOrEqualTo(1e-4);
    assertThat(g.config().feedForward()).isEqualTo(T5Config.FeedForward.GATED_GELU);
    assertThat(g.config().tiedEmbeddings()).isFalse();
    assertThat(g.config().numLayers()).isEqualTo(2);
    assertThat(g.config().numDecoderLayers()).isEqualTo(3);
    assertThat(g.config().dKv()).isEqualTo(10);
    T5Config tied = T5Gguf.load(gguf("t5-relu-tied")).config();
    assertThat(tied.feedForward()).isEqualTo(T5Config.FeedForward.RELU);
    assertThat(tied.tiedEmbeddings()).isTrue();
    assertThat(tied.numBuckets()).isEqualTo(16);
    assertThat(tied.layerNormEps()).isEqualTo(1e-6f);
  }

  @Test
  void aMissingTensorIsNamedAsLlamaCppNamesIt(@TempDir Path dir) throws Exception {
    Path bert = Fixtures.fixture("bert-base-tiny").resolve("model.gguf");
    assertThat(T5Gguf.isT5(bert)).isFalse();
    assertThatThrownBy(() -> T5Gguf.load(bert)).isInstanceOf(CheckpointFormatException.class)
        .hasMessageContaining("general.architecture 'bert'").hasMessageContaining("expected t5");
    byte[] bytes = Files.readAllBytes(gguf("t5-gated-untied"));
    // rename dec.blk.1.cross_attn_k.weight to dec.blk.1.cross_attn_x.weight in the header
    String victim = "dec.blk.1.cross_attn_k.weight";
    int at = new String(bytes, StandardCharsets.ISO_8859_1).indexOf(victim);
    assertThat(at).isPositive();
    bytes[at + victim.indexOf("_k.") + 1] = 'x';
    Path copy = dir.resolve("m.gguf");
    Files.write(copy, bytes);
    assertThatThrownBy(() -> T5Gguf.load(copy)).isInstanceOf(CheckpointFormatException.class)
        .hasMessageContaining("tensor '" + victim + "' is missing")
        .hasMessageContaining("decoder.block.1.layer.1.EncDecAttention.k.weight");
  }
}
