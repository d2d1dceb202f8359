package dev.llmkit.model.bert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.llmkit.model.io.CheckpointFormatException;
import dev.llmkit.tokenizer.encoding.Encoding;
import dev.llmkit.tokenizer.encoding.TemplateEncoder;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real all-MiniLM-L6-v2 (ONNX export and tokenizer.json from the langchain4j artifact, test
 * scope) imported from ONNX and compared with ONNX Runtime running the original file: mean-pooled,
 * normalised sentence embeddings (as sentence-transformers configures MiniLM) with cosine ≥ 0.9999,
 * last hidden states and the pooler output within 1e-4 relative, on a padded batch of sentences.
 */
class MiniLmOnnxTest {

  static final List<String> SENTENCES = List.of(
      "The cat sits on the mat.",
      "A feline rests on a rug.",
      "Stock markets fell sharply on Monday after the announcement.",
      "How do I bake sourdough bread at home?",
      "Java is a programming language; Python is another.",
      "Hello!",
      "Transformers use self-attention to mix information between tokens in a sequence, "
          + "and BERT sees the whole sentence at once.",
      "Je ne parle pas français très bien.",
      "The quick brown fox jumps over the lazy dog.",
      "What is the capital of Australia?",
      "Canberra is the capital city of Australia.",
      "I love hiking in the mountains during summer.",
      "Électricité, café and naïve façades: accents are stripped.",
      "1234 5678 numbers and $pecial ch@racters #hashtag",
      "He said: \"don't do that\" — and left.",
      "Short.",
      "Rain is expected tomorrow in the northern regions of the country.",
      "The mitochondria is the powerhouse of the cell.",
      "Quantum computers exploit superposition and entanglement.",
      "A man is playing a guitar on stage.",
      "Someone performs music with a stringed instrument.",
      "The weather today is sunny with a light breeze.",
      "東京は日本の首都です。",
      "Machine learning models need data, compute and careful evaluation.");

  @TempDir
  static Path tmp;

  static Path onnx;
  static TemplateEncoder tokens;
  static BertWeights imported;

  @BeforeAll
  static void extract() throws IOException {
    onnx = copy("/all-minilm-l6-v2.onnx", "model.onnx");
    tokens = TemplateEncoder.load(copy("/all-minilm-l6-v2-tokenizer.json", "tokenizer.json"));
    imported = OnnxBertImport.read(onnx);
  }

  static Path copy(String resource, String name) throws IOException {
    Path p = tmp.resolve(name);
    try (InputStream in = MiniLmOnnxTest.class.getResourceAsStream(resource)) {
      assertThat(in).as(resource + " on the test class path").isNotNull();
      Files.copy(in, p, StandardCopyOption.REPLACE_EXISTING);
    }
    return p;
  }

  @Test
  void importedModelMatchesOnnxRuntime() throws Exception {
    BertWeights w = imported;
    BertConfig c = w.config();
    assertThat(List.of(c.vocabSize(), c.hidden(), c.layers(), c.heads(), c.intermediate(),
        c.maxPositions(), c.typeVocabSize())).containsExactly(30522, 384, 6, 12, 1536, 512, 2);
    assertThat(c.layerNormEps()).isEqualTo(1e-12f);
    assertThat(w.pooler()).isNotNull();
    BertModel model = new BertModel(w);
    BertPipeline pipeline = new BertPipeline(model, tokens, Pooling.MEAN, true);

    int b = SENTENCES.size();
    List<Encoding> enc = SENTENCES.stream().map(pipeline::encode).toList();
    int t = enc.stream().mapToInt(Encoding::length).max().orElseThrow();
    long[][] ids = new long[b][t];
    long[][] mask = new long[b][t];
    long[][] types = new long[b][t];
    for (int i = 0; i < b; i++) {
      for (int j = 0; j < enc.get(i).length(); j++) {
        ids[i][j] = enc.get(i).ids()[j];
        mask[i][j] = 1;
        types[i][j] = enc.get(i).typeIds()[j];
      }
    }
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    float[][][] hidden;
    float[][] pooled;
    try (OrtSession s = env.createSession(onnx.toString(), new OrtSession.SessionOptions());
        OnnxTensor a = OnnxTensor.createTensor(env, ids);
        OnnxTensor m = OnnxTensor.createTensor(env, mask);
        OnnxTensor ty = OnnxTensor.createTensor(env, types);
        OrtSession.Result r = s.run(Map.of("input_ids", a, "attention_mask", m, "token_type_ids", ty))) {
      hidden = (float[][][]) r.get(0).getValue();
      pooled = (float[][]) r.get(1).getValue();
    }

    float[][] ours = pipeline.embed(SENTENCES);
    BertOutput out = model.encode(enc.stream().map(Encoding::ids).toArray(int[][]::new),
        enc.stream().map(Encoding::typeIds).toArray(int[][]::new), false);
    float[] ourPooled = model.pooled(out.cls()).toArray();
    double worstCos = 1;
    for (int i = 0; i < b; i++) {
      int n = enc.get(i).length();
      // reference embedding: mask-weighted mean of ORT's hidden states, L2-normalised
      double[] ref = new double[384];
      for (int j = 0; j < n; j++) {
        for (int k = 0; k < 384; k++) {
          ref[k] += hidden[i][j][k] / n;
        }
      }
      worstCos = Math.min(worstCos, cosine(ref, ours[i]));
      float[] h = out.hidden(i).toArray();
      assertClose("hidden states of sentence " + i, hidden[i], n, h);
      assertClose("pooler output of sentence " + i, new float[][] {pooled[i]}, 1,
          java.util.Arrays.copyOfRange(ourPooled, i * 384, (i + 1) * 384));
      double norm = 0;
      for (float f : ours[i]) {
        norm += f * f;
      }
      assertThat(norm).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5));
    }
    assertThat(worstCos).as("lowest cosine over %d sentences", b).isGreaterThanOrEqualTo(0.9999);
    // the embeddings mean something: paraphrases are closer than unrelated sentences
    assertThat(dot(ours[0], ours[1])).isGreaterThan(dot(ours[0], ours[2]) + 0.3);
    assertThat(dot(ours[19], ours[20])).isGreaterThan(dot(ours[19], ours[17]) + 0.3);
  }

  static void assertClose(String what, float[][] ref, int rows, float[] ours) {
    double max = 0;
    double err = 0;
    for (int j = 0; j < rows; j++) {
      for (int k = 0; k < ref[j].length; k++) {
        max = Math.max(max, Math.abs(ref[j][k]));
        err = Math.max(err, Math.abs(ref[j][k] - ours[j * ref[j].length + k]));
      }
    }
    assertThat(err).as(what + " max error vs max " + max).isLessThanOrEqualTo(1e-4 * max);
  }

  static double cosine(double[] a, float[] b) {
    double ab = 0;
    double aa = 0;
    double bb = 0;
    for (int i = 0; i < a.length; i++) {
      ab += a[i] * b[i];
      aa += a[i] * a[i];
      bb += (double) b[i] * b[i];
    }
    return ab / Math.sqrt(aa * bb);
  }

  static double dot(float[] a, float[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }

  @Test
  void convertedFolderReloadsTheSameModel() throws IOException {
    BertWeights w = imported;
    Path dir = tmp.resolve("converted");
    BertCheckpoint.save(dir, w, Pooling.MEAN, true);
    Files.copy(tmp.resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
    BertPipeline p = BertPipeline.load(dir);
    BertPipeline direct = new BertPipeline(new BertModel(w), tokens, Pooling.MEAN, true);
    assertThat(p.embed(SENTENCES.subList(0, 3))).isDeepEqualTo(direct.embed(SENTENCES.subList(0, 3)));
  }

  @Test
  void badBytesAreAClearError() throws IOException {
    Path bad = tmp.resolve("bad.onnx");
    byte[] head = new byte[4096];
    try (InputStream in = Files.newInputStream(onnx)) {
      in.readNBytes(head, 0, head.length);
    }
    Files.write(bad, head); // truncated in the middle of the graph
    assertThatThrownBy(() -> OnnxBertImport.read(bad))
        .isInstanceOf(CheckpointFormatException.class)
        .hasMessageContaining("bad.onnx")
        .hasMessageContaining("not a valid ONNX");
    Files.writeString(bad, "hello, this is not protobuf at all");
    assertThatThrownBy(() -> OnnxBertImport.read(bad))
        .isInstanceOf(CheckpointFormatException.class)
        .hasMessageContaining("bad.onnx");
  }
}
