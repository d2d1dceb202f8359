package dev.llmkit.model.io.llama2c;

import dev.llmkit.model.config.ModelConfig;
import dev.llmkit.model.config.ModelConfig.Activation;
import dev.llmkit.model.config.ModelConfig.NormType;
import dev.llmkit.model.config.ModelConfig.PositionEncoding;
import dev.llmkit.model.io.CheckpointFormatException;
import dev.llmkit.model.io.MappedRegions;
import dev.llmkit.model.io.StoredType;
import dev.llmkit.model.weights.LayerWeights;
import dev.llmkit.model.weights.ModelWeights;
import dev.llmkit.tensor.RopeStyle;
import dev.llmkit.tensor.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * llama2.c's legacy checkpoint ({@code run.c}'s {@code .bin}): a header of 7 little-endian int32
 * ({@code dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len}; a negative vocab_size
 * means the classifier is stored separately), then float32 arrays: token embedding [vocab, dim],
 * rms_att [layers, dim], wq [layers, dim, dim], wk, wv [layers, kv_dim, dim], wo [layers, dim, dim],
 * rms_ffn [layers, dim], w1 [layers, hidden, dim], w2 [layers, dim, hidden], w3 [layers, hidden, dim],
 * rms_final [dim], two unused RoPE tables [seq_len, head_dim/2] each, then wcls [vocab, dim] when
 * untied. Matrices are [out, in] like the canonical layout.
 *
 * <p>The architecture is Llama with Meta's adjacent-pair RoPE (theta 10000), RMSNorm eps 1e-5,
 * SwiGLU, no biases; BOS = 1 and EOS = 2 as in llama2.c's tokenizers.
 */
public final class Llama2cCheckpoint {

  /** Bytes of the header. */
  public static final int HEADER_BYTES = 28;

  /** Sanity bound on header sizes: a corrupt header fails before anything is allocated. */
  private static final int MAX_DIM = 1 << 20;

  private Llama2cCheckpoint() {}

  /** One float32 array of the file. */
  private record Segment(String name, long offset, long elements) {}

  /**
   * Reads the header and returns the config it describes.
   *
   * @throws CheckpointFormatException if the header is truncated or inconsistent, naming the field
   */
  public static ModelConfig readConfig(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      return header(file, ch);
    }
  }

  private static ModelConfig header(Path file, FileChannel ch) throws IOException {
    if (ch.size() < HEADER_BYTES) {
      throw new CheckpointFormatException(
          file, "llama2.c checkpoint truncated: " + ch.size() + " bytes, header needs " + HEADER_BYTES);
    }
    ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    while (b.hasRemaining()) {
      if (ch.read(b, b.position()) < 0) {
        throw new CheckpointFormatException(file, "unexpected end of file in the header");
      }
    }
    String[] names = {"dim", "hidden_dim", "n_layers", "n_heads", "n_kv_heads", "vocab_size", "seq_len"};
    int[] v = new int[7];
    for (int i = 0; i < 7; i++) {
      v[i] = b.getInt(4 * i);
      int x = i == 5 ? Math.abs(v[i]) : v[i];
      if (x <= 0 || x > (i == 5 ? 1 << 24 : MAX_DIM)) {
        throw new CheckpointFormatException(
            file, "header field " + names[i] + " = " + v[i] + " is out of range (not a llama2.c checkpoint?)");
      }
    }
    int dim = v[0];
    int heads = v[3];
    int kvHeads = v[4];
    if (dim % heads != 0) {
      throw new CheckpointFormatException(file, "header: dim " + dim + " is not a multiple of n_heads " + heads);
    }
    if (heads % kvHeads != 0) {
      throw new CheckpointFormatException(
          file, "header: n_heads " + heads + " is not a multiple of n_kv_heads " + kvHeads);
    }
    if ((dim / heads) % 2 != 0) {
      throw new CheckpointFormatException(file, "header: head size " + dim / heads + " is odd");
    }
    int vocab = Math.abs(v[5]);
    return ModelConfig.builder()
        .dim(dim)
        .ffnDim(v[1])
        .nLayers(v[2])
        .nHeads(heads)
        .nKvHeads(kvHeads)
        .vocabSize(vocab)
        .contextLength(v[6])
        .positions(PositionEncoding.ROTARY)
        .ropeStyle(RopeStyle.ADJACENT_PAIRS)
        .ropeTheta(10000.0)
        .norm(NormType.RMS_NORM)
        .normEps(1e-5f)
        .activation(Activation.SWIGLU)
        .attentionBias(false)
        .mlpBias(false)
        .tiedEmbeddings(v[5] > 0)
        .bosTokenId(vocab > 1 ? 1 : -1)
        .eosTokenId(vocab > 2 ? 2 : -1)
        .build();
  }

  /**
   * Loads a llama2.c checkpoint. The file size is checked against the header before anything is
   * allocated.
   *
   * @throws CheckpointFormatException if the header is corrupt or the file is truncated, naming the
   *     file and the first array that runs past its end
   */
  public static ModelWeights load(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      ModelConfig c = header(file, ch);
      long C = c.dim();
      long H = c.ffnDim();
      long L = c.nLayers();
      long kv = c.kvDim();
      long V = c.vocabSize();
      Map<String, Segment> plan = new LinkedHashMap<>();
      long[] at = {HEADER_BYTES};
      java.util.function.BiConsumer<String, Long> seg = (name, n) -> {
        plan.put(name, new Segment(name, at[0], n));
        at[0] = Math.addExact(at[0], Math.multiplyExact(4L, n)); // sizes up to 2^62 each
      };
      try {
        seg.accept("token_embedding_table", V * C);
        seg.accept("rms_att_weight", L * C);
        seg.accept("wq", L * C * C);
        seg.accept("wk", L * kv * C);
        seg.accept("wv", L * kv * C);
        seg.accept("wo", L * C * C);
        seg.accept("rms_ffn_weight", L * C);
        seg.accept("w1", L * H * C);
        seg.accept("w2", L * C * H);
        seg.accept("w3", L * H * C);
        seg.accept("rms_final_weight", C);
        seg.accept("freq_cis_real", (long) c.contextLength() * c.headDim() / 2);
        seg.accept("freq_cis_imag", (long) c.contextLength() * c.headDim() / 2);
        if (!c.tiedEmbeddings()) {
          seg.accept("wcls", V * C);
        }
      } catch (ArithmeticException e) {
        throw new CheckpointFormatException(
            file, "llama2.c header sizes imply more than 2^63 bytes (not a llama2.c checkpoint?)");
      }
      long size = ch.size();
      for (Segment s : plan.values()) {
        if (s.offset() + 4 * s.elements() > size) {
          throw new CheckpointFormatException(
              file, "llama2.c checkpoint truncated: array '" + s.name() + "' needs bytes ["
                  + s.offset() + ", " + (s.offset() + 4 * s.elements()) + ") but the file has "
                  + size + " bytes (expected " + at[0] + ")");
        }
      }
      if (size != at[0]) {
        // run.c reads the arrays in this order and never checks the length: a header whose sizes
        // disagree with the file (n_layers or vocab_size changed) would load a wrong model.
        throw new CheckpointFormatException(
            file, "llama2.c checkpoint is " + size + " bytes but its header (dim " + c.dim()
                + ", hidden_dim " + c.ffnDim() + ", n_layers " + c.nLayers() + ", n_heads "
                + c.nHeads() + ", n_kv_heads " + c.nKvHeads() + ", vocab_size " + c.vocabSize()
                + (c.tiedEmbeddings() ? "" : " (untied)") + ", seq_len " + c.contextLength()
                + ") implies exactly " + at[0] + " bytes");
      }
      int c1 = c.dim();
      int h1 = c.ffnDim();
      int kv1 = c.kvDim();
      Tensor emb = read(ch, file, plan.get("token_embedding_table"), 0, c.vocabSize(), c1);
      LayerWeights[] layers = new LayerWeights[c.nLayers()];
      for (int i = 0; i < layers.length; i++) {
        layers[i] = new LayerWeights(
            read(ch, file, plan.get("rms_att_weight"), i, c1), null,
            read(ch, file, plan.get("wq"), i, c1, c1), null,
            read(ch, file, plan.get("wk"), i, kv1, c1), null,
            read(ch, file, plan.get("wv"), i, kv1, c1), null,
            read(ch, file, plan.get("wo"), i, c1, c1), null,
            read(ch, file, plan.get("rms_ffn_weight"), i, c1), null,
            read(ch, file, plan.get("w1"), i, h1, c1), null,
            read(ch, file, plan.get("w3"), i, h1, c1),
            read(ch, file, plan.get("w2"), i, c1, h1), null);
      }
      Tensor fin = read(ch, file, plan.get("rms_final_weight"), 0, c1);
      Tensor cls = c.tiedEmbeddings() ? null : read(ch, file, plan.get("wcls"), 0, c.vocabSize(), c1);
      return new ModelWeights(c, emb, null, layers, fin, null, cls);
    }
  }

  /** Reads slice {@code index} (of the given shape) of a per-layer array. */
  private static Tensor read(FileChannel ch, Path file, Segment s, int index, int... shape)
      throws IOException {
    Tensor t = Tensor.zeros(shape);
    long offset = s.offset() + 4L * index * t.length();
    String label = t.length() == s.elements() ? s.name() : s.name() + "[layer " + index + "]";
    MappedRegions.read(ch, file, label, offset, t.length(), StoredType.F32, t.buffer());
    return t;
  }
}
