package dev.llmkit.examples.cli;

import dev.llmkit.training.checkpoint.TrainingCheckpoints;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Checks a command makes before it starts a long run, so that a run never trains for an hour and
 * then fails to save, or fails deep inside with a message about array sizes.
 */
final class RunChecks {

  private RunChecks() {}

  /**
   * {@code path} is, or can be created as, a writable folder; leftovers of a killed checkpoint save
   * in it are cleaned.
   *
   * @param option the option's name, for the message
   * @throws IllegalArgumentException naming the option, the path and the problem
   */
  static void outputFolder(String option, Path path) throws IOException {
    if (Files.exists(path) && !Files.isDirectory(path)) {
      throw new IllegalArgumentException(option + " " + path + ": exists and is not a folder");
    }
    try {
      Files.createDirectories(path);
    } catch (FileSystemException e) {
      throw new IllegalArgumentException(option + " " + path + ": cannot be created ("
          + (e.getReason() != null ? e.getReason() : e.getClass().getSimpleName()) + ")", e);
    }
    Path probe = path.resolve(".llm-write-check.tmp");
    try {
      Files.deleteIfExists(probe);
      Files.createFile(probe);
      Files.delete(probe);
    } catch (IOException e) {
      throw new IllegalArgumentException(option + " " + path + ": folder is not writable", e);
    }
    TrainingCheckpoints.recover(path);
  }

  /**
   * The training buffers of a run fit the 2^31-element limit of one tensor: attention scores
   * (batch, heads, block, block) and logits (batch * block, vocabulary).
   *
   * @throws IllegalArgumentException naming the options to lower
   */
  static void trainingBuffers(int batch, int block, int heads, int vocab) {
    long scores = (long) batch * heads * block * block;
    long logits = (long) batch * block * vocab;
    if (scores > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(String.format(Locale.ROOT,
          "--block %d with --batch %d and --heads %d needs %.3g attention scores in one buffer, "
              + "more than the 2^31 a tensor holds; lower --block or --batch",
          block, batch, heads, (double) scores));
    }
    if (logits > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(String.format(Locale.ROOT,
          "--block %d with --batch %d and a vocabulary of %d needs %.3g logits in one buffer, "
              + "more than the 2^31 a tensor holds; lower --block or --batch",
          block, batch, vocab, (double) logits));
    }
  }
}
