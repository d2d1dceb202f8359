package dev.llmkit.model.io;

import dev.llmkit.model.io.gguf.GgufCheckpoint;
import dev.llmkit.model.io.hf.HfConfig;
import dev.llmkit.model.io.hf.HuggingFaceCheckpoint;
import dev.llmkit.model.io.llama2c.Llama2cCheckpoint;
import dev.llmkit.model.weights.ModelWeights;
import dev.llmkit.tokenizer.Tokenizer;
import dev.llmkit.tokenizer.Tokenizers;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loading and saving checkpoints, whatever their format:
 *
 * <ul>
 *   <li>a Hugging Face folder: {@code config.json} + {@code model.safetensors} (or the sharded
 *       {@code model.safetensors.index.json}), with {@code tokenizer.json} when present;
 *   <li>a llama2.c legacy {@code .bin} (its tokenizer, a {@code tok*.bin}, is named separately);
 *   <li>a GGUF file (weights and the tokenizer from its metadata).
 * </ul>
 *
 * <p>The library's own save format is the Hugging Face folder.
 */
public final class Checkpoints {

  /** The formats {@link #detect} recognises. */
  public enum Format {
    /** Hugging Face folder. */
    HUGGING_FACE,
    /** llama2.c legacy {@code .bin}. */
    LLAMA2C,
    /** GGUF. */
    GGUF
  }

  private static final Logger LOG = LoggerFactory.getLogger(Checkpoints.class);

  private Checkpoints() {}

  /**
   * The format of a path: a folder with config.json (or a file inside one: config.json or a
   * .safetensors file) is Hugging Face; a file starting with the magic {@code GGUF} is GGUF; any
   * file named {@code *.gguf} is GGUF as well (so a damaged magic is reported as one); any other
   * file is taken as a llama2.c checkpoint.
   *
   * @throws NoSuchFileException if the path does not exist
   */
  public static Format detect(Path path) throws IOException {
    if (Files.isDirectory(path)) {
      if (!HuggingFaceCheckpoint.isCheckpoint(path)) {
        throw new CheckpointFormatException(
            path, "folder is not a Hugging Face model folder: no " + HfConfig.FILE);
      }
      return Format.HUGGING_FACE;
    }
    if (!Files.exists(path)) {
      throw new NoSuchFileException(path.toString(), null, "checkpoint not found");
    }
    String name = path.getFileName().toString();
    if (name.equals(HfConfig.FILE) || name.endsWith(".safetensors")
        || name.endsWith(".safetensors.index.json")) {
      return Format.HUGGING_FACE;
    }
    byte[] magic = new byte[4];
    int n;
    try (InputStream in = Files.newInputStream(path)) {
      n = in.readNBytes(magic, 0, 4);
    }
    if (n == 4 && magic[0] == 'G' && magic[1] == 'G' && magic[2] == 'U' && magic[3] == 'F') {
      return Format.GGUF;
    }
    if (name.toLowerCase(java.util.Locale.ROOT).endsWith(".gguf")) {
      return Format.GGUF; // a damaged magic is then reported as such, not as a llama2.c header
    }
    return Format.LLAMA2C;
  }

  /**
   * Loads a checkpoint with the tokenizer it carries (Hugging Face tokenizer.json, GGUF metadata);
   * a llama2.c checkpoint carries none (see {@link #load(Path, Path)}).
   *
   * @param path a Hugging Face folder, a llama2.c {@code .bin} or a {@code .gguf}
   * @throws CheckpointFormatException if the checkpoint is corrupt, naming the file and tensor/field
   */
  public static LoadedModel load(Path path) throws IOException {
    return load(path, null);
  }

  /**
   * Loads a checkpoint and a tokenizer from a separate file.
   *
   * @param path a Hugging Face folder, a llama2.c {@code .bin} or a {@code .gguf}
   * @param tokenizer a tokenizer file for {@code Tokenizers.load} (e.g. llama2.c's
   *     {@code tok512.bin}), replacing the checkpoint's own; or null
   * @throws CheckpointFormatException if that tokenizer has fewer tokens than the model's
   *     vocabulary (it could not decode every id the model produces)
   */
  public static LoadedModel load(Path path, Path tokenizer) throws IOException {
    Format format = detect(path);
    ModelWeights weights;
    Tokenizer tok = null;
    switch (format) {
      case HUGGING_FACE -> {
        Path dir = Files.isDirectory(path) ? path : path.toAbsolutePath().getParent();
        weights = HuggingFaceCheckpoint.loadWeights(dir);
        if (tokenizer == null) {
          tok = HuggingFaceCheckpoint.loadTokenizer(dir);
        }
      }
      case LLAMA2C -> weights = Llama2cCheckpoint.load(path);
      case GGUF -> {
        LoadedModel m = GgufCheckpoint.load(path, tokenizer == null);
        weights = m.weights();
        tok = m.tokenizer();
      }
      default -> throw new IllegalStateException("unhandled format " + format);
    }
    if (tokenizer != null) {
      tok = Tokenizers.load(tokenizer);
    }
    if (tokenizer != null && tok.vocabSize() < weights.config().vocabSize()) {
      throw new CheckpointFormatException(
          tokenizer, "the tokenizer has " + tok.vocabSize() + " tokens but the model " + path
              + " has a vocabulary of " + weights.config().vocabSize()
              + ": it cannot decode every id the model produces (wrong tokenizer file?)");
    }
    if (tok != null && tok.vocabSize() > weights.config().vocabSize()) {
      LOG.warn("{}: the tokenizer has {} tokens but the model only {}: ids past {} will be rejected",
          path, tok.vocabSize(), weights.config().vocabSize(), weights.config().vocabSize() - 1);
    }
    return new LoadedModel(weights, tok);
  }

  /**
   * Saves weights (and a tokenizer) as a Hugging Face folder, every file atomically: config.json,
   * model.safetensors (F32; sharded above 5 GB) and tokenizer.json. GPT-2-style models are written
   * as {@code GPT2LMHeadModel} (Conv1D layout, fused c_attn), gated ones as {@code LlamaForCausalLM};
   * what those families cannot express goes into {@code llmkit_*} config fields. Quantized
   * matrices are written dequantized.
   *
   * @param dir the folder (created if missing)
   * @param weights the model
   * @param tokenizerOrNull its tokenizer, or null
   */
  public static void saveHuggingFace(Path dir, ModelWeights weights, Tokenizer tokenizerOrNull)
      throws IOException {
    HuggingFaceCheckpoint.save(dir, weights.dequantized(), tokenizerOrNull); // quantized: as F32
  }
}
