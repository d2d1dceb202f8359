package dev.llmkit.model.io.safetensors;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmkit.model.io.AtomicFiles;
import dev.llmkit.tensor.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes float32 safetensors files atomically (temporary file in the same folder, then an atomic
 * move), single or sharded with a {@code model.safetensors.index.json} as Hugging Face does.
 */
public final class SafetensorsWriter {

  /** File name of a single-file checkpoint. */
  public static final String SINGLE_FILE = "model.safetensors";
  /** File name of the index of a sharded checkpoint. */
  public static final String INDEX_FILE = "model.safetensors.index.json";

  private static final ObjectMapper JSON = new ObjectMapper();

  private SafetensorsWriter() {}

  /**
   * Writes the tensors, in map order, as F32 into {@code file}, atomically.
   *
   * @param file the target
   * @param tensors name to tensor; names must be unique and non-empty
   * @param metadata the {@code __metadata__} strings, or null
   */
  public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata)
      throws IOException {
    ObjectNode header = JSON.createObjectNode();
    if (metadata != null && !metadata.isEmpty()) {
      ObjectNode m = header.putObject("__metadata__");
      metadata.forEach(m::put);
    }
    long offset = 0;
    for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
      if (e.getKey().isEmpty() || e.getKey().equals("__metadata__")) {
        throw new IllegalArgumentException("invalid tensor name '" + e.getKey() + "'");
      }
      Tensor t = e.getValue();
      ObjectNode o = header.putObject(e.getKey());
      o.put("dtype", "F32");
      ArrayNode s = o.putArray("shape");
      for (int d : t.shape()) {
        s.add(d);
      }
      long bytes = 4L * t.length();
      o.putArray("data_offsets").add(offset).add(offset + bytes);
      offset += bytes;
    }
    byte[] json = JSON.writeValueAsBytes(header);
    int padded = (json.length + 7) / 8 * 8;
    ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
    head.putLong(padded).put(json);
    while (head.hasRemaining()) {
      head.put((byte) ' ');
    }
    head.flip();
    AtomicFiles.write(file, ch -> {
      writeFully(ch, head);
      ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
      for (Tensor t : tensors.values()) {
        FloatBuffer src = t.buffer();
        int n = t.length();
        for (int at = 0; at < n; ) {
          int k = Math.min(n - at, buf.capacity() / 4);
          buf.clear();
          buf.asFloatBuffer().put(0, src, at, k);
          buf.limit(4 * k);
          writeFully(ch, buf);
          at += k;
        }
      }
    });
  }

  /**
   * Writes the tensors into {@code dir} as {@code model.safetensors} when they fit in
   * {@code maxShardBytes}, else as {@code model-0000k-of-0000n.safetensors} shards plus
   * {@code model.safetensors.index.json} (a tensor larger than the limit gets a shard of its own).
   * Each file is written atomically; the index last, so a reader never sees it before its shards.
   *
   * @return the files written (shards first, index last)
   */
  public static List<Path> writeSharded(
      Path dir, Map<String, Tensor> tensors, Map<String, String> metadata, long maxShardBytes)
      throws IOException {
    if (maxShardBytes <= 0) {
      throw new IllegalArgumentException("maxShardBytes must be > 0, got " + maxShardBytes);
    }
    Files.createDirectories(dir);
    List<Map<String, Tensor>> shards = new ArrayList<>();
    Map<String, Tensor> cur = new LinkedHashMap<>();
    long curBytes = 0;
    long total = 0;
    for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
      long b = 4L * e.getValue().length();
      if (!cur.isEmpty() && curBytes + b > maxShardBytes) {
        shards.add(cur);
        cur = new LinkedHashMap<>();
        curBytes = 0;
      }
      cur.put(e.getKey(), e.getValue());
      curBytes += b;
      total += b;
    }
    shards.add(cur);
    List<Path> written = new ArrayList<>();
    if (shards.size() == 1) {
      Path f = dir.resolve(SINGLE_FILE);
      write(f, tensors, metadata);
      Files.deleteIfExists(dir.resolve(INDEX_FILE));
      written.add(f);
      return written;
    }
    ObjectNode index = JSON.createObjectNode();
    index.putObject("metadata").put("total_size", total);
    ObjectNode map = index.putObject("weight_map");
    for (int k = 0; k < shards.size(); k++) {
      String name = String.format("model-%05d-of-%05d.safetensors", k + 1, shards.size());
      Path f = dir.resolve(name);
      write(f, shards.get(k), metadata);
      shards.get(k).keySet().forEach(t -> map.put(t, name));
      written.add(f);
    }
    Path idx = dir.resolve(INDEX_FILE);
    AtomicFiles.write(idx, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(index)
        .getBytes(StandardCharsets.UTF_8));
    Files.deleteIfExists(dir.resolve(SINGLE_FILE));
    written.add(idx);
    return written;
  }

  private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
    while (b.hasRemaining()) {
      ch.write(b);
    }
  }
}
