package dev.llmkit.model;

import dev.llmkit.model.generate.Generator;
import dev.llmkit.model.io.Checkpoints;
import dev.llmkit.model.io.LoadedModel;
import dev.llmkit.model.nn.Transformer;
import dev.llmkit.sampling.Sampler;
import dev.llmkit.tensor.DecodeMatrices;
import dev.llmkit.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * One-call loading: a checkpoint path (a Hugging Face folder, a GGUF file, or a llama2.c {@code .bin}
 * with its {@code tokenizer.bin}) to a model ready to run and its tokenizer.
 *
 * <pre>{@code
 * Models.Ready m = Models.load(Path.of("gpt2"));
 * Generator g = m.generator(Samplers.greedy());
 * }</pre>
 */
public final class Models {

  private Models() {}

  /**
   * A loaded model and its tokenizer.
   *
   * @param model the model, ready for sessions
   * @param tokenizer the checkpoint's tokenizer (or the one named), or null when there is none
   */
  public record Ready(Transformer model, Tokenizer tokenizer) {

    /** @throws NullPointerException if model is null */
    public Ready {
      Objects.requireNonNull(model, "model");
    }

    /**
     * A generator of this model and tokenizer with the given sampler.
     *
     * @throws IllegalStateException when the checkpoint had no tokenizer and none was named
     */
    public Generator generator(Sampler sampler) {
      if (tokenizer == null) {
        throw new IllegalStateException(
            "the checkpoint has no tokenizer; load it with Models.load(path, tokenizerPath)");
      }
      return new Generator(model, tokenizer, sampler);
    }
  }

  /** Loads the checkpoint at {@code path} with the tokenizer it carries (or finds beside it). */
  public static Ready load(Path path) throws IOException {
    return load(path, null, DecodeMatrices.AUTO);
  }

  /** Loads the checkpoint at {@code path} with the tokenizer at {@code tokenizer} (null: its own). */
  public static Ready load(Path path, Path tokenizer) throws IOException {
    return load(path, tokenizer, DecodeMatrices.AUTO);
  }

  /**
   * Loads the checkpoint, its one-row products reading the matrices as {@code decode} says.
   *
   * @throws IOException when a file is missing, unreadable or not a checkpoint
   */
  public static Ready load(Path path, Path tokenizer, DecodeMatrices decode) throws IOException {
    LoadedModel m = Checkpoints.load(path, tokenizer);
    return of(m, decode);
  }

  /** A loaded checkpoint made ready to run. */
  public static Ready of(LoadedModel loaded, DecodeMatrices decode) {
    return new Ready(new Transformer(loaded.weights(), decode), loaded.tokenizer());
  }
}
