package dev.llmkit.model.nn;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmkit.model.InferenceSession;
import dev.llmkit.model.generate.GenerationOptions;
import dev.llmkit.model.generate.GenerationResult;
import dev.llmkit.model.generate.Generator;
import dev.llmkit.model.io.Checkpoints;
import dev.llmkit.model.io.LoadedModel;
import dev.llmkit.sampling.Samplers;
import dev.llmkit.sampling.SamplingContext;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The real pretrained stories260K (llama2.c format) from the testdata folder: logits at positions
 * 0–4 of {@code Once upon a time} against the float64 reference, and both greedy golden id sequences
 * of llama2.c's run.c reproduced exactly.
 */
class Stories260KTest {

  static Path dir;
  static Transformer model;

  @BeforeAll
  static void load() throws IOException {
    String data = System.getProperty("llmkit.test.data", "../testdata");
    dir = Path.of(data, "llama2c-stories260K");
    model = new Transformer(Checkpoints.load(dir.resolve("stories260K.bin")).weights());
  }

  /** Reads a golden .ids file: a comment line, then a Python list. */
  static int[] goldenIds(String file) throws IOException {
    String list = Files.readAllLines(dir.resolve(file)).stream()
        .filter(l -> l.startsWith("[")).findFirst().orElseThrow();
    return Arrays.stream(list.replaceAll("[\\[\\]\\s]", "").split(","))
        .mapToInt(Integer::parseInt).toArray();
  }

  @Test
  void logitsOfOnceUponATimeMatchTheReference() throws IOException {
    List<String> lines = Files.readAllLines(dir.resolve("reference-logits-once-upon-a-time.txt"));
    int[] ids = {1, 403, 407, 261, 378};
    try (InferenceSession s = model.newSession()) {
      var all = model.newSession().forwardAll(ids, 0, ids.length);
      int pos = 0;
      for (String line : lines) {
        if (line.startsWith("#") || line.isBlank()) {
          continue;
        }
        String[] f = line.trim().split("\\s+");
        assertThat(Integer.parseInt(f[0])).isEqualTo(pos);
        assertThat(Integer.parseInt(f[1])).isEqualTo(ids[pos]);
        double[] expected = new double[f.length - 3];
        for (int j = 0; j < expected.length; j++) {
          expected[j] = Double.parseDouble(f[j + 3]);
        }
        float[] decoded = s.forward(ids, pos, 1);
        assertThat(argmax(decoded)).isEqualTo(Integer.parseInt(f[2]));
        assertThat(TransformerTest.relativeError(decoded, expected)).as("decode pos %d", pos)
            .isLessThanOrEqualTo(1e-4);
        assertThat(TransformerTest.relativeError(all.row(pos).toArray(), expected))
            .as("prefill pos %d", pos).isLessThanOrEqualTo(1e-4);
        pos++;
      }
      assertThat(pos).isEqualTo(5);
    }
  }

  @Test
  void greedyWithoutPromptReproducesRunC() throws IOException {
    int[] golden = goldenIds("greedy-t0-noprompt-256steps.ids");
    // BOS and 256 generated tokens
    assertThat(golden).hasSize(257);
    assertThat(greedy(new int[] {1}, golden.length - 1)).containsExactly(golden);
  }

  @Test
  void greedyAfterOnceUponATimeReproducesRunC() throws IOException {
    int[] golden = goldenIds("greedy-t0-once-upon-a-time-64steps.ids");
    assertThat(golden).hasSize(65);
    int[] prompt = {1, 403, 407, 261, 378};
    assertThat(Arrays.copyOf(golden, 5)).containsExactly(prompt);
    // run.c's 64 steps are positions 0..63: the prompt's 5 then 60 new tokens (the last is sampled
    // at position 63 and printed without being forwarded)
    assertThat(greedy(prompt, golden.length - prompt.length)).containsExactly(golden);
  }

  @Test
  void theGeneratorReproducesBothGoldenTexts() throws IOException {
    LoadedModel loaded =
        Checkpoints.load(dir.resolve("stories260K.bin"), dir.resolve("tok512.bin"));
    Generator g = new Generator(model, loaded.tokenizer(), Samplers.greedy());
    // no prompt: run.c starts from BOS and prints every token after it (leading space stripped);
    // it stops on BOS (id 1) only, so no stop token here
    GenerationResult free = g.generate("",
        GenerationOptions.maxTokens(256).withStopTokens(Set.of(1)), new SamplingContext(0), null);
    int[] goldenFree = goldenIds("greedy-t0-noprompt-256steps.ids");
    assertThat(free.tokens()).containsExactly(Arrays.copyOfRange(goldenFree, 1, goldenFree.length));
    assertThat(free.text()).isEqualTo(goldenText("greedy-t0-noprompt-256steps.txt"));
    // after the prompt: run.c prints the prompt too; the generator returns only the continuation
    StringBuilder streamed = new StringBuilder();
    GenerationResult cont = g.generate("Once upon a time",
        GenerationOptions.maxTokens(60).withStopTokens(Set.of(1)), new SamplingContext(0),
        (token, text) -> streamed.append(text));
    assertThat(cont.promptTokens()).isEqualTo(5);
    assertThat("Once upon a time" + cont.text())
        .isEqualTo(goldenText("greedy-t0-once-upon-a-time-64steps.txt"));
    assertThat(streamed.toString()).isEqualTo(cont.text());
  }

  static String goldenText(String file) throws IOException {
    String t = Files.readString(dir.resolve(file), StandardCharsets.UTF_8);
    return t.endsWith("\n") ? t.substring(0, t.length() - 1) : t;
  }

  /** The prompt followed by n greedy tokens, llama2.c style (argmax, first index wins ties). */
  private static int[] greedy(int[] prompt, int n) {
    int[] out = Arrays.copyOf(prompt, prompt.length + n);
    try (InferenceSession s = model.newSession()) {
      float[] logits = s.forward(prompt);
      for (int i = 0; i < n; i++) {
        int next = argmax(logits);
        out[prompt.length + i] = next;
        if (i + 1 < n) {
          logits = s.forward(next);
        }
      }
    }
    return out;
  }

  static int argmax(float[] v) {
    int best = 0;
    for (int i = 1; i < v.length; i++) {
      if (v[i] > v[best]) {
        best = i;
      }
    }
    return best;
  }
}
