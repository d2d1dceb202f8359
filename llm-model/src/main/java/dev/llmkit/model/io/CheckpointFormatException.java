package dev.llmkit.model.io;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A checkpoint file or folder is corrupt, truncated, or does not match what it claims to hold: the
 * message names the file and, where there is one, the tensor or config field at fault.
 */
public class CheckpointFormatException extends IOException {

  private static final long serialVersionUID = 1L;

  /**
   * @param file the file at fault
   * @param message what is wrong, naming the tensor or field
   */
  public CheckpointFormatException(Path file, String message) {
    super(file + ": " + message);
  }

  /**
   * @param file the file at fault
   * @param message what is wrong, naming the tensor or field
   * @param cause the underlying error
   */
  public CheckpointFormatException(Path file, String message, Throwable cause) {
    super(file + ": " + message, cause);
  }
}
