package dev.llmkit.model.bert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmkit.model.io.CheckpointFormatException;
import dev.llmkit.model.io.Fixtures;
import dev.llmkit.model.io.safetensors.SafetensorsFile;
import dev.llmkit.model.io.safetensors.SafetensorsWriter;
import dev.llmkit.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hugging Face and sentence-transformers folders: load, save, reload, and bad checkpoints. */
class BertCheckpointTest {

  @TempDir
  Path tmp;

  @Test
  void savesTheHuggingFaceLayoutAndReloadsTheSameOutputs() throws IOException {
    for (String name : new String[] {"bert-mlm-tiny", "bert-cls-tiny", "bert-base-tiny"}) {
      BertWeights w = BertCheckpoint.load(Fixtures.fixture(name)).weights();
      Path dir = tmp.resolve(name);
      BertCheckpoint.save(dir, w, Pooling.MEAN, true);
      BertCheckpoint.Loaded again = BertCheckpoint.load(dir);
      assertThat(again.pooling()).isEqualTo(Pooling.MEAN);
      assertThat(again.normalize()).isTrue();
      assertThat(again.weights().config()).isEqualTo(w.config());
      int[][] ids = {{1, 2, 3, 4}, {5, 6}};
      float[] before = new BertModel(w).encode(ids).hidden().toArray();
      float[] after = new BertModel(again.weights()).encode(ids).hidden().toArray();
      assertThat(after).containsExactly(before);
      try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("model.safetensors"))) {
        boolean head = w.mlm() != null || w.classifier() != null;
        assertThat(f.names()).contains(
            (head ? "bert." : "") + "encoder.layer.0.attention.self.query.weight");
      }
    }
  }

  @Test
  void sentenceTransformersPoolingIsRead() throws IOException {
    Path dir = tmp.resolve("st");
    BertCheckpoint.save(dir, BertCheckpoint.load(Fixtures.fixture("bert-base-tiny")).weights(),
        Pooling.CLS, false);
    assertThat(Files.readString(dir.resolve("1_Pooling/config.json")))
        .contains("\"pooling_mode_cls_token\" : true");
    BertCheckpoint.Loaded l = BertCheckpoint.load(dir);
    assertThat(l.pooling()).isEqualTo(Pooling.CLS);
    assertThat(l.normalize()).isFalse();
  }

  private Path copyWith(String fixture, String drop, String reshape) throws IOException {
    Path src = Fixtures.fixture(fixture);
    Path dir = Files.createDirectories(tmp.resolve("bad-" + fixture));
    Files.copy(src.resolve("config.json"), dir.resolve("config.json"));
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    try (SafetensorsFile f = SafetensorsFile.open(src.resolve("model.safetensors"))) {
      for (String n : f.names()) {
        long[] s = f.shape(n);
        int[] shape = new int[s.length];
        for (int i = 0; i < s.length; i++) {
          shape[i] = (int) s[i];
        }
        Tensor t = Tensor.zeros(shape);
        f.read(n, t);
        if (n.equals(drop)) {
          continue;
        }
        if (n.equals(reshape)) {
          t = Tensor.zeros(shape[0], shape[1] - 1);
        }
        tensors.put(n, t);
      }
    }
    SafetensorsWriter.write(dir.resolve("model.safetensors"), tensors, Map.of());
    return dir;
  }

  @Test
  void aMissingTensorIsNamed() throws IOException {
    Path dir = copyWith("bert-mlm-tiny", "bert.encoder.layer.1.attention.self.key.weight", null);
    assertThatThrownBy(() -> BertCheckpoint.load(dir))
        .isInstanceOf(CheckpointFormatException.class)
        .hasMessageContaining("bert.encoder.layer.1.attention.self.key.weight")
        .hasMessageContaining("missing")
        .hasMessageContaining("[32, 32]");
  }

  @Test
  void aMisshapenTensorIsNamed() throws IOException {
    Path dir = copyWith("bert-cls-tiny", null, "bert.encoder.layer.2.intermediate.dense.weight");
    assertThatThrownBy(() -> BertCheckpoint.load(dir))
        .isInstanceOf(CheckpointFormatException.class)
        .hasMessageContaining("bert.encoder.layer.2.intermediate.dense.weight")
        .hasMessageContaining("[48, 23]")
        .hasMessageContaining("[48, 24]");
  }

  @Test
  void aConfigWithoutAFieldIsNamed() throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("noconf"));
    Files.writeString(dir.resolve("config.json"), "{\"model_type\": \"bert\", \"vocab_size\": 10}");
    assertThatThrownBy(() -> BertConfig.read(dir.resolve("config.json")))
        .isInstanceOf(CheckpointFormatException.class)
        .hasMessageContaining("hidden_size");
  }
}
