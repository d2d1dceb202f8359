package dev.llmkit.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code llm train} prints peak_flops, mfu and peak_memory_bytes, and {@code llm estimate --train}
 * on the folder it saved predicts that peak within 15%.
 */
class TrainCostLinesTest {

  @TempDir Path tmp;

  private static Map<String, String> run(String... args) {
    CliRun.Result r = CliRun.run(args);
    assertThat(r.exitCode()).as(r.err()).isZero();
    return CliRun.keyValues(r.out());
  }

  @Test
  void trainPrintsUtilisationAndTheEstimateMatchesItsMemory() throws Exception {
    Path text = tmp.resolve("t.txt");
    Files.writeString(text, "to be or not to be, that is the question. ".repeat(40));
    Path out = tmp.resolve("model");
    Map<String, String> train = run("train", "--data", text.toString(), "--layers", "2", "--heads", "2",
        "--dim", "32", "--block", "16", "--batch", "4", "--iters", "2", "--warmup", "1",
        "--eval-iters", "1", "--out", out.toString());
    assertThat(train).containsKeys("peak_flops", "mfu", "peak_memory_bytes");
    assertThat(Double.parseDouble(train.get("peak_flops"))).isGreaterThan(1e8);
    assertThat(Double.parseDouble(train.get("mfu"))).isGreaterThan(0).isLessThan(1);
    long measured = Long.parseLong(train.get("peak_memory_bytes"));
    Map<String, String> est = run("estimate", "--model", out.toString(), "--context", "16", "--batch", "4",
        "--train");
    assertThat((double) Long.parseLong(est.get("train_memory_bytes"))).isCloseTo(measured,
        within(0.15 * measured));
  }
}
