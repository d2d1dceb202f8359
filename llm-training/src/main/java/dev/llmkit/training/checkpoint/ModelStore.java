package dev.llmkit.training.checkpoint;

import dev.llmkit.model.weights.ModelWeights;
import dev.llmkit.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Writes and reads a model's parameters (and optionally its tokenizer) as files in a directory: the
 * seam between the trainer's checkpoints and a checkpoint format. The one format is the Hugging Face
 * folder ({@link HuggingFaceModelStore}): config.json and model.safetensors, loadable by transformers.
 */
public interface ModelStore {

  /**
   * Writes {@code weights} (and {@code tokenizer} when not null) into {@code dir}, which exists and
   * is empty. Every float must be stored exactly (float32), so that a resumed run is bit-identical.
   *
   * @throws IOException when a file cannot be written
   */
  void save(Path dir, ModelWeights weights, Tokenizer tokenizer) throws IOException;

  /**
   * Reads the weights {@link #save} wrote.
   *
   * @throws IOException when a file is missing, unreadable or corrupt
   */
  ModelWeights load(Path dir) throws IOException;
}
