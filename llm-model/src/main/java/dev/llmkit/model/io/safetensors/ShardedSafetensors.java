package dev.llmkit.model.io.safetensors;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
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
   * Opens the index and every shard it names. The index is read strictly: a JSON object with an
   * optional {@code metadata} object (whose {@code total_size}, when present, is a non-negative
   * integer) and a non-empty {@code weight_map} object from tensor name to shard file name; a tensor
   * listed twice, a shard name that is not a plain file name in the index's folder ({@code ../},
   * {@code /}, {@code \}, control characters), a shard that does not exist, a tensor missing from
   * its shard, and a tensor of a shard that the map does not assign to it (unlisted, or listed
   * under another shard) are errors.
   *
   * @throws CheckpointFormatException if the index is corrupt, names a shard outside its folder or
   *     one that is missing, or disagrees with the shards' contents, naming the file and the tensor
   */
  public static ShardedSafetensors open(Path indexFile) throws IOException {
    JsonNode root;
    try {
      root = SafetensorsFile.HEADER_JSON.readTree(indexFile.toFile()); // strict: no duplicate keys
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      String where = at == null ? "" : " line " + at.getLineNr() + " column " + at.getColumnNr();
      throw new CheckpointFormatException(indexFile,
          "not valid JSON" + where + ": " + e.getOriginalMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new CheckpointFormatException(indexFile, "expected a JSON object, found "
          + (root == null ? "nothing" : root.getNodeType()));
    }
    JsonNode meta = root.get("metadata");
    if (meta != null && !meta.isNull()) {
      if (!meta.isObject()) {
        throw new CheckpointFormatException(indexFile, "metadata is " + meta.getNodeType()
            + ", expected an object");
      }
      JsonNode total = meta.get("total_size");
      if (total != null && !total.isNull() && (!total.isIntegralNumber() || !total.canConvertToLong()
          || total.longValue() < 0)) {
        throw new CheckpointFormatException(indexFile, "metadata.total_size is "
            + total.getNodeType() + " " + total + ", expected a non-negative integer");
      }
    }
    JsonNode wm = root.get("weight_map");
    if (wm == null || !wm.isObject() || wm.isEmpty()) {
      throw new CheckpointFormatException(indexFile, "has no 'weight_map' object of tensor names"
          + " to shard files" + (wm == null ? "" : " (found " + wm.getNodeType()
              + (wm.isObject() ? ", empty" : "") + ")"));
    }
    Path dir = indexFile.toAbsolutePath().getParent();
    Map<String, SafetensorsFile> shards = new LinkedHashMap<>();
    Map<String, SafetensorsFile> byTensor = new LinkedHashMap<>();
    try {
      for (Iterator<Map.Entry<String, JsonNode>> it = wm.properties().iterator(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        String shard = e.getValue().isTextual() ? e.getValue().textValue() : null;
        if (shard == null || !plainFileName(shard)) {
          throw new CheckpointFormatException(
              indexFile, "weight_map entry of tensor '" + e.getKey() + "' names an invalid shard "
                  + e.getValue() + " (expected the name of a file beside the index)");
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
      for (Map.Entry<String, SafetensorsFile> s : shards.entrySet()) {
        for (String name : s.getValue().names()) {
          SafetensorsFile owner = byTensor.get(name);
          if (owner != s.getValue()) {
            throw new CheckpointFormatException(indexFile, "tensor '" + name + "' of shard '"
                + s.getKey() + "' is " + (owner == null ? "not listed in weight_map"
                    : "listed in weight_map under shard '" + owner.path().getFileName() + "'"));
          }
        }
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

  /** A file name without a folder part: no separator, not . or .., no control character. */
  private static boolean plainFileName(String name) {
    if (name.isEmpty() || name.equals(".") || name.equals("..") || name.length() > 255) {
      return false;
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c == '/' || c == '\\' || c == ':' || Character.isISOControl(c)) {
        return false;
      }
    }
    return true;
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
