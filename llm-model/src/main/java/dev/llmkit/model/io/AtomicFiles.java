package dev.llmkit.model.io;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Writes a file atomically: the content goes to a temporary file in the same folder, is forced to
 * disk, then moved over the target with {@link StandardCopyOption#ATOMIC_MOVE}. A reader sees the old
 * file or the complete new one, never a partial write; a failed write leaves no temporary behind.
 */
public final class AtomicFiles {

  /** Writes the content of a file through its channel. */
  @FunctionalInterface
  public interface ChannelWriter {
    /** Writes everything into {@code channel}. */
    void write(FileChannel channel) throws IOException;
  }

  private AtomicFiles() {}

  /**
   * Writes {@code target} atomically.
   *
   * @param target the file to create or replace (its folder must exist)
   * @param writer writes the content
   */
  public static void write(Path target, ChannelWriter writer) throws IOException {
    Path abs = target.toAbsolutePath();
    Path dir = abs.getParent();
    Path tmp = createTemporary(dir, abs.getFileName().toString());
    boolean ok = false;
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE,
          StandardOpenOption.TRUNCATE_EXISTING)) {
        writer.write(ch);
        ch.force(true);
      }
      move(tmp, abs);
      ok = true;
    } finally {
      if (!ok) {
        Files.deleteIfExists(tmp);
      }
    }
  }

  /**
   * A new empty file beside the target. Unlike {@code Files.createTempFile} (owner-only permissions)
   * it gets the default permissions of a new file, so the moved result is as readable as any other.
   */
  private static Path createTemporary(Path dir, String name) throws IOException {
    for (int attempt = 0; ; attempt++) {
      Path p = dir.resolve("." + name + "." + Long.toHexString(RANDOM.nextLong()) + ".tmp");
      try {
        return Files.createFile(p);
      } catch (java.nio.file.FileAlreadyExistsException e) {
        if (attempt > 100) {
          throw e;
        }
      }
    }
  }

  private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

  /** Writes {@code bytes} to {@code target} atomically. */
  public static void write(Path target, byte[] bytes) throws IOException {
    write(target, ch -> {
      java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(bytes);
      while (b.hasRemaining()) {
        ch.write(b);
      }
    });
  }

  /** Moves {@code from} over {@code to}, atomically where the file system can. */
  public static void move(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
    }
  }
}
