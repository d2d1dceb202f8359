package dev.llmkit.model.io.gguf;

import dev.llmkit.model.io.LoadedModel;
import java.io.IOException;
import java.nio.file.Path;

/** GGUF checkpoints (work in progress). */
public final class GgufCheckpoint {

  private GgufCheckpoint() {}

  /** Loads a GGUF model; with {@code withTokenizer}, its tokenizer from the metadata. */
  public static LoadedModel load(Path file, boolean withTokenizer) throws IOException {
    throw new UnsupportedOperationException("GGUF loading is not implemented yet: " + file);
  }
}
