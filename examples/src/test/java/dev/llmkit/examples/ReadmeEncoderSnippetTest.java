package dev.llmkit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmkit.model.bert.BertCheckpoint;
import dev.llmkit.model.bert.BertModel;
import dev.llmkit.model.bert.BertOutput;
import dev.llmkit.model.bert.BertPipeline;
import dev.llmkit.model.bert.OnnxBertImport;
import dev.llmkit.model.bert.Pooling;
import dev.llmkit.tensor.Tensor;
import dev.llmkit.tokenizer.encoding.TemplateEncoder;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * README.md's "Encoder models (BERT)" snippet, line for line (paths point at copies: the MiniLM ONNX
 * file of the langchain4j test dependency, and llm-model's tiny BERT fixtures with a made-up
 * vocab.txt).
 */
class ReadmeEncoderSnippetTest {

  static final Path FIXTURES = Path.of("../llm-model/src/test/resources/fixtures");

  @TempDir Path tmp;

  Path folder(String fixture, String name, int vocab) throws Exception {
    Path dir = Files.createDirectories(tmp.resolve(name));
    Files.copy(FIXTURES.resolve(fixture).resolve("config.json"), dir.resolve("config.json"));
    Files.copy(FIXTURES.resolve(fixture).resolve("model.safetensors"), dir.resolve("model.safetensors"));
    List<String> words = new ArrayList<>(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"));
    for (int i = words.size(); i < vocab; i++) {
      words.add("w" + i);
    }
    Files.write(dir.resolve("vocab.txt"), words);
    return dir;
  }

  Path resource(String name, String as) throws Exception {
    try (InputStream in = getClass().getResourceAsStream("/" + name)) {
      Files.copy(in, tmp.resolve(as));
    }
    return tmp.resolve(as);
  }

  @Test
  void encoderModels() throws Exception {
    Path onnx = resource("all-minilm-l6-v2.onnx", "all-minilm-l6-v2.onnx");
    Path tokenizer = resource("all-minilm-l6-v2-tokenizer.json", "tokenizer.json");
    Path bertMlm = folder("bert-mlm-tiny", "bert-mlm", 50);
    Path sentiment = folder("bert-cls-tiny", "sentiment", 40);

    BertPipeline minilm = new BertPipeline(new BertModel(OnnxBertImport.read(onnx)),
        TemplateEncoder.load(tokenizer), Pooling.MEAN, true);   // mean pooling, L2-normalised
    float[][] vectors = minilm.embed(List.of("A man plays the guitar.", "Someone makes music."));  // batches of 32
    BertCheckpoint.save(tmp.resolve("minilm"), minilm.model().weights(), Pooling.MEAN, true);  // a Hugging Face folder

    BertPipeline mlm = BertPipeline.load(bertMlm);   // a folder with config.json, safetensors, vocab
    List<List<BertPipeline.Candidate>> fills = mlm.fillMask("Paris is the [MASK] of France.", 5);
    List<BertPipeline.LabelProbability> labels = BertPipeline.load(sentiment).classify("Great film!");

    BertOutput out = mlm.model().encode(new int[][] {{2, 17, 3}, {2, 3}}, null, true);  // ids, type ids
    Tensor heads = out.attention(0, 0);                           // layer 0, sentence 0: (heads, T, T)

    double cos = 0;
    for (int i = 0; i < 384; i++) {
      cos += vectors[0][i] * vectors[1][i];
    }
    assertThat(cos).isGreaterThan(0.4);
    assertThat(Files.exists(tmp.resolve("minilm/1_Pooling/config.json"))).isTrue();
    assertThat(fills).hasSize(1);
    assertThat(fills.get(0)).hasSize(5);
    assertThat(labels).extracting(BertPipeline.LabelProbability::label)
        .containsExactly("negative", "neutral", "positive");
    assertThat(labels.stream().mapToDouble(BertPipeline.LabelProbability::probability).sum())
        .isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5));
    assertThat(heads.shape()).containsExactly(4, 3, 3);
    float[] row = new float[3];
    heads.buffer().get(0, row);
    assertThat(row[0] + row[1] + row[2]).isCloseTo(1f, org.assertj.core.data.Offset.offset(1e-5f));
  }
}
