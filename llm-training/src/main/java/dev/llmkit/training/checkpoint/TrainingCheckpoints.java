package dev.llmkit.training.checkpoint;

import dev.llmkit.model.weights.ModelWeights;
import dev.llmkit.tensor.Tensor;
import dev.llmkit.tokenizer.UntrustedText;
import dev.llmkit.tokenizer.Tokenizer;
import dev.llmkit.training.optim.AdamW;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
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
 * Training checkpoints: the model files of a {@link ModelStore} plus {@value #STATE_FILE}, which
 * holds the step, the batch generator's state, the run's shape, a CRC-32 of every model file and the
 * optimiser state.
 *
 * <p>Saving is crash-safe at every instant. A save writes a complete new checkpoint into a fresh
 * generation folder {@code dir/.checkpoint-<n>/} (every file forced to disk), then switches to it
 * with one atomic rename of the manifest {@value #MANIFEST} (which names the generation), then
 * publishes the model files at the top of {@code dir} (hard links, so {@code dir} is also a model a
 * user can load) and deletes the old generation. A process killed at any point leaves the manifest
 * naming a complete checkpoint (the old one before the rename, the new one after); the next
 * {@link #save}, {@link #restore} or {@link #recover} deletes what a killed save left behind and
 * re-publishes the model files. Checkpoints of the earlier layout (state file at the top of
 * {@code dir}) are still read.
 */
public final class TrainingCheckpoints {

  /** Name of the training-state file. */
  public static final String STATE_FILE = "training_state.bin";

  private static final long MAGIC = 0x4C4C4D4B_54524E31L; // "LLMKTRN1"
  private static final int VERSION = 1;
  /** Name of the manifest naming the current generation folder. */
  public static final String MANIFEST = "checkpoint.manifest";
  private static final String GENERATION_PREFIX = ".checkpoint-";
  private static final String LEGACY_TMP_DIR = ".checkpoint-tmp";
  private static final String MANIFEST_HEADER = "llmkit-checkpoint 1";

  /**
   * Called at each step of the save protocol with the step's name; a test sets it to end the
   * process there ({@code Runtime.halt}, as {@code kill -9}) and checks that the checkpoint left
   * behind is resumable.
   */
  interface SaveHook {
    void at(String step);
  }

  static volatile SaveHook hook = step -> { };

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
    return Files.isRegularFile(dir.resolve(MANIFEST)) || Files.isRegularFile(dir.resolve(STATE_FILE));
  }

  /**
   * Writes a checkpoint into {@code dir} (created when absent), replacing the previous one
   * atomically: a kill at any instant leaves the previous or the new checkpoint complete.
   *
   * @param tokenizer written with the model when not null
   * @param optimizer its state is saved; may be null (no optimiser state, e.g. a final export)
   * @throws IOException when a file cannot be written; the previous checkpoint stays usable
   */
  public void save(Path dir, ModelWeights parameters, Tokenizer tokenizer, AdamW optimizer,
      TrainingState state) throws IOException {
    Files.createDirectories(dir);
    String current = recover(dir);
    long generation = current == null ? 1 : Long.parseLong(current.substring(
        GENERATION_PREFIX.length())) + 1;
    String genName = GENERATION_PREFIX + generation;
    Path gen = dir.resolve(genName);
    deleteRecursively(gen);
    Files.createDirectories(gen);
    hook.at("generation folder created");
    store.save(gen, parameters, tokenizer);
    hook.at("model files written");
    Map<String, Long> crcs = new LinkedHashMap<>();
    List<Path> files = new ArrayList<>();
    try (Stream<Path> s = Files.list(gen)) {
      s.filter(Files::isRegularFile).sorted().forEach(files::add);
    }
    for (Path f : files) {
      crcs.put(f.getFileName().toString(), crc32(f));
      force(f);
    }
    hook.at("model files forced");
    Path stateFile = gen.resolve(STATE_FILE);
    try (OutputStream fo = Files.newOutputStream(stateFile);
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
      out.flush();
      hook.at("state file half written");
      out.writeBoolean(optimizer != null);
      if (optimizer != null) {
        optimizer.writeState(out);
      }
      out.writeLong(MAGIC);
      out.flush();
    }
    force(stateFile);
    force(gen);
    hook.at("state file written");
    // the switch: one atomic rename of the manifest
    Path manifestTmp = dir.resolve(MANIFEST + ".tmp");
    Files.writeString(manifestTmp, MANIFEST_HEADER + "\n" + genName + "\n", StandardCharsets.UTF_8);
    force(manifestTmp);
    hook.at("manifest written");
    move(manifestTmp, dir.resolve(MANIFEST));
    force(dir);
    hook.at("manifest renamed");
    publish(dir, gen);
    if (current != null) {
      deleteRecursively(dir.resolve(current));
      hook.at("old generation deleted");
    }
  }

  /**
   * Finishes or undoes what a killed save left in {@code dir}: deletes generation folders other
   * than the manifest's and temporary files, and re-publishes the current model files at the top.
   * Called by {@link #save} and {@link #restore}; safe to call any time no save is running.
   *
   * @return the current generation folder's name, or null when {@code dir} holds none
   * @throws IOException when the manifest is corrupt or a file cannot be deleted
   */
  public static String recover(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return null;
    }
    String current = readManifest(dir);
    List<Path> leftovers = new ArrayList<>();
    try (Stream<Path> s = Files.list(dir)) {
      s.filter(p -> {
        String n = p.getFileName().toString();
        return (n.startsWith(GENERATION_PREFIX) && !n.equals(current))
            || n.equals(MANIFEST + ".tmp") || (n.startsWith(".") && n.endsWith(".tmp"));
      }).forEach(leftovers::add);
    }
    for (Path p : leftovers) {
      deleteRecursively(p);
    }
    if (current != null) {
      publish(dir, dir.resolve(current));
    }
    return current;
  }

  /** The generation named by the manifest, or null when there is no manifest. */
  private static String readManifest(Path dir) throws IOException {
    Path m = dir.resolve(MANIFEST);
    if (!Files.isRegularFile(m)) {
      return null;
    }
    List<String> lines = Files.readAllLines(m, StandardCharsets.UTF_8);
    if (lines.size() != 2 || !lines.get(0).equals(MANIFEST_HEADER)
        || !lines.get(1).matches(java.util.regex.Pattern.quote(GENERATION_PREFIX) + "[0-9]{1,18}")
        || !Files.isDirectory(dir.resolve(lines.get(1)))) {
      throw new IOException(m + " is corrupt: expected '" + MANIFEST_HEADER
          + "' and the name of an existing " + GENERATION_PREFIX + "<n> folder");
    }
    return lines.get(1);
  }

  /** The folder holding the current checkpoint's files: the manifest's generation, or dir. */
  private static Path current(Path dir) throws IOException {
    String gen = readManifest(dir);
    return gen == null ? dir : dir.resolve(gen);
  }

  /**
   * Makes the model files of generation {@code gen} visible at the top of {@code dir} (hard links
   * where the file system has them, else copies), each by an atomic rename.
   */
  private static void publish(Path dir, Path gen) throws IOException {
    List<Path> files = new ArrayList<>();
    try (Stream<Path> s = Files.list(gen)) {
      s.filter(Files::isRegularFile)
          .filter(f -> !f.getFileName().toString().equals(STATE_FILE))
          .sorted().forEach(files::add);
    }
    for (Path f : files) {
      Path target = dir.resolve(f.getFileName().toString());
      if (Files.exists(target) && Files.isSameFile(f, target)) {
        continue;
      }
      Path tmp = dir.resolve("." + f.getFileName() + ".publish.tmp");
      Files.deleteIfExists(tmp);
      try {
        Files.createLink(tmp, f);
      } catch (UnsupportedOperationException | IOException e) {
        Files.copy(f, tmp, StandardCopyOption.REPLACE_EXISTING);
      }
      move(tmp, target);
      hook.at("published " + f.getFileName());
    }
    Files.deleteIfExists(dir.resolve(STATE_FILE)); // of the earlier layout, now stale
    Files.deleteIfExists(dir.resolve(LEGACY_TMP_DIR).resolve(STATE_FILE));
    deleteRecursively(dir.resolve(LEGACY_TMP_DIR));
  }

  /**
   * Checks that the checkpoint in {@code dir} is complete and consistent (state file readable, every
   * model file present with the checksum the state file records) without loading parameters.
   *
   * @return its state
   * @throws IOException when it is missing, corrupt or inconsistent, naming the file
   */
  public static TrainingState verify(Path dir) throws IOException {
    Path cur = current(dir);
    try (DataInputStream in = openState(cur)) {
      TrainingState state = readHeader(cur, in);
      checkFiles(cur, in);
      return state;
    }
  }

  private static void checkFiles(Path cur, DataInputStream in) throws IOException {
    int files = in.readInt();
    if (files < 0 || files > 10_000) {
      throw new IOException(cur.resolve(STATE_FILE) + " is corrupt: " + files + " model files");
    }
    for (int i = 0; i < files; i++) {
      String name = in.readUTF();
      long crc = in.readLong();
      Path f = cur.resolve(name);
      if (name.contains("/") || name.contains("\\") || !Files.isRegularFile(f) || crc32(f) != crc) {
        throw new IOException("checkpoint " + cur + " is inconsistent: " + UntrustedText.name(name)
            + (Files.isRegularFile(f) ? " does not match " : " is missing, listed in ") + STATE_FILE
            + " (interrupted while saving?)");
      }
    }
  }

  /**
   * Reads the state of the checkpoint in {@code dir} without loading parameters.
   *
   * @throws IOException when the state file is missing or corrupt
   */
  public static TrainingState readState(Path dir) throws IOException {
    Path cur = current(dir);
    try (DataInputStream in = openState(cur)) {
      return readHeader(cur, in);
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
    recover(dir);
    Path cur = current(dir);
    try (DataInputStream in = openState(cur)) {
      TrainingState state = readHeader(cur, in);
      checkShape(dir, state.shape(), expected);
      checkFiles(cur, in);
      ModelWeights loaded = store.load(cur);
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
          throw new IOException(cur.resolve(STATE_FILE) + " is corrupt: bad trailer");
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

  /** Forces a file's (or, where the platform allows, a folder's) content to disk. */
  private static void force(Path p) {
    try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      // folders cannot be opened on every platform; the rename is still atomic
    }
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
