package dev.llmkit.model.bert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmkit.model.io.CheckpointFormatException;
import dev.llmkit.model.io.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import dev.llmkit.model.io.gguf.GgufFile;
import dev.llmkit.model.io.gguf.GgufKv;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * llama.cpp's {@code bert} GGUF, written by scripts/gen_bert_gguf.py with gguf-py from the
 * bert-base-tiny fixture: the same shape and weights as the Hugging Face folder (hidden states
 * identical, and within 1e-4 of the torch reference's golden values), mean pooling from
 * {@code bert.pooling_type}, and the phantom-space vocabulary read back as WordPiece.
 */
class BertGgufTest {

  static Path gguf() throws Exception {
    return Fixtures.fixture("bert-base-tiny").resolve("model.gguf");
  }

  @Test
  void loadsTheSameEncoderAsTheHuggingFaceFolder() throws Exception {
    BertCheckpoint.Loaded g = BertGguf.load(gguf());
    BertWeights hf = BertCheckpoint.load(Fixtures.fixture("bert-base-tiny")).weights();
    assertThat(g.weights().config()).isEqualTo(hf.config());
    assertThat(g.pooling()).isEqualTo(Pooling.MEAN);
    assertThat(g.weights().pooler()).isNull(); // llama.cpp's converter drops it
    JsonNode golden = BertGoldenTest.golden("bert-base-tiny");
    int[][] ids = BertGoldenTest.unpadded(golden, "ids");
    int[][] types = BertGoldenTest.unpadded(golden, "type_ids");
    BertOutput a = new BertModel(g.weights()).encode(ids, types, false);
    BertOutput b = new BertModel(hf).encode(ids, types, false);
    assertThat(a.hidden().toArray()).isEqualTo(b.hidden().toArray());
    for (int s = 0; s < ids.length; s++) {
      BertGoldenTest.assertClose("hidden of sequence " + s, golden.get("hidden").get(s),
          a.hidden(s));
    }
  }

  @Test
  void theVocabularyIsWordPieceWithBertsTemplate() throws Exception {
    var enc = BertGguf.tokenizer(gguf());
    // w0..w17 are words (phantom-space pieces), ##c0.. continuations; [CLS] 2 ... [SEP] 3
    assertThat(enc.encode("w3 w10").ids()).containsExactly(2, 8, 15, 3);
    assertThat(enc.tokenizer().decode(new int[] {8})).isEqualTo("w3");
    BertPipeline p = BertGguf.pipeline(gguf());
    assertThat(p.embed(java.util.List.of("w1 w2", "w5"))).hasDimensions(2, 24);
  }

  @Test
  void aMissingTensorIsNamedAsLlamaCppNamesIt(@TempDir Path dir) throws Exception {
    // another architecture is refused by name
    Path other = Fixtures.fixture("bert-base-tiny").resolve("config.json");
    assertThatThrownBy(() -> BertGguf.load(other)).isInstanceOf(CheckpointFormatException.class);
    Path copy = dir.resolve("m.gguf");
    Files.copy(gguf(), copy, StandardCopyOption.REPLACE_EXISTING);
    byte[] bytes = Files.readAllBytes(copy);
    // rename blk.1.ffn_up.weight to blk.1.ffn_xx.weight in the header
    String s = new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1);
    int at = s.indexOf("blk.1.ffn_up.weight");
    assertThat(at).isPositive();
    bytes[at + 10] = 'x';
    bytes[at + 11] = 'x';
    Files.write(copy, bytes);
    assertThatThrownBy(() -> BertGguf.load(copy)).isInstanceOf(CheckpointFormatException.class)
        .hasMessageContaining("tensor 'blk.1.ffn_up.weight' is missing");
  }

  /** The fixture's vocabulary as vocab.txt lines (scripts/gen_bert_gguf.py's vocabulary(40)). */
  static List<String> vocabulary() {
    List<String> v = new ArrayList<>(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"));
    for (int i = 0; i < 18; i++) {
      v.add("w" + i);
    }
    for (int i = 0; i < 17; i++) {
      v.add("##c" + i);
    }
    return v;
  }

  @Test
  void writesWhatGgufPyWrites(@TempDir Path dir) throws Exception {
    BertWeights hf = BertCheckpoint.load(Fixtures.fixture("bert-base-tiny")).weights();
    Path out = dir.resolve("written.gguf");
    BertGguf.save(out, hf, Pooling.MEAN, vocabulary());
    // every metadata entry gguf-py wrote (but the model name), byte for byte
    Map<String, GgufKv> mine = new HashMap<>();
    GgufKv.readAll(out).forEach(k -> mine.put(k.key(), k));
    for (GgufKv k : GgufKv.readAll(gguf())) {
      if (k.key().equals("general.name")) {
        continue;
      }
      assertThat(mine).as(k.key()).containsKey(k.key());
      assertThat(mine.get(k.key()).type()).as(k.key()).isEqualTo(k.type());
      assertThat(mine.get(k.key()).value()).as(k.key()).isEqualTo(k.value());
    }
    // the same tensors, names and dims, and the same model back
    try (GgufFile a = GgufFile.open(gguf()); GgufFile b = GgufFile.open(out)) {
      assertThat(b.tensors().keySet()).containsExactlyInAnyOrderElementsOf(a.tensors().keySet());
      a.tensors().forEach((n, t) -> assertThat(b.tensors().get(n).dims()).as(n).isEqualTo(t.dims()));
    }
    BertWeights back = BertGguf.load(out).weights();
    back.named().forEach((n, t) -> assertThat(t.toArray()).as(n).isEqualTo(hf.named().get(n).toArray()));
    assertThat(BertGguf.tokenizer(out).encode("w3 w10").ids()).containsExactly(2, 8, 15, 3);
    assertThatThrownBy(() -> BertGguf.save(out, hf, Pooling.MEAN, vocabulary().subList(0, 39)))
        .hasMessageContaining("39 vocabulary pieces for a model of vocab_size 40");
  }
}
