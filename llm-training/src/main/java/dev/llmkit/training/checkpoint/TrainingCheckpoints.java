package dev.llmkit.training.checkpoint;

import dev.llmkit.model.weights.ModelWeights;
import dev.llmkit.tensor.Tensor;
import dev.llmkit.tokenizer.Tokenizer;
import dev.llmkit.training.optim.AdamW;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import java.util.zip.CheckedInputStream;

/**
 * Training checkpoints: the model files of a {@link ModelStore} (so the directory is also a model a
 * user can load) plus {@value #STATE_FILE}, which holds the step, the batch generator's state, the
 * run's shape, a CRC-32 of every model file and the optimiser state.
 *
 * <p>Writing is atomic per file and ordered: every file is first written into a temporary directory
 * inside the target, then each model file is renamed over its old version, and the state file is
 * renamed last. A crash part-way leaves either the old checkpoint or a state file whose checksums no
 * longer match (reported on resume); the previous state file is never half-written.
 */
public final class TrainingCheckpoints {

  /** Name of the training-state file. */
  public static final String STATE_FILE = "training_state.bin";

  private static final long MAGIC = 0x4C4C4D4B_54524E31L; // "LLMKTRN1"
  private static final int VERSION = 1;
  private static final String TMP_DIR = ".checkpoint-tmp";

  private final ModelStore store;

  /** Checkpoints whose model files are written by {@code store}. */
  public TrainingCheckpoints(ModelStore store) {
    this.store = Objects.requireNonNull(store, "store");
  }

  /**
   * Checkpoints in the default store: the model as a Hugging Face folder ({@code config.json},
   * {@code model.safetensors}, the tokenizer), which {@code Checkpoints.load} reads as a model.
   *
   * @return the checkpoints
   */
  public static TrainingCheckpoints huggingFace() {
    return new TrainingCheckpoints(new HuggingFaceModelStore());
  }

  /** The model store. */
  public ModelStore store() {
    return store;
  }

  /** Whether {@code dir} holds a training checkpoint. */
  public static boolean exists(Path dir) {
    return Files.isRegularFile(dir.resolve(STATE_FILE));
  }

  /**
   * Writes a checkpoint into {@code dir} (created when absent), replacing the previous one atomically.
   *
   * @param tokenizer written with the model when not null
   * @param optimizer its state is saved; may be null (no optimiser state, e.g. a final export)
   * @throws IOException when a file cannot be written; the previous checkpoint stays usable
   */
  public void save(Path dir, ModelWeights parameters, Tokenizer tokenizer, AdamW optimizer,
      TrainingState state) throws IOException {
    Files.createDirectories(dir);
    Path tmp = dir.resolve(TMP_DIR);
    deleteRecursively(tmp);
    Files.createDirectories(tmp);
    try {
      store.save(tmp, parameters, tokenizer);
      Map<String, Long> crcs = new LinkedHashMap<>();
      List<Path> files = new ArrayList<>();
      try (Stream<Path> s = Files.list(tmp)) {
        s.filter(Files::isRegularFile).sorted().forEach(files::add);
      }
      for (Path f : files) {
        crcs.put(f.getFileName().toString(), crc32(f));
      }
      Path stateTmp = tmp.resolve(STATE_FILE);
      try (OutputStream fo = Files.newOutputStream(stateTmp);
          DataOutputStream out = new DataOutputStream(new BufferedOutputStream(fo, 1 << 16))) {
        out.writeLong(MAGIC);
        out.writeInt(VERSION);
        out.writeLong(state.step());
        out.writeLong(state.rngState());
        out.writeLong(state.tokensSeen());
        out.writeUTF(state.shape().modelConfig());
        out.writeInt(state.shape().batch());
        out.writeInt(state.shape().block());
        out.writeInt(state.shape().accumulation());
        out.writeInt(crcs.size());
        for (Map.Entry<String, Long> e : crcs.entrySet()) {
          out.writeUTF(e.getKey());
          out.writeLong(e.getValue());
        }
        out.writeBoolean(optimizer != null);
        if (optimizer != null) {
          optimizer.writeState(out);
        }
        out.writeLong(MAGIC);
        out.flush();
      }
      for (Path f : files) {
        move(f, dir.resolve(f.getFileName()));
      }
      move(stateTmp, dir.resolve(STATE_FILE));
    } finally {
      deleteRecursively(tmp);
    }
  }

  /**
   * Reads the state of the checkpoint in {@code dir} without loading parameters.
   *
   * @throws IOException when the state file is missing or corrupt
   */
  public static TrainingState readState(Path dir) throws IOException {
    try (DataInputStream in = openState(dir)) {
      return readHeader(dir, in);
    }
  }

  /**
   * Restores a checkpoint into live training objects: parameters are overwritten in place, the
   * optimiser's moments and step count are read.
   *
   * @param expected the shape of the run that resumes; a checkpoint of another shape is an error
   * @return the saved state (step and generator state to continue from)
   * @throws IllegalArgumentException when the checkpoint belongs to another configuration
   * @throws IOException when a file is missing or corrupt, or the model files do not match the state
   */
  public TrainingState restore(Path dir, TrainingState.RunShape expected, ModelWeights parameters,
      AdamW optimizer) throws IOException {
    try (DataInputStream in = openState(dir)) {
      TrainingState state = readHeader(dir, in);
      checkShape(dir, state.shape(), expected);
      int files = in.readInt();
      for (int i = 0; i < files; i++) {
        String name = in.readUTF();
        long crc = in.readLong();
        Path f = dir.resolve(name);
        if (!Files.isRegularFile(f) || crc32(f) != crc) {
          throw new IOException("checkpoint " + dir + " is inconsistent: " + name
              + (Files.isRegularFile(f) ? " does not match " : " is missing, listed in ") + STATE_FILE
              + " (interrupted while saving?)");
        }
      }
      ModelWeights loaded = store.load(dir);
      if (!loaded.config().equals(parameters.config())) {
        throw new IllegalArgumentException("checkpoint " + dir + " holds a model of configuration "
            + loaded.config() + ", this run has " + parameters.config());
      }
      for (Map.Entry<String, Tensor> e : parameters.named().entrySet()) {
        Tensor src = loaded.named().get(e.getKey());
        if (src == null) {
          throw new IOException("checkpoint " + dir + " lacks parameter " + e.getKey());
        }
        e.getValue().copyFrom(src);
      }
      boolean hasOptimizer = in.readBoolean();
      if (optimizer != null) {
        if (!hasOptimizer) {
          throw new IOException("checkpoint " + dir + " has no optimiser state to resume from");
        }
        optimizer.readState(in);
        if (in.readLong() != MAGIC) {
          throw new IOException(dir.resolve(STATE_FILE) + " is corrupt: bad trailer");
        }
      }
      return state;
    }
  }

  private static void checkShape(Path dir, TrainingState.RunShape got, TrainingState.RunShape want) {
    List<String> diffs = new ArrayList<>();
    if (!got.modelConfig().equals(want.modelConfig())) {
      diffs.add("model " + got.modelConfig() + " vs " + want.modelConfig());
    }
    if (got.batch() != want.batch()) {
      diffs.add("batch " + got.batch() + " vs " + want.batch());
    }
    if (got.block() != want.block()) {
      diffs.add("block " + got.block() + " vs " + want.block());
    }
    if (got.accumulation() != want.accumulation()) {
      diffs.add("gradient accumulation " + got.accumulation() + " vs " + want.accumulation());
    }
    if (!diffs.isEmpty()) {
      throw new IllegalArgumentException("checkpoint " + dir
          + " was written by a run of another configuration (checkpoint vs this run): "
          + String.join("; ", diffs));
    }
  }

  private static DataInputStream openState(Path dir) throws IOException {
    Path f = dir.resolve(STATE_FILE);
    if (!Files.isRegularFile(f)) {
      throw new IOException("no training checkpoint in " + dir + " (" + STATE_FILE + " is missing)");
    }
    return new DataInputStream(new BufferedInputStream(Files.newInputStream(f), 1 << 16));
  }

  private static TrainingState readHeader(Path dir, DataInputStream in) throws IOException {
    if (in.readLong() != MAGIC) {
      throw new IOException(dir.resolve(STATE_FILE) + " is not an llmkit training state file");
    }
    int version = in.readInt();
    if (version != VERSION) {
      throw new IOException(dir.resolve(STATE_FILE) + " has version " + version + ", expected "
          + VERSION);
    }
    long step = in.readLong();
    long rng = in.readLong();
    long tokens = in.readLong();
    String config = in.readUTF();
    int batch = in.readInt();
    int block = in.readInt();
    int accumulation = in.readInt();
    return new TrainingState(step, rng, tokens,
        new TrainingState.RunShape(config, batch, block, accumulation));
  }

  private static long crc32(Path f) throws IOException {
    CRC32 crc = new CRC32();
    try (InputStream in = new CheckedInputStream(Files.newInputStream(f), crc)) {
      byte[] buf = new byte[1 << 16];
      while (in.read(buf) >= 0) {
        // reading updates the checksum
      }
    }
    return crc.getValue();
  }

  private static void move(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  private static void deleteRecursively(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> s = Files.walk(p)) {
      for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(q);
      }
    }
  }
}
