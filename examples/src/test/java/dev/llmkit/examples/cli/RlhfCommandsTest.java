package dev.llmkit.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmkit.model.config.ModelConfig;
import dev.llmkit.model.weights.ModelWeights;
import dev.llmkit.tokenizer.CharTokenizer;
import dev.llmkit.training.finetune.Jsonl;
import dev.llmkit.training.finetune.PreferencePair;
import dev.llmkit.training.rlhf.RewardModel;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** llm rank, reward-train, rlhf and best-of-n on the bundled stories260K. */
class RlhfCommandsTest {

  private static final String MODEL = "bundled:stories260K";

  @TempDir Path tmp;

  @Test
  void rankReadsARankingFromStdinAndAppendsEveryImpliedPair() throws Exception {
    Path prompts = tmp.resolve("prompts.txt");
    Files.writeString(prompts, "Once upon a time\n\nTom had a ball.\n");
    Path prefs = tmp.resolve("prefs.jsonl");
    InputStream stdin = System.in;
    CliRun.Result r;
    try {
      // first prompt: a full ranking of two of three (2 over 1, both over 3); second: just the best
      System.setIn(new ByteArrayInputStream("2 1\n7\n3\n".getBytes(StandardCharsets.UTF_8)));
      r = CliRun.run("rank", "--model", MODEL, "--prompts", prompts.toString(), "--samples", "3",
          "--max-tokens", "12", "--out", prefs.toString());
    } finally {
      System.setIn(stdin);
    }
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out()).contains("=== prompt: Once upon a time", "--- [3]", "7 is not a response number (1..3)");
    List<String> shown = new ArrayList<>();
    String[] lines = r.out().split("\n");
    for (int i = 0; i < lines.length; i++) {
      if (lines[i].startsWith("--- [")) {
        shown.add(lines[i + 1]);
      }
    }
    assertThat(shown).hasSize(6);
    List<PreferencePair> pairs = Jsonl.readPreferences(prefs);
    assertThat(pairs).hasSize(5);
    assertThat(r.out()).endsWith("pairs_appended 5\n");
    assertThat(pairs.get(0)).isEqualTo(new PreferencePair("Once upon a time", shown.get(1), shown.get(0)));
    assertThat(pairs.get(1)).isEqualTo(new PreferencePair("Once upon a time", shown.get(1), shown.get(2)));
    assertThat(pairs.get(2)).isEqualTo(new PreferencePair("Once upon a time", shown.get(0), shown.get(2)));
    assertThat(pairs.get(3)).isEqualTo(new PreferencePair("Tom had a ball.", shown.get(5), shown.get(3)));
    assertThat(pairs.get(4)).isEqualTo(new PreferencePair("Tom had a ball.", shown.get(5), shown.get(4)));
  }

  @Test
  void rewardTrainThenRlhfThenBestOfN() throws Exception {
    List<PreferencePair> pairs = new ArrayList<>();
    String[] names = {"Tom", "Lily", "Ben", "Mia", "Sam"};
    for (String n : names) {
      pairs.add(new PreferencePair(n + " went out.", " " + n + " saw a dog.", " " + n + " saw a tree."));
      pairs.add(new PreferencePair(n + " was sad.", " The dog came to play.", " The sun came out."));
    }
    Path prefs = tmp.resolve("prefs.jsonl");
    Jsonl.appendPreferences(prefs, pairs);
    Path rm = tmp.resolve("rm");
    CliRun.Result t = CliRun.run("reward-train", "--model", MODEL, "--data", prefs.toString(), "--out",
        rm.toString(), "--steps", "10", "--batch", "4", "--held-out", "0.2");
    assertThat(t.exitCode()).as(t.err()).isZero();
    Map<String, String> kv = CliRun.keyValues(t.out());
    assertThat(kv).containsKeys("pairs", "held_out_pairs", "pair_accuracy");
    assertThat(kv.get("held_out_pairs")).isEqualTo("2");
    assertThat(Double.parseDouble(kv.get("pair_accuracy"))).isBetween(0.0, 1.0);
    assertThat(rm.resolve("config.json")).content().contains("LlamaForSequenceClassification");

    Path prompts = tmp.resolve("prompts.txt");
    Files.writeString(prompts, "Tom went out.\nLily was sad.\nBen had a ball.\nMia saw the sun.\nSam ran.\n");
    for (String method : List.of("grpo", "ppo")) {
      CliRun.Result r = CliRun.run("rlhf", "--method", method, "--policy", MODEL, "--reward-model", rm.toString(),
          "--prompts", prompts.toString(), "--steps", "1", "--samples", "2", "--batch", "2", "--max-tokens",
          "8", "--out", tmp.resolve("policy-" + method).toString());
      assertThat(r.exitCode()).as(r.err()).isZero();
      Map<String, String> m = CliRun.keyValues(r.out());
      assertThat(m.keySet()).containsExactly("held_out_prompts", "mean_reward_before", "mean_reward_after",
          "kl_to_reference");
      assertThat(m.get("held_out_prompts")).isEqualTo("1");
      assertThat(Double.parseDouble(m.get("kl_to_reference"))).isFinite();
      assertThat(r.err()).contains(method + " step 1/1");
      assertThat(tmp.resolve("policy-" + method).resolve("model.safetensors")).exists();
    }

    CliRun.Result b = CliRun.run("best-of-n", "--model", MODEL, "--reward-model", rm.toString(), "--prompt",
        "Tom went out.", "--n", "3", "--max-tokens", "10");
    assertThat(b.exitCode()).as(b.err()).isZero();
    String[] out = b.out().trim().split("\n");
    assertThat(out[out.length - 1]).startsWith("reward ");
    assertThat(b.err()).contains("candidate 3 (seed 1339): reward");
    CliRun.Result zero = CliRun.run("best-of-n", "--model", MODEL, "--reward-model", rm.toString(), "--prompt",
        "Tom", "--n", "0");
    assertThat(zero.exitCode()).isEqualTo(1);
    assertThat(zero.err()).contains("--n must be >= 1 (the number of responses to draw), got 0");
  }

  @Test
  void badInputGetsClearErrors() throws Exception {
    Path prefs = tmp.resolve("bad.jsonl");
    Files.writeString(prefs, "{\"prompt\": \"a\", \"chosen\": \"b\", \"rejected\": \"c\"}\n"
        + "{\"prompt\": \"a\", \"chosen\": \"\", \"rejected\": \"c\"}\n");
    CliRun.Result r = CliRun.run("reward-train", "--model", MODEL, "--data", prefs.toString(), "--out",
        tmp.resolve("rm").toString());
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err()).contains("line 2", "must not be empty");

    // a reward model over another tokenizer
    CharTokenizer chars = CharTokenizer.fromCorpus("abcdefghijklmnopqrstuvwxyz .");
    Path other = tmp.resolve("other-rm");
    RewardModel.fromBase(ModelWeights.init(ModelConfig.llama(chars.vocabSize(), 64, 1, 2, 2, 16, 32), 1, 0.02f),
        chars, 1).save(other);
    Path prompts = tmp.resolve("prompts.txt");
    Files.writeString(prompts, "Tom went out.\nLily was sad.\n");
    CliRun.Result m = CliRun.run("rlhf", "--method", "grpo", "--policy", MODEL, "--reward-model", other.toString(),
        "--prompts", prompts.toString(), "--steps", "1", "--out", tmp.resolve("p").toString());
    assertThat(m.exitCode()).isEqualTo(1);
    assertThat(m.err()).contains("the reward model's tokenizer differs from the policy's");
    CliRun.Result lm = CliRun.run("best-of-n", "--model", MODEL, "--reward-model", tmp.toString(), "--prompt",
        "Tom", "--n", "2");
    assertThat(lm.exitCode()).isEqualTo(1);
    assertThat(lm.err()).contains("is not a reward model folder");
  }
}
