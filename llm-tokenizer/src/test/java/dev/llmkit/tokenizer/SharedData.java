package dev.llmkit.tokenizer;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/** The shared reference data folder; tests that need it are skipped when it is absent. */
public final class SharedData {
  private SharedData() {}

  /**
   * A file or folder in the shared data folder; skips the calling test when it is missing.
   *
   * @param relative the path inside the data folder
   * @return the path
   */
  public static Path require(String relative) {
    String root = System.getProperty("llmkit.shared.data", "../shared/data");
    Path p = Path.of(root).resolve(relative);
    assumeTrue(Files.exists(p), "shared data " + p + " is absent");
    return p;
  }
}
