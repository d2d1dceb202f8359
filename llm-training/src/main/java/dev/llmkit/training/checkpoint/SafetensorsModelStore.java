package dev.llmkit.training.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmkit.model.config.ModelConfig;
import dev.llmkit.model.weights.ModelWeights;
import dev.llmkit.tensor.Tensor;
import dev.llmkit.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;

/**
 * The trainer's own model files: {@code llmkit_config.json} (every {@link ModelConfig} field) and
 * {@code model.safetensors} holding every parameter as float32 under its canonical name (see
 * {@link ModelWeights#named()}). The tokenizer is not written by this store.
 *
 * <p>Safetensors layout: an 8-byte little-endian header length, a JSON header mapping each name to
 * {@code {"dtype":"F32","shape":[...],"data_offsets":[begin,end]}}, then the raw little-endian data.
 */
public final class SafetensorsModelStore implements ModelStore {

  /** Name of the config file. */
  public static final String CONFIG_FILE = "llmkit_config.json";
  /** Name of the weights file. */
  public static final String WEIGHTS_FILE = "model.safetensors";

  private static final ObjectMapper JSON = new ObjectMapper();

  @Override
  public void save(Path dir, ModelWeights weights, Tokenizer tokenizer) throws IOException {
    JSON.writerWithDefaultPrettyPrinter()
        .writeValue(dir.resolve(CONFIG_FILE).toFile(), JSON.valueToTree(weights.config()));
    writeSafetensors(dir.resolve(WEIGHTS_FILE), weights.named());
  }

  @Override
  public ModelWeights load(Path dir) throws IOException {
    Path cfgFile = dir.resolve(CONFIG_FILE);
    if (!Files.isRegularFile(cfgFile)) {
      throw new IOException("no " + CONFIG_FILE + " in " + dir);
    }
    ModelConfig config = JSON.treeToValue(JSON.readTree(cfgFile.toFile()), ModelConfig.class);
    ModelWeights weights = ModelWeights.zeros(config);
    readSafetensors(dir.resolve(WEIGHTS_FILE), weights.named());
    return weights;
  }

  /** Writes tensors in safetensors format (F32). */
  static void writeSafetensors(Path file, Map<String, Tensor> tensors) throws IOException {
    ObjectNode header = JSON.createObjectNode();
    long offset = 0;
    for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
      ObjectNode t = header.putObject(e.getKey());
      t.put("dtype", "F32");
      var shape = t.putArray("shape");
      for (int d : e.getValue().shape()) {
        shape.add(d);
      }
      long bytes = 4L * e.getValue().length();
      t.putArray("data_offsets").add(offset).add(offset + bytes);
      offset += bytes;
    }
    header.putObject("__metadata__").put("format", "pt");
    byte[] json = JSON.writeValueAsBytes(header);
    int padded = (json.length + 7) / 8 * 8;
    byte[] head = Arrays.copyOf(json, padded);
    Arrays.fill(head, json.length, padded, (byte) ' ');
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE,
        StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
      ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).flip();
      writeFully(ch, len);
      writeFully(ch, ByteBuffer.wrap(head));
      ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
      for (Tensor t : tensors.values()) {
        FloatBuffer src = t.buffer();
        int n = t.length();
        for (int i = 0; i < n; ) {
          buf.clear();
          int m = Math.min(n - i, buf.capacity() / 4);
          FloatBuffer fb = buf.asFloatBuffer();
          fb.put(0, src, i, m);
          buf.limit(4 * m);
          writeFully(ch, buf);
          i += m;
        }
      }
      ch.force(true);
    }
  }

  /** Reads every tensor of {@code into} (by name, shapes checked) from a safetensors file. */
  static void readSafetensors(Path file, Map<String, Tensor> into) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      readFully(ch, len, 0);
      long headerLen = len.flip().getLong();
      if (headerLen <= 0 || headerLen > Math.min(ch.size() - 8, 100_000_000L)) {
        throw new IOException(file + ": corrupt safetensors header length " + headerLen);
      }
      ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
      readFully(ch, hb, 8);
      JsonNode header = JSON.readTree(new String(hb.array(), StandardCharsets.UTF_8).trim());
      long dataStart = 8 + headerLen;
      for (Map.Entry<String, Tensor> e : into.entrySet()) {
        JsonNode t = header.get(e.getKey());
        if (t == null) {
          throw new IOException(file + ": parameter " + e.getKey() + " is missing");
        }
        if (!"F32".equals(t.path("dtype").asText())) {
          throw new IOException(file + ": parameter " + e.getKey() + " has dtype "
              + t.path("dtype").asText() + ", expected F32");
        }
        int[] shape = new int[t.path("shape").size()];
        Iterator<JsonNode> it = t.path("shape").elements();
        for (int i = 0; it.hasNext(); i++) {
          shape[i] = it.next().asInt();
        }
        Tensor dst = e.getValue();
        if (!Arrays.equals(shape, dst.shape())) {
          throw new IOException(file + ": parameter " + e.getKey() + " has shape "
              + Arrays.toString(shape) + ", expected " + dst.shapeString());
        }
        long begin = t.path("data_offsets").get(0).asLong();
        long end = t.path("data_offsets").get(1).asLong();
        if (end - begin != 4L * dst.length() || dataStart + end > ch.size()) {
          throw new IOException(file + ": parameter " + e.getKey() + " has bad data offsets ["
              + begin + ", " + end + "]");
        }
        ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
        FloatBuffer out = dst.buffer();
        int n = dst.length();
        for (int i = 0; i < n; ) {
          int m = Math.min(n - i, buf.capacity() / 4);
          buf.clear().limit(4 * m);
          readFully(ch, buf, dataStart + begin + 4L * i);
          out.put(i, buf.flip().asFloatBuffer(), 0, m);
          i += m;
        }
      }
    }
  }

  private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
    while (b.hasRemaining()) {
      ch.write(b);
    }
  }

  private static void readFully(FileChannel ch, ByteBuffer b, long position) throws IOException {
    long pos = position;
    while (b.hasRemaining()) {
      int r = ch.read(b, pos);
      if (r < 0) {
        throw new IOException("unexpected end of file at byte " + pos);
      }
      pos += r;
    }
  }
}
