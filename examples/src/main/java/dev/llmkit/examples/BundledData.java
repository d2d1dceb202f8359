package dev.llmkit.examples;

import dev.llmkit.model.Models;
import dev.llmkit.model.io.Checkpoints;
import dev.llmkit.model.io.LoadedModel;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The data that ships inside the examples jar (see {@code data/NOTICE.md} there): the pretrained
 * stories260K model with its tokenizer, and Tiny Shakespeare. Nothing is downloaded.
 */
public final class BundledData {

  private static final String ROOT = "/dev/llmkit/examples/data/";
  private static Path dir;

  private BundledData() {}

  /**
   * The real pretrained stories260K (a 260K-parameter Llama trained on TinyStories, llama2.c format)
   * and its 512-token tokenizer.
   */
  public static LoadedModel stories260K() throws IOException {
    return Checkpoints.load(file("stories260K.bin"), file("tok512.bin"));
  }

  /** stories260K with its tokenizer, ready to run: the one-call {@link Models#load} path. */
  public static Models.Ready stories260KReady() throws IOException {
    return Models.load(file("stories260K.bin"), file("tok512.bin"));
  }

  /** The 1,115,394 characters of Tiny Shakespeare. */
  public static String tinyShakespeare() throws IOException {
    return Files.readString(file("tinyshakespeare.txt"), StandardCharsets.UTF_8);
  }

  /**
   * A bundled file copied once per run to a temporary folder (checkpoint readers memory-map files,
   * which a jar entry is not), deleted when the JVM exits.
   */
  public static synchronized Path file(String name) throws IOException {
    if (dir == null) {
      dir = Files.createTempDirectory("llmkit-data");
      dir.toFile().deleteOnExit();
    }
    Path p = dir.resolve(name);
    if (!Files.exists(p)) {
      try (InputStream in = BundledData.class.getResourceAsStream(ROOT + name)) {
        if (in == null) {
          throw new IOException("bundled file " + name + " is missing from the examples jar");
        }
        Files.copy(in, p, StandardCopyOption.REPLACE_EXISTING);
      }
      p.toFile().deleteOnExit();
    }
    return p;
  }

  /** Like {@link #file} for callers that cannot throw checked exceptions. */
  static Path fileUnchecked(String name) {
    try {
      return file(name);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
