package dev.llmkit.model.io.safetensors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmkit.model.io.CheckpointFormatException;
import dev.llmkit.model.io.TensorSource;
import dev.llmkit.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The tensors of a sharded Hugging Face checkpoint: {@code model.safetensors.index.json}
 * ({@code {"metadata": {...}, "weight_map": {"tensor": "model-00001-of-00002.safetensors", ...}}})
 * and the shard files beside it, each opened once and validated.
 */
public final class ShardedSafetensors implements TensorSource {

  private final Path index;
  private final Map<String, SafetensorsFile> byTensor;
  private final Map<String, SafetensorsFile> shards;

  private ShardedSafetensors(Path index, Map<String, SafetensorsFile> byTensor,
      Map<String, SafetensorsFile> shards) {
    this.index = index;
    this.byTensor = byTensor;
    this.shards = shards;
  }

  /**
   * Opens the index and every shard it names.
   *
   * @throws CheckpointFormatException if the index is corrupt, names a shard outside its folder or
   *     one that is missing, or maps a tensor to a shard that does not hold it
   */
  public static ShardedSafetensors open(Path indexFile) throws IOException {
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(indexFile.toFile());
    } catch (IOException e) {
      throw new CheckpointFormatException(indexFile, "not valid JSON: " + e.getMessage(), e);
    }
    JsonNode wm = root == null ? null : root.get("weight_map");
    if (wm == null || !wm.isObject()) {
      throw new CheckpointFormatException(indexFile, "has no 'weight_map' object");
    }
    Path dir = indexFile.toAbsolutePath().getParent();
    Map<String, SafetensorsFile> shards = new LinkedHashMap<>();
    Map<String, SafetensorsFile> byTensor = new LinkedHashMap<>();
    try {
      for (Iterator<Map.Entry<String, JsonNode>> it = wm.properties().iterator(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        String shard = e.getValue().asText();
        if (!e.getValue().isTextual() || shard.isEmpty() || shard.contains("/")
            || shard.contains("\\") || shard.equals("..") || shard.equals(".")) {
          throw new CheckpointFormatException(
              indexFile, "weight_map entry of tensor '" + e.getKey() + "' names an invalid shard "
                  + e.getValue());
        }
        SafetensorsFile f = shards.get(shard);
        if (f == null) {
          Path p = dir.resolve(shard);
          if (!Files.isRegularFile(p)) {
            throw new CheckpointFormatException(
                indexFile, "shard '" + shard + "' of tensor '" + e.getKey() + "' does not exist");
          }
          f = SafetensorsFile.open(p);
          shards.put(shard, f);
        }
        if (f.entry(e.getKey()) == null) {
          throw new CheckpointFormatException(
              f.path(), "tensor '" + e.getKey() + "' is listed in " + indexFile.getFileName()
                  + " but missing from this shard");
        }
        byTensor.put(e.getKey(), f);
      }
    } catch (IOException | RuntimeException ex) {
      for (SafetensorsFile f : shards.values()) {
        try {
          f.close();
        } catch (IOException suppressed) {
          ex.addSuppressed(suppressed);
        }
      }
      throw ex;
    }
    return new ShardedSafetensors(indexFile, Collections.unmodifiableMap(byTensor),
        Collections.unmodifiableMap(shards));
  }

  /** The shard files by name. */
  public Map<String, SafetensorsFile> shards() {
    return shards;
  }

  @Override
  public Set<String> names() {
    return byTensor.keySet();
  }

  @Override
  public long[] shape(String name) throws CheckpointFormatException {
    return shard(name).shape(name);
  }

  @Override
  public void read(String name, Tensor dest) throws IOException {
    shard(name).read(name, dest);
  }

  @Override
  public Path file(String name) {
    SafetensorsFile f = byTensor.get(name);
    return f == null ? index : f.path();
  }

  private SafetensorsFile shard(String name) throws CheckpointFormatException {
    SafetensorsFile f = byTensor.get(name);
    if (f == null) {
      throw new CheckpointFormatException(index, "tensor '" + name + "' is missing");
    }
    return f;
  }

  @Override
  public void close() throws IOException {
    IOException first = null;
    for (SafetensorsFile f : shards.values()) {
      try {
        f.close();
      } catch (IOException e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }
}
