package dev.llmkit.model.io.llama2c;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmkit.model.config.ModelConfig;
import dev.llmkit.model.io.CheckpointFormatException;
import dev.llmkit.model.io.Fixtures;
import dev.llmkit.model.weights.LayerWeights;
import dev.llmkit.model.weights.ModelWeights;
import dev.llmkit.tensor.RopeStyle;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Llama2cCheckpointTest {

  @TempDir Path tmp;

  @Test
  void stories260kShapesAndKnownValues() throws IOException {
    Path bin = Fixtures.sharedData("llama2c-stories260K/stories260K.bin");
    ModelWeights w = Llama2cCheckpoint.load(bin);
    ModelConfig c = w.config();
    assertThat(c.dim()).isEqualTo(64);
    assertThat(c.ffnDim()).isEqualTo(172);
    assertThat(c.nLayers()).isEqualTo(5);
    assertThat(c.nHeads()).isEqualTo(8);
    assertThat(c.nKvHeads()).isEqualTo(4);
    assertThat(c.vocabSize()).isEqualTo(512);
    assertThat(c.contextLength()).isEqualTo(512);
    assertThat(c.tiedEmbeddings()).isTrue();
    assertThat(c.ropeStyle()).isEqualTo(RopeStyle.ADJACENT_PAIRS);
    assertThat(c.ropeTheta()).isEqualTo(10000.0);
    assertThat(c.normEps()).isEqualTo(1e-5f);
    assertThat(c.activation()).isEqualTo(ModelConfig.Activation.SWIGLU);
    assertThat(c.bosTokenId()).isEqualTo(1);
    assertThat(c.eosTokenId()).isEqualTo(2);
    assertThat(w.lmHead()).isSameAs(w.tokenEmbedding());
    assertThat(w.parameterCount()).isEqualTo(260032 - 0); // all floats before the RoPE tables
    // values read with numpy (np.fromfile(..., '<f4', offset=28), sliced by the README's layout)
    assertThat(w.tokenEmbedding().get(0, 0)).isEqualTo(-0.29474878f);
    assertThat(w.tokenEmbedding().get(511, 63)).isEqualTo(-0.4240326f);
    assertThat(w.tokenEmbedding().get(403, 7)).isEqualTo(-0.018751098f);
    assertThat(w.layer(1).attnNormWeight().get(5)).isEqualTo(1.1129223f);
    assertThat(w.layer(2).wq().get(3, 5)).isEqualTo(-0.092126794f);
    assertThat(w.layer(4).wk().get(31, 63)).isEqualTo(-0.26513016f);
    assertThat(w.layer(0).wv().get(10, 20)).isEqualTo(-0.0076852785f);
    assertThat(w.layer(3).wo().get(63, 0)).isEqualTo(-0.020682076f);
    assertThat(w.layer(4).mlpNormWeight().get(0)).isEqualTo(1.0344242f);
    assertThat(w.layer(1).w1().get(171, 2)).isEqualTo(-0.17087264f);
    assertThat(w.layer(4).w2().get(63, 171)).isEqualTo(-0.0035068716f);
    assertThat(w.layer(0).w3().get(100, 50)).isEqualTo(-0.07399016f);
    assertThat(w.finalNormWeight().get(0)).isEqualTo(2.458309f);
    assertThat(w.finalNormWeight().get(63)).isEqualTo(1.7077769f);
  }

  @Test
  void truncatedCopyIsAnErrorNamingTheFile() throws IOException {
    Path bin = Fixtures.sharedData("llama2c-stories260K/stories260K.bin");
    byte[] all = Files.readAllBytes(bin);
    Path cut = tmp.resolve("cut.bin");
    Files.write(cut, java.util.Arrays.copyOf(all, all.length / 2));
    assertThatThrownBy(() -> Llama2cCheckpoint.load(cut))
        .isInstanceOf(CheckpointFormatException.class)
        .hasMessageContaining("cut.bin").hasMessageContaining("truncated")
        .hasMessageContaining("'w1'");
    Path header = tmp.resolve("header.bin");
    Files.write(header, java.util.Arrays.copyOf(all, 20));
    assertThatThrownBy(() -> Llama2cCheckpoint.load(header))
        .isInstanceOf(CheckpointFormatException.class).hasMessageContaining("header.bin");
  }

  /** A tiny untied checkpoint written here float by float in the documented order. */
  @Test
  void untiedSyntheticCheckpoint() throws IOException {
    int dim = 8, hidden = 12, layers = 2, heads = 2, kvHeads = 1, vocab = 10, seq = 6;
    int kv = dim * kvHeads / heads;
    int hd = dim / heads;
    long floats = (long) vocab * dim + layers * dim + 2L * layers * dim * dim + 2L * layers * kv * dim
        + layers * dim + 3L * layers * hidden * dim + dim + (long) seq * hd + (long) vocab * dim;
    ByteBuffer b = ByteBuffer.allocate((int) (28 + 4 * floats)).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(dim).putInt(hidden).putInt(layers).putInt(heads).putInt(kvHeads).putInt(-vocab).putInt(seq);
    for (long i = 0; i < floats; i++) {
      b.putFloat(i); // value = index of the float in the file
    }
    Path p = tmp.resolve("tiny.bin");
    Files.write(p, b.array());
    ModelWeights w = Llama2cCheckpoint.load(p);
    assertThat(w.config().tiedEmbeddings()).isFalse();
    assertThat(w.config().kvDim()).isEqualTo(kv);
    long embEnd = (long) vocab * dim;
    long rmsAtt = embEnd;
    long wq = rmsAtt + layers * dim;
    long wk = wq + (long) layers * dim * dim;
    long wv = wk + (long) layers * kv * dim;
    long wo = wv + (long) layers * kv * dim;
    long rmsFfn = wo + (long) layers * dim * dim;
    long w1 = rmsFfn + layers * dim;
    long w2 = w1 + (long) layers * hidden * dim;
    long w3 = w2 + (long) layers * dim * hidden;
    long fin = w3 + (long) layers * hidden * dim;
    long wcls = fin + dim + (long) seq * hd;
    LayerWeights l1 = w.layer(1);
    assertThat(w.tokenEmbedding().get(9, 7)).isEqualTo(embEnd - 1);
    assertThat(l1.attnNormWeight().get(0)).isEqualTo(rmsAtt + dim);
    assertThat(l1.wq().get(2, 3)).isEqualTo(wq + dim * dim + 2 * dim + 3);
    assertThat(l1.wk().get(1, 4)).isEqualTo(wk + kv * dim + dim + 4);
    assertThat(l1.wv().get(0, 0)).isEqualTo(wv + kv * dim);
    assertThat(l1.wo().get(7, 7)).isEqualTo(wo + 2 * dim * dim - 1);
    assertThat(l1.mlpNormWeight().get(1)).isEqualTo(rmsFfn + dim + 1);
    assertThat(l1.w1().get(11, 0)).isEqualTo(w1 + hidden * dim + 11 * dim);
    assertThat(l1.w2().get(0, 11)).isEqualTo(w2 + dim * hidden + 11);
    assertThat(l1.w3().get(0, 0)).isEqualTo(w3 + hidden * dim);
    assertThat(w.finalNormWeight().get(7)).isEqualTo(fin + 7);
    assertThat(w.lmHead().get(0, 0)).isEqualTo(wcls);
    assertThat(w.lmHead().get(9, 7)).isEqualTo(floats - 1);
    // one float short: the classifier runs past the end
    Path shortFile = tmp.resolve("short.bin");
    Files.write(shortFile, java.util.Arrays.copyOf(b.array(), b.capacity() - 4));
    assertThatThrownBy(() -> Llama2cCheckpoint.load(shortFile))
        .hasMessageContaining("short.bin").hasMessageContaining("'wcls'");
  }

  @Test
  void corruptHeaderIsNamed() throws IOException {
    ByteBuffer b = ByteBuffer.allocate(28).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(64).putInt(172).putInt(5).putInt(7).putInt(4).putInt(512).putInt(512);
    Path p = tmp.resolve("h.bin");
    Files.write(p, b.array());
    assertThatThrownBy(() -> Llama2cCheckpoint.load(p))
        .isInstanceOf(CheckpointFormatException.class)
        .hasMessageContaining("h.bin").hasMessageContaining("n_heads 7");
    b.putInt(12, 8).putInt(0, -3);
    Files.write(p, b.array());
    assertThatThrownBy(() -> Llama2cCheckpoint.load(p)).hasMessageContaining("dim = -3");
  }
}
