package dev.llmkit.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code llm fill-mask}, {@code llm embed}, {@code llm logits} on an encoder and
 * {@code llm convert --model model.onnx}: the tiny BERT fixture of llm-model (golden MLM logits from
 * scripts/gen_bert_fixtures.py) and the real all-MiniLM-L6-v2 ONNX export (test scope).
 */
class EncoderCommandsTest {

  static final Path TINY = Path.of("../llm-model/src/test/resources/fixtures/bert-mlm-tiny");

  @TempDir Path tmp;

  /** The tiny MLM fixture with a 50-token vocab.txt (ids 0..4: [PAD] [UNK] [CLS] [SEP] [MASK]). */
  Path tinyWithVocab() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("tiny"));
    Files.copy(TINY.resolve("config.json"), dir.resolve("config.json"));
    Files.copy(TINY.resolve("model.safetensors"), dir.resolve("model.safetensors"));
    List<String> vocab = new ArrayList<>(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"));
    for (int i = 5; i < 50; i++) {
      vocab.add("w" + i);
    }
    Files.write(dir.resolve("vocab.txt"), vocab);
    return dir;
  }

  @Test
  void fillMaskPrintsTokenProbLines() throws Exception {
    Path dir = tinyWithVocab();
    CliRun.Result r = CliRun.run("fill-mask", "--model", dir.toString(), "--text", "w7 [MASK] w9",
        "--top", "4");
    assertThat(r.exitCode()).as(r.err()).isZero();
    String[] lines = r.out().trim().split("\\R");
    assertThat(lines).hasSize(4);
    double previous = 1;
    double sum = 0;
    for (String l : lines) {
      String[] tp = l.split(" ");
      assertThat(tp).hasSize(2);
      double p = Double.parseDouble(tp[1]);
      assertThat(p).isBetween(0.0, previous);
      previous = p;
      sum += p;
    }
    assertThat(sum).isLessThanOrEqualTo(1.000001);
    CliRun.Result two = CliRun.run("fill-mask", "--model", dir.toString(), "--text",
        "[MASK] w8 [MASK]", "--top", "2");
    assertThat(two.out().trim().split("\\R")).hasSize(6).contains("[MASK] 0", "[MASK] 1");
    CliRun.Result none = CliRun.run("fill-mask", "--model", dir.toString(), "--text", "w8");
    assertThat(none.exitCode()).isNotZero();
    assertThat(none.err()).contains("no [MASK]");
  }

  @Test
  void logitsOfAnEncoderAreItsMlmLogits() throws Exception {
    JsonNode g = new ObjectMapper().readTree(TINY.resolve("golden.json").toFile());
    int n = g.get("lengths").get(0).asInt();
    StringBuilder ids = new StringBuilder();
    for (int t = 0; t < n; t++) {
      ids.append(t == 0 ? "" : " ").append(g.get("ids").get(0).get(t).asInt());
    }
    Path npy = tmp.resolve("mlm.npy");
    CliRun.Result r = CliRun.run("logits", "--model", tinyWithVocab().toString(), "--ids",
        ids.toString(), "--out", npy.toString());
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out().trim()).isEqualTo("shape " + n + " 50");
    float[] got = npyFloats(npy);
    JsonNode ref = g.get("mlm_logits").get(0);
    double max = 0;
    double err = 0;
    for (int t = 0; t < n; t++) {
      for (int v = 0; v < 50; v++) {
        double e = ref.get(t).get(v).asDouble();
        max = Math.max(max, Math.abs(e));
        err = Math.max(err, Math.abs(e - got[t * 50 + v]));
      }
    }
    assertThat(err).isLessThanOrEqualTo(1e-4 * max);
  }

  static float[] npyFloats(Path npy) throws Exception {
    byte[] b = Files.readAllBytes(npy);
    int header = (b[8] & 0xff) | (b[9] & 0xff) << 8;
    ByteBuffer data = ByteBuffer.wrap(b, 10 + header, b.length - 10 - header)
        .order(ByteOrder.LITTLE_ENDIAN);
    float[] f = new float[data.remaining() / 4];
    data.asFloatBuffer().get(f);
    return f;
  }

  @Test
  void convertsMiniLmFromOnnxAndEmbeds() throws Exception {
    Path onnx = tmp.resolve("model.onnx");
    Path tok = tmp.resolve("tokenizer.json");
    try (InputStream in = getClass().getResourceAsStream("/all-minilm-l6-v2.onnx")) {
      Files.copy(in, onnx);
    }
    try (InputStream in = getClass().getResourceAsStream("/all-minilm-l6-v2-tokenizer.json")) {
      Files.copy(in, tok);
    }
    Path out = tmp.resolve("minilm");
    CliRun.Result c = CliRun.run("convert", "--model", onnx.toString(), "--tokenizer",
        tok.toString(), "--out", out.toString());
    assertThat(c.exitCode()).as(c.err()).isZero();
    assertThat(c.out()).contains("format onnx").contains("parameters 22713216")
        .contains("wrote " + out.resolve("config.json"))
        .contains("wrote " + out.resolve("model.safetensors"))
        .contains("wrote " + out.resolve("tokenizer.json"))
        .contains("wrote " + out.resolve("1_Pooling/config.json"));

    Path input = tmp.resolve("sentences.txt");
    Files.write(input, List.of("A man is playing a guitar.", "Someone plays an instrument.",
        "The stock market crashed."));
    CliRun.Result e = CliRun.run("embed", "--model", out.toString(), "--input", input.toString());
    assertThat(e.exitCode()).as(e.err()).isZero();
    String[] rows = e.out().trim().split("\\R");
    assertThat(rows).hasSize(3);
    double[][] v = new double[3][];
    for (int i = 0; i < 3; i++) {
      String[] parts = rows[i].split(" ");
      assertThat(parts).hasSize(384);
      v[i] = java.util.Arrays.stream(parts).mapToDouble(Double::parseDouble).toArray();
    }
    assertThat(dot(v[0], v[0])).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-4));
    assertThat(dot(v[0], v[1])).isGreaterThan(dot(v[0], v[2]) + 0.2);

    Path npy = tmp.resolve("e.npy");
    CliRun.Result cls = CliRun.run("embed", "--model", out.toString(), "--text", "hello world",
        "--pooling", "cls", "--out", npy.toString());
    assertThat(cls.exitCode()).as(cls.err()).isZero();
    assertThat(cls.out().trim()).isEqualTo("shape 1 384");
    CliRun.Result bad = CliRun.run("embed", "--model", out.toString(), "--text", "x", "--pooling", "max");
    assertThat(bad.exitCode()).isNotZero();
    assertThat(bad.err()).contains("--pooling 'max' is not one of mean, cls");
  }

  static double dot(double[] a, double[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }
}
