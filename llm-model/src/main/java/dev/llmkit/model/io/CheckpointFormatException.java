package dev.llmkit.model.io;

import dev.llmkit.tokenizer.UntrustedText;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A checkpoint file or folder is corrupt, truncated, or does not match what it claims to hold: the
 * message names the file and, where there is one, the tensor or config field at fault. Text quoted
 * from the file is escaped and the message is bounded ({@link UntrustedText}).
 */
public class CheckpointFormatException extends IOException {

  private static final long serialVersionUID = 1L;

  /**
   * @param file the file at fault
   * @param message what is wrong, naming the tensor or field
   */
  public CheckpointFormatException(Path file, String message) {
    super(UntrustedText.message(file + ": " + message));
  }

  /**
   * @param file the file at fault
   * @param message what is wrong, naming the tensor or field
   * @param cause the underlying error
   */
  public CheckpointFormatException(Path file, String message, Throwable cause) {
    super(UntrustedText.message(file + ": " + message), cause);
  }
}
