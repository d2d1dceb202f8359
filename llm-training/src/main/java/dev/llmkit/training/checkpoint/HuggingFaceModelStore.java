package dev.llmkit.training.checkpoint;

import dev.llmkit.model.io.Checkpoints;
import dev.llmkit.model.io.hf.HuggingFaceCheckpoint;
import dev.llmkit.model.weights.ModelWeights;
import dev.llmkit.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Model files in the Hugging Face layout (config.json, model.safetensors in float32, tokenizer.json),
 * written by llm-model's {@link Checkpoints#saveHuggingFace}: a checkpoint directory is then a model
 * that {@code Checkpoints.load} (and Hugging Face transformers) can open. The trainer's default store.
 *
 * <p>A tokenizer that llm-tokenizer cannot write (an application's own implementation) is skipped
 * with a warning; the weights are still saved.
 */
public final class HuggingFaceModelStore implements ModelStore {

  private static final Logger LOG = LoggerFactory.getLogger(HuggingFaceModelStore.class);

  @Override
  public void save(Path dir, ModelWeights weights, Tokenizer tokenizer) throws IOException {
    try {
      Checkpoints.saveHuggingFace(dir, weights, tokenizer);
    } catch (UnsupportedOperationException e) {
      if (tokenizer == null) {
        throw e;
      }
      LOG.warn("the tokenizer ({}) cannot be saved, the checkpoint in {} has none: {}",
          tokenizer.getClass().getSimpleName(), dir, e.getMessage());
      Checkpoints.saveHuggingFace(dir, weights, null);
    }
  }

  @Override
  public ModelWeights load(Path dir) throws IOException {
    return HuggingFaceCheckpoint.loadWeights(dir);
  }
}
