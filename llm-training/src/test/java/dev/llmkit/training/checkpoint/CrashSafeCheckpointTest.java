package dev.llmkit.training.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmkit.model.weights.ModelWeights;
import dev.llmkit.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a child JVM ({@code Runtime.halt}, which is what {@code kill -9} does to a process: no
 * finally blocks, no shutdown hooks) at every step of the save protocol, found through the
 * instrumented {@link TrainingCheckpoints.SaveHook} rather than by timing, and checks that the folder
 * it leaves is resumable: the manifest names a complete checkpoint of step 1 (old) or step 2 (new),
 * the published model files belong to it, and nothing of the killed save is left after recovery.
 */
class CrashSafeCheckpointTest {

  /** A model store of plain files whose content says which step wrote them (no native code). */
  static final class StepStore implements ModelStore {
    long step;

    @Override
    public void save(Path dir, ModelWeights weights, Tokenizer tokenizer) throws IOException {
      Files.writeString(dir.resolve("config.json"), "{\"step\": " + step + "}");
      Files.writeString(dir.resolve("model.safetensors"), ("weights of step " + step + "\n").repeat(500));
    }

    @Override
    public ModelWeights load(Path dir) {
      throw new UnsupportedOperationException();
    }
  }

  private static TrainingState state(long step) {
    return new TrainingState(step, 42 + step, 100 * step, new TrainingState.RunShape("cfg", 2, 8, 1));
  }

  /**
   * The child: saves step 1, then saves step 2 with the hook set to halt at point {@code args[1]}
   * (0 = never; then it prints every point's name).
   */
  public static void main(String[] args) throws IOException {
    Path dir = Path.of(args[0]);
    int killAt = Integer.parseInt(args[1]);
    StepStore store = new StepStore();
    TrainingCheckpoints ck = new TrainingCheckpoints(store);
    store.step = 1;
    ck.save(dir, null, null, null, state(1));
    int[] n = {0};
    TrainingCheckpoints.hook = point -> {
      n[0]++;
      if (n[0] == killAt) {
        Runtime.getRuntime().halt(137);
      }
      if (killAt == 0) {
        System.out.println(point);
      }
    };
    store.step = 2;
    ck.save(dir, null, null, null, state(2));
  }

  private static Process child(Path dir, int killAt) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return new ProcessBuilder(java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto",
        "-cp", System.getProperty("java.class.path"),
        CrashSafeCheckpointTest.class.getName(), dir.toString(), Integer.toString(killAt))
        .redirectErrorStream(true).start();
  }

  private static String run(Process p) throws Exception {
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return out;
  }

  @Test
  void aKillAtEveryStepOfTheSaveLeavesAResumableCheckpoint(@TempDir Path tmp) throws Exception {
    Process dry = child(tmp.resolve("dry"), 0);
    String out = run(dry);
    assertThat(dry.exitValue()).as(out).isZero();
    List<String> points = out.lines().filter(l -> !l.isBlank()).toList();
    assertThat(points).contains("model files written", "state file half written",
        "manifest written", "manifest renamed", "published model.safetensors",
        "old generation deleted");
    int unresumable = 0;
    List<String> failures = new ArrayList<>();
    for (int k = 1; k <= points.size(); k++) {
      Path dir = tmp.resolve("kill" + k);
      Process p = child(dir, k);
      String log = run(p);
      assertThat(p.exitValue()).as("killed at " + points.get(k - 1) + ": " + log).isEqualTo(137);
      try {
        checkResumable(dir, k > points.indexOf("manifest renamed") ? 2 : 1);
      } catch (AssertionError | IOException e) {
        unresumable++;
        failures.add("killed after '" + points.get(k - 1) + "': " + e.getMessage());
      }
    }
    assertThat(failures).as("%d unresumable of %d kills", unresumable, points.size()).isEmpty();
  }

  private static void checkResumable(Path dir, long expectedStep) throws IOException {
    String gen = TrainingCheckpoints.recover(dir);
    assertThat(gen).isNotNull();
    TrainingState s = TrainingCheckpoints.verify(dir);
    assertThat(s).isEqualTo(state(expectedStep));
    String weights = ("weights of step " + expectedStep + "\n").repeat(500);
    assertThat(Files.readString(dir.resolve(gen).resolve("model.safetensors"))).isEqualTo(weights);
    assertThat(Files.readString(dir.resolve("model.safetensors"))).isEqualTo(weights);
    assertThat(Files.readString(dir.resolve("config.json"))).isEqualTo("{\"step\": " + expectedStep + "}");
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files.map(f -> f.getFileName().toString()).collect(Collectors.toSet()))
          .containsExactlyInAnyOrder(TrainingCheckpoints.MANIFEST, gen, "config.json",
              "model.safetensors");
    }
  }
}
