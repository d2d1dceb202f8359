package dev.llmkit.tokenizer;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Test data: the repository's {@code testdata/} folder, and for tests tagged {@code shared-data}
 * (run only in the {@code shared-data} profile) the larger shared data folder. A missing file fails
 * the test; nothing is skipped.
 */
public final class SharedData {
  private SharedData() {}

  /**
   * A file or folder of {@code testdata/}, else of the shared data folder ({@code ../../shared/data}
   * from the module, or {@code -Dllmkit.shared.data=DIR}).
   *
   * @param relative the path inside the data folder
   * @return the path
   */
  public static Path require(String relative) {
    Path p = Path.of(System.getProperty("llmkit.test.data", "../testdata")).resolve(relative);
    if (Files.exists(p)) {
      return p;
    }
    String shared = System.getProperty("llmkit.shared.data", "../../shared/data");
    if (Files.exists(Path.of(shared).resolve(relative))) {
      return Path.of(shared).resolve(relative);
    }
    throw new IllegalStateException("test data " + relative + " is neither in " + p.getParent()
        + " nor in the shared data folder (" + shared + "); tests that need the shared data are"
        + " tagged shared-data and run with -Pshared-data");
  }
}
