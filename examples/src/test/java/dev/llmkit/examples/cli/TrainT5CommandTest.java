package dev.llmkit.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmkit.model.t5.T5Model;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code llm train --arch t5 --data PAIRS.jsonl}: summary lines, a loadable T5 folder, generation from it. */
class TrainT5CommandTest {

  @Test
  void trainsOnJsonlPairsSavesAT5FolderAndGenerateReadsIt(@TempDir Path dir) throws Exception {
    List<String> lines = new ArrayList<>();
    String[] words = {"abc", "bca", "cab", "ba", "ac", "cbba", "aab", "bbc"};
    for (int i = 0; i < 40; i++) {
      String w = words[i % words.length];
      lines.add("{\"source\": \"" + w + "\", \"target\": \"" + new StringBuilder(w).reverse() + "\"}");
    }
    Path data = dir.resolve("pairs.jsonl");
    Files.write(data, lines);
    Path out = dir.resolve("model");
    CliRun.Result r = CliRun.run("train", "--arch", "t5", "--data", data.toString(), "--out",
        out.toString(), "--iters", "6", "--batch", "4", "--dim", "16", "--heads", "2", "--layers", "1",
        "--block", "16", "--warmup", "2", "--eval-iters", "2");
    assertThat(r.exitCode()).as(r.err()).isZero();
    Map<String, String> kv = CliRun.keyValues(r.out());
    assertThat(kv.keySet()).containsExactly("train_tok_per_s", "final_train_loss", "final_val_loss");
    assertThat(Double.parseDouble(kv.get("final_val_loss"))).isPositive();
    T5Model model = T5Model.load(out);
    assertThat(model.config().vocabSize()).isEqualTo(5); // pad, EOS, a, b, c
    assertThat(model.config().numLayers()).isEqualTo(1);
    CliRun.Result g = CliRun.run("generate", "--model", out.toString(), "--prompt", "abc",
        "--temperature", "0", "--max-tokens", "4", "--output", "ids");
    assertThat(g.exitCode()).as(g.err()).isZero();
    assertThat(g.out().trim()).matches("[0-4]( [0-4]){0,3}");
  }

  @Test
  void aLineThatIsNotAPairIsNamed(@TempDir Path dir) throws Exception {
    Path data = dir.resolve("pairs.jsonl");
    Files.write(data, List.of("{\"source\": \"a\", \"target\": \"b\"}", "{\"source\": 3}"));
    CliRun.Result r = CliRun.run("train", "--arch", "t5", "--data", data.toString(), "--out",
        dir.resolve("m").toString(), "--iters", "1");
    assertThat(r.exitCode()).isEqualTo(CliErrors.BAD_INPUT);
    assertThat(r.err()).contains("line 2").contains("\"source\" and \"target\"");
  }
}
