package dev.llmkit.model.io.gguf;

import dev.llmkit.model.io.CheckpointFormatException;
import dev.llmkit.tensor.Tensor;
import dev.llmkit.tensor.quant.QuantType;
import dev.llmkit.tensor.quant.QuantizedMatrix;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Quantizes an F32/F16/BF16 GGUF model into a GGUF that llama.cpp loads, as {@code llama-quantize
 * IN OUT TYPE} does without an importance matrix: the same tensors quantized (2-D weights except
 * norms and position embeddings), the same per-tensor types for the mixtures, the same rounding
 * ({@link QuantType#quantize}, llama.cpp's reference quantizers), the same tensor order (model-wide
 * tensors by name, then each layer's by name) and metadata (the input's, with
 * {@code general.quantization_version} and {@code general.file_type} moved to the end), so that for
 * the same input the output is the same bytes.
 */
public final class GgufQuantizer {

  private static final Logger LOG = LoggerFactory.getLogger(GgufQuantizer.class);
  private static final Pattern LAYER = Pattern.compile("^blk\\.(\\d+)\\.");

  private GgufQuantizer() {}

  /** The output types {@code llm quantize --type} offers, with llama.cpp's file type ids. */
  public enum Recipe {
    /** Every weight Q8_0 (llama.cpp {@code Q8_0}). */
    Q8_0(7, QuantType.Q8_0),
    /** Every weight Q4_0, the output matrix Q6_K (llama.cpp {@code Q4_0}). */
    Q4_0(2, QuantType.Q4_0),
    /** Every weight Q4_K, no mixture (llama.cpp {@code --pure Q4_K_S}). */
    Q4_K(14, QuantType.Q4_K),
    /** Every weight Q6_K (llama.cpp {@code Q6_K}). */
    Q6_K(18, QuantType.Q6_K),
    /**
     * Q4_K with llama.cpp's Q4_K_M mixture: output Q6_K, fused qkv Q5_K, attn_v and ffn_down of
     * the first and last eighth of the layers and every third layer between Q6_K.
     */
    Q4_K_M(15, QuantType.Q4_K);

    final int fileType;
    final QuantType base;

    Recipe(int fileType, QuantType base) {
      this.fileType = fileType;
      this.base = base;
    }

    /**
     * The recipe named {@code q8_0}, {@code q4_0}, {@code q4_k}, {@code q6_k} or {@code q4_k_m} (any case).
     *
     * @throws IllegalArgumentException naming the accepted names
     */
    public static Recipe parse(String name) {
      for (Recipe r : values()) {
        if (r.name().equalsIgnoreCase(name)) {
          return r;
        }
      }
      throw new IllegalArgumentException(
          "unknown quantization type '" + name + "' (expected q8_0, q4_0, q4_k, q6_k or q4_k_m)");
    }

    @Override
    public String toString() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** What {@link #quantize} wrote: tensors quantized, bytes in and out. */
  public record Result(int quantized, int copied, long bytesIn, long bytesOut) {}

  /**
   * Writes {@code out}, {@code in} quantized by {@code recipe}.
   *
   * @throws CheckpointFormatException when {@code in} is not a readable GGUF, a tensor to quantize
   *     is already quantized, or its rows do not fit the type's blocks (named)
   */
  public static Result quantize(Path in, Path out, Recipe recipe) throws IOException {
    List<GgufKv> kvs = new ArrayList<>();
    for (GgufKv kv : GgufKv.readAll(in)) {
      if (!kv.key().equals("general.file_type") && !kv.key().equals("general.quantization_version")) {
        kvs.add(kv);
      }
    }
    kvs.add(GgufKv.u32("general.quantization_version", 2));
    kvs.add(GgufKv.u32("general.file_type", recipe.fileType));
    try (GgufFile g = GgufFile.open(in); FileChannel ch = FileChannel.open(in, StandardOpenOption.READ)) {
      List<GgufFile.TensorInfo> infos = new ArrayList<>(g.tensors().values());
      infos.sort(Comparator.comparingInt((GgufFile.TensorInfo t) -> layer(t.name()))
          .thenComparing(GgufFile.TensorInfo::name));
      boolean hasOutput = g.tensors().containsKey("output.weight");
      int nLayers = 0;
      for (GgufFile.TensorInfo t : infos) {
        if (t.name().endsWith("ffn_down.weight")) {
          nLayers++;
        }
      }
      int nAttnV = 0;
      for (GgufFile.TensorInfo t : infos) {
        if (t.name().endsWith("attn_v.weight") || t.name().endsWith("attn_qkv.weight")) {
          nAttnV++;
        }
      }
      long dataStart = dataStart(g);
      List<GgufWriter.Tensor> tensors = new ArrayList<>();
      int quantized = 0;
      int iFfnDown = 0;
      int iAttnV = 0;
      long bytesIn = 0;
      for (GgufFile.TensorInfo t : infos) {
        bytesIn += t.bytes();
        QuantType type = null;
        if (quantizable(t)) {
          type = recipe.base;
          String n = t.name();
          if (recipe != Recipe.Q4_K) { // llama_tensor_get_type; Q4_K is --pure
            if (n.equals("output.weight") || (!hasOutput && n.equals("token_embd.weight"))) {
              type = t.dims()[0] % 256 != 0 ? QuantType.Q8_0 : type == QuantType.Q8_0 ? type : QuantType.Q6_K;
            } else if (recipe == Recipe.Q4_K_M) {
              if (n.endsWith("attn_v.weight")) {
                type = moreBits(iAttnV, nAttnV) ? QuantType.Q6_K : type;
              } else if (n.endsWith("attn_qkv.weight")) {
                type = QuantType.Q5_K;
              } else if (n.endsWith("ffn_down.weight")) {
                type = moreBits(iFfnDown, nLayers) ? QuantType.Q6_K : type;
              }
            }
          }
          if (n.endsWith("attn_v.weight")) {
            iAttnV++;
          }
          if (n.endsWith("ffn_down.weight")) {
            iFfnDown++;
          }
          if (t.dims()[0] % type.blockSize() != 0) {
            throw new CheckpointFormatException(in, "tensor '" + n + "' rows of " + t.dims()[0]
                + " weights are not whole " + type + " blocks of " + type.blockSize() + "; use q8_0 or q4_0");
          }
          if (t.type() != GgmlType.F32 && t.type() != GgmlType.F16 && t.type() != GgmlType.BF16) {
            throw new CheckpointFormatException(in, "tensor '" + n + "' is already " + t.type()
                + "; quantize from an F32, F16 or BF16 GGUF");
          }
        }
        if (type == null) {
          long at = dataStart + t.offset();
          long bytes = t.bytes();
          tensors.add(new GgufWriter.Tensor(t.name(), t.dims(), t.type().id(), bytes, o -> copy(ch, at, bytes, o)));
        } else {
          quantized++;
          QuantType qt = type;
          long rows = t.elements() / t.dims()[0];
          int cols = (int) t.dims()[0];
          tensors.add(new GgufWriter.Tensor(t.name(), t.dims(), qt.ggmlId(), qt.bytes(rows, cols), o -> {
            Tensor w = Tensor.zeros(Math.toIntExact(rows), cols);
            g.read(t.name(), w);
            QuantizedMatrix.quantize(w, qt).writeTo(o);
          }));
        }
      }
      long alignment = g.integer("general.alignment", GgufFile.DEFAULT_ALIGNMENT);
      GgufWriter.write(out, kvs, tensors, (int) alignment);
      long bytesOut = java.nio.file.Files.size(out);
      LOG.info("{} -> {}: {} tensors quantized ({}), {} copied", in, out, quantized, recipe, tensors.size() - quantized);
      return new Result(quantized, tensors.size() - quantized, bytesIn, bytesOut);
    }
  }

  /** llama.cpp's choice: 2-D weights except norms, position and token-type embeddings. */
  private static boolean quantizable(GgufFile.TensorInfo t) {
    String n = t.name();
    int dims = t.dims().length;
    while (dims > 1 && t.dims()[dims - 1] == 1) {
      dims--;
    }
    return n.endsWith("weight") && dims >= 2 && !n.contains("_norm.weight")
        && !n.equals("position_embd.weight") && !n.equals("token_types.weight")
        && !n.contains("ffn_gate_inp.weight");
  }

  /** llama.cpp's {@code use_more_bits}: the first and last eighth of the layers and every third between. */
  static boolean moreBits(int i, int n) {
    return i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2;
  }

  /** The layer of a {@code blk.N.} tensor, −1 for model-wide tensors (they come first). */
  static int layer(String name) {
    Matcher m = LAYER.matcher(name);
    return m.find() ? Integer.parseInt(m.group(1)) : -1;
  }

  /** Where the data section starts: the end of the tensor infos, aligned. */
  private static long dataStart(GgufFile g) throws IOException {
    long alignment = g.integer("general.alignment", GgufFile.DEFAULT_ALIGNMENT);
    long pos = g.header().end();
    try (FileChannel ch = FileChannel.open(g.path(), StandardOpenOption.READ)) {
      ByteBuffer b = ch.map(FileChannel.MapMode.READ_ONLY, 0, Math.min(ch.size(), Integer.MAX_VALUE))
          .order(java.nio.ByteOrder.LITTLE_ENDIAN);
      b.position(Math.toIntExact(pos));
      for (GgufFile.TensorInfo t : g.tensors().values()) {
        b.position(b.position() + 8 + (int) b.getLong(b.position())); // name
        int nDims = b.getInt();
        b.position(b.position() + 8 * nDims + 4 + 8);
      }
      pos = b.position();
    }
    return (pos + alignment - 1) / alignment * alignment;
  }

  private static void copy(FileChannel ch, long at, long bytes, java.io.OutputStream o) throws IOException {
    long done = 0;
    var sink = Channels.newChannel(o);
    while (done < bytes) {
      long n = ch.transferTo(at + done, bytes - done, sink);
      if (n <= 0) {
        throw new IOException("short read at byte " + (at + done));
      }
      done += n;
    }
  }
}
