package dev.llmkit.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmkit.model.InferenceSession;
import dev.llmkit.model.t5.T5Config;
import dev.llmkit.model.t5.T5Decoder;
import dev.llmkit.model.t5.T5Model;
import dev.llmkit.model.t5.T5Weights;
import dev.llmkit.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code llm logits --decoder-ids} and {@code llm generate --prompt-ids --output ids} on a T5 folder. */
class Seq2SeqCommandsTest {

  @TempDir static Path dir;
  static Path t5;
  static T5Model model;

  @BeforeAll
  static void randomT5Folder() throws Exception {
    T5Config c = T5Config.builder().vocabSize(50).dModel(16).dKv(4).numHeads(3).dFf(24)
        .numLayers(2).numDecoderLayers(1).numBuckets(8).maxDistance(16)
        .feedForward(T5Config.FeedForward.GATED_GELU).tiedEmbeddings(false).contextLength(24).build();
    T5Weights w = T5Weights.random(c, 5);
    t5 = dir.resolve("t5");
    w.save(t5);
    model = new T5Model(w);
  }

  @Test
  void logitsOfTheDecoderIdsAreWrittenAsTDecByV() throws Exception {
    Path out = dir.resolve("l.npy");
    CliRun.Result r = CliRun.run("logits", "--model", t5.toString(), "--ids", "5 7 9 11 1",
        "--decoder-ids", "0 3 4", "--out", out.toString());
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out().trim()).isEqualTo("shape 3 50");
    float[] values = npy(out, 150);
    Tensor expected = model.logits(new int[] {5, 7, 9, 11, 1}, new int[] {0, 3, 4});
    assertThat(values).containsExactly(expected.toArray());
  }

  @Test
  void decoderIdsAreRequiredForT5AndRefusedForDecoderOnly() {
    CliRun.Result r = CliRun.run("logits", "--model", t5.toString(), "--ids", "5 7", "--out",
        dir.resolve("x.npy").toString());
    assertThat(r.exitCode()).isEqualTo(CliErrors.BAD_INPUT);
    assertThat(r.err()).contains("--decoder-ids is required");
    CliRun.Result over = CliRun.run("logits", "--model", t5.toString(), "--ids", "5 7",
        "--decoder-ids", String.join(" ", java.util.Collections.nCopies(25, "3")), "--out",
        dir.resolve("x.npy").toString());
    assertThat(over.exitCode()).isEqualTo(CliErrors.BAD_INPUT);
    assertThat(over.err()).contains("context length 24");
  }

  @Test
  void generateWithPromptIdsPrintsTheGreedyIdsOnOneLine() {
    CliRun.Result r = CliRun.run("generate", "--model", t5.toString(), "--prompt-ids", "5 7 9 11 1",
        "--temperature", "0", "--max-tokens", "6", "--output", "ids");
    assertThat(r.exitCode()).as(r.err()).isZero();
    int[] expected = greedy(new int[] {5, 7, 9, 11, 1}, 6);
    assertThat(r.out().trim()).isEqualTo(
        Arrays.stream(expected).mapToObj(Integer::toString).collect(Collectors.joining(" ")));
    assertThat(r.err()).contains("finish ");
  }

  @Test
  void generateNeedsExactlyOnePromptAndAKnownOutput() {
    assertThat(CliRun.run("generate", "--model", t5.toString(), "--output", "ids").err())
        .contains("exactly one of --prompt and --prompt-ids");
    assertThat(CliRun.run("generate", "--model", t5.toString(), "--prompt-ids", "3", "--output", "xml")
        .err()).contains("--output must be text or ids");
    assertThat(CliRun.run("generate", "--model", t5.toString(), "--prompt", "hello").err())
        .contains("no tokenizer.json or spiece.model");
    assertThat(CliRun.run("generate", "--model", t5.toString(), "--prompt-ids", "3", "--sliding-window")
        .err()).contains("not supported for the encoder-decoder model");
  }

  @Test
  void oneBeamIsGreedyAndEveryBeamScoreIsItsTeacherForcedLogProbability() {
    int[] enc = {5, 7, 9, 11, 1};
    CliRun.Result one = CliRun.run("generate", "--model", t5.toString(), "--prompt-ids", "5 7 9 11 1",
        "--num-beams", "1", "--max-tokens", "6", "--output", "ids");
    assertThat(one.exitCode()).as(one.err()).isZero();
    assertThat(one.out().trim()).isEqualTo(Arrays.stream(greedy(enc, 6))
        .mapToObj(Integer::toString).collect(Collectors.joining(" ")));

    CliRun.Result r = CliRun.run("generate", "--model", t5.toString(), "--prompt-ids", "5 7 9 11 1",
        "--num-beams", "3", "--num-return-sequences", "2", "--max-tokens", "5", "--output", "ids");
    assertThat(r.exitCode()).as(r.err()).isZero();
    String[] blocks = r.out().trim().split("\\R---\\R");
    assertThat(blocks).hasSize(2);
    String[] scores = r.err().lines().filter(l -> l.startsWith("beam ")).toArray(String[]::new);
    assertThat(scores).hasSize(2);
    for (int b = 0; b < 2; b++) {
      int[] ids = Arrays.stream(blocks[b].trim().split(" ")).mapToInt(Integer::parseInt).toArray();
      // teacher forcing: decoder input = start + ids[..n-1]; the sum of log-softmax at each chosen id
      T5Decoder d = model.conditionedOn(enc);
      int[] in = new int[ids.length];
      in[0] = d.startIds()[0];
      System.arraycopy(ids, 0, in, 1, ids.length - 1);
      Tensor logits = model.logits(enc, in);
      double sum = 0;
      for (int t = 0; t < ids.length; t++) {
        double max = Double.NEGATIVE_INFINITY;
        for (int v = 0; v < logits.dim(1); v++) {
          max = Math.max(max, logits.get(t, v));
        }
        double z = 0;
        for (int v = 0; v < logits.dim(1); v++) {
          z += Math.exp(logits.get(t, v) - max);
        }
        sum += logits.get(t, ids[t]) - max - Math.log(z);
      }
      String printed = scores[b].replaceAll(".*sum_logprobs (-?[0-9.]+),.*", "$1");
      assertThat(Double.parseDouble(printed)).as("beam %d", b).isCloseTo(sum, org.assertj.core.data.Offset.offset(2e-3));
    }
  }

  /** The first n float32 values of a version-1 .npy file. */
  static float[] npy(Path file, int n) throws java.io.IOException {
    byte[] b = Files.readAllBytes(file);
    int header = (b[8] & 0xff) | (b[9] & 0xff) << 8;
    float[] values = new float[n];
    ByteBuffer.wrap(b, 10 + header, 4 * n).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
    return values;
  }

  static int[] greedy(int[] enc, int n) {
    return greedy(model, enc, n);
  }

  static int[] greedy(T5Model model, int[] enc, int n) {
    T5Decoder d = model.conditionedOn(enc);
    int[] out = new int[n];
    int count = 0;
    try (InferenceSession s = d.newSession()) {
      float[] logits = s.forward(d.startIds());
      while (count < n) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
          best = logits[i] > logits[best] ? i : best;
        }
        out[count++] = best;
        if (best == model.config().eosTokenId()) {
          break;
        }
        logits = s.forward(out, count - 1, 1);
      }
    }
    return Arrays.copyOf(out, count);
  }

  @Test
  void aT5GgufRunsAsItsFolderDoes() throws Exception {
    // llama.cpp's t5 GGUF of the t5-gated-untied fixture (scripts/gen_t5_gguf.py)
    Path fixtures = Path.of("../llm-model/src/test/resources/fixtures/t5-gated-untied");
    Path out = dir.resolve("g.npy");
    CliRun.Result r = CliRun.run("logits", "--model", fixtures.resolve("model.gguf").toString(),
        "--ids", "5 7 9 11 1", "--decoder-ids", "0 3 4", "--out", out.toString());
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out().trim()).isEqualTo("shape 3 80");
    float[] values = npy(out, 240);
    T5Model folder = T5Model.load(fixtures);
    assertThat(values).containsExactly(
        folder.logits(new int[] {5, 7, 9, 11, 1}, new int[] {0, 3, 4}).toArray());
    CliRun.Result g = CliRun.run("generate", "--model", fixtures.resolve("model.gguf").toString(),
        "--prompt-ids", "5 7 9 11 1", "--temperature", "0", "--max-tokens", "4", "--output", "ids");
    assertThat(g.exitCode()).as(g.err()).isZero();
    assertThat(g.out().trim()).isEqualTo(Arrays.stream(greedy(folder, new int[] {5, 7, 9, 11, 1}, 4))
        .mapToObj(Integer::toString).collect(Collectors.joining(" ")));
  }
}
