package dev.llmkit.model.io.hf;

import dev.llmkit.model.io.AtomicFiles;
import dev.llmkit.model.io.CheckpointFormatException;
import dev.llmkit.model.io.TensorLoader;
import dev.llmkit.model.io.TensorSource;
import dev.llmkit.model.io.safetensors.SafetensorsFile;
import dev.llmkit.model.io.safetensors.SafetensorsWriter;
import dev.llmkit.model.io.safetensors.ShardedSafetensors;
import dev.llmkit.model.weights.ModelWeights;
import dev.llmkit.tensor.Tensor;
import dev.llmkit.tokenizer.Tokenizer;
import dev.llmkit.tokenizer.Tokenizers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Hugging Face model folder: {@code config.json}, {@code model.safetensors} or
 * {@code model.safetensors.index.json} with its shards, and optionally {@code tokenizer.json}.
 */
public final class HuggingFaceCheckpoint {

  /** The tokenizer file of a Hugging Face folder. */
  public static final String TOKENIZER_FILE = "tokenizer.json";

  /** Shard size limit used by {@link #save}: 5 GB, as {@code save_pretrained} does. */
  public static final long DEFAULT_MAX_SHARD_BYTES = 5_000_000_000L;

  private static final Logger LOG = LoggerFactory.getLogger(HuggingFaceCheckpoint.class);

  private HuggingFaceCheckpoint() {}

  /** True when {@code dir} looks like a Hugging Face model folder (it has a config.json). */
  public static boolean isCheckpoint(Path dir) {
    return Files.isDirectory(dir) && Files.isRegularFile(dir.resolve(HfConfig.FILE));
  }

  /** Opens the safetensors of a folder: the single file, or else the sharded index. */
  public static TensorSource openTensors(Path dir) throws IOException {
    Path single = dir.resolve(SafetensorsWriter.SINGLE_FILE);
    if (Files.isRegularFile(single)) {
      return SafetensorsFile.open(single);
    }
    Path index = dir.resolve(SafetensorsWriter.INDEX_FILE);
    if (Files.isRegularFile(index)) {
      return ShardedSafetensors.open(index);
    }
    String hint = Files.exists(dir.resolve("pytorch_model.bin"))
        ? " (pytorch_model.bin is not supported: convert it to safetensors)" : "";
    throw new CheckpointFormatException(
        dir, "holds neither " + SafetensorsWriter.SINGLE_FILE + " nor "
            + SafetensorsWriter.INDEX_FILE + hint);
  }

  /**
   * Loads the weights of a folder (config.json + safetensors).
   *
   * @throws CheckpointFormatException naming the file and field/tensor at fault
   */
  public static ModelWeights loadWeights(Path dir) throws IOException {
    Path cfgFile = dir.resolve(HfConfig.FILE);
    if (!Files.isRegularFile(cfgFile)) {
      throw new CheckpointFormatException(dir, "is not a Hugging Face model folder: no " + HfConfig.FILE);
    }
    HfConfig cfg = HfConfig.read(cfgFile);
    try (TensorSource src = openTensors(dir)) {
      TensorLoader in = new TensorLoader(src);
      ModelWeights w = switch (cfg.family()) {
        case GPT2 -> Gpt2Weights.load(in, cfg.config());
        case LLAMA -> LlamaWeights.load(in, cfg.config());
        case GEMMA, GEMMA2, PHI3 -> FamilyWeights.load(in, cfg.config(), cfg.family());
      };
      Set<String> unused = in.unused();
      if (!unused.isEmpty()) {
        LOG.warn("{}: {} stored tensors are not used by a {} model: {}", dir, unused.size(),
            cfg.family().modelType(), unused);
      }
      return w;
    }
  }

  /** Loads the tokenizer.json of a folder, or returns null when there is none. */
  public static Tokenizer loadTokenizer(Path dir) throws IOException {
    Path tok = dir.resolve(TOKENIZER_FILE);
    return Files.isRegularFile(tok) ? Tokenizers.load(tok) : null;
  }

  /**
   * Saves a folder that this library and Hugging Face transformers load: model weights (single file
   * or 5 GB shards), then config.json, then tokenizer.json when a tokenizer is given; every file is
   * written atomically.
   *
   * @param dir the folder (created if missing)
   * @param weights the model
   * @param tokenizer the tokenizer to save beside it, or null
   */
  public static void save(Path dir, ModelWeights weights, Tokenizer tokenizer) throws IOException {
    save(dir, weights, tokenizer, DEFAULT_MAX_SHARD_BYTES);
  }

  /** As {@link #save(Path, ModelWeights, Tokenizer)} with a chosen shard size. */
  public static void save(Path dir, ModelWeights weights, Tokenizer tokenizer, long maxShardBytes)
      throws IOException {
    save(dir, weights, tokenizer, maxShardBytes, Map.of());
  }

  /**
   * As {@link #save(Path, ModelWeights, Tokenizer, long)}, with more tensors stored beside the
   * model's under their own names (e.g. a sequence classifier's {@code score.weight}).
   *
   * @throws IllegalArgumentException when an extra name is one of the model's
   */
  public static void save(Path dir, ModelWeights weights, Tokenizer tokenizer, long maxShardBytes,
      Map<String, Tensor> extra) throws IOException {
    Files.createDirectories(dir);
    Map<String, Tensor> tensors = new java.util.LinkedHashMap<>(switch (HfFamily.of(weights.config())) {
      case GPT2 -> Gpt2Weights.toHf(weights);
      case LLAMA -> LlamaWeights.toHf(weights);
      default -> throw new IllegalStateException("saved as GPT-2 or Llama only");
    });
    for (Map.Entry<String, Tensor> e : extra.entrySet()) {
      if (tensors.putIfAbsent(e.getKey(), e.getValue()) != null) {
        throw new IllegalArgumentException("extra tensor " + e.getKey() + " is one of the model's");
      }
    }
    SafetensorsWriter.writeSharded(dir, tensors, Map.of("format", "pt"), maxShardBytes);
    HfConfig.write(dir, weights.config());
    if (tokenizer != null) {
      saveTokenizer(dir, tokenizer);
    }
  }

  /** Lets llm-tokenizer write into a temporary folder, then moves its files in atomically. */
  private static void saveTokenizer(Path dir, Tokenizer tokenizer) throws IOException {
    Path tmp = Files.createTempDirectory(dir, ".tokenizer-");
    try {
      Tokenizers.save(tokenizer, tmp);
      List<Path> files;
      try (Stream<Path> s = Files.list(tmp)) {
        files = s.filter(Files::isRegularFile).toList();
      }
      for (Path f : files) {
        AtomicFiles.move(f, dir.resolve(f.getFileName().toString()));
      }
    } finally {
      try (Stream<Path> s = Files.walk(tmp)) {
        for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }
}
