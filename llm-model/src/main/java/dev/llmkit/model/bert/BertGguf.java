package dev.llmkit.model.bert;

import dev.llmkit.model.io.CheckpointFormatException;
import dev.llmkit.model.io.TensorLoader;
import dev.llmkit.model.io.TensorSource;
import dev.llmkit.model.io.gguf.GgufFile;
import dev.llmkit.model.io.gguf.GgufKv;
import dev.llmkit.model.io.gguf.GgufWriter;
import dev.llmkit.model.nn.Activation;
import dev.llmkit.tensor.Tensor;
import dev.llmkit.tokenizer.Tokenizer;
import dev.llmkit.tokenizer.encoding.TemplateEncoder;
import dev.llmkit.tokenizer.gguf.GgufTokenizers;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;

/**
 * llama.cpp's {@code bert} GGUF (as its {@code convert_hf_to_gguf.py} writes a BERT): the encoder
 * under llama.cpp's tensor names ({@code token_embd}, {@code position_embd}, {@code token_types},
 * {@code token_embd_norm}, {@code blk.N.attn_q|k|v|output}, {@code attn_output_norm},
 * {@code ffn_up}, {@code ffn_down}, {@code layer_output_norm}), the shape from {@code bert.*}
 * metadata, the pooling from {@code bert.pooling_type} (1 mean, 2 CLS), and the WordPiece
 * vocabulary in llama.cpp's phantom-space form. The converter drops the pooler and the masked-LM
 * head, so the model is an encoder for embeddings; a classifier ({@code cls.output}) is not read.
 * F32 and F16 tensors (and the quantized types GgufFile dequantizes) load as float32.
 */
public final class BertGguf {

  /** {@code general.architecture} of a BERT GGUF. */
  public static final String ARCHITECTURE = "bert";

  private BertGguf() {}

  /** Whether {@code file} is a GGUF whose {@code general.architecture} is {@code bert}. */
  public static boolean isBert(Path file) {
    try (GgufFile g = GgufFile.open(file)) {
      return ARCHITECTURE.equals(g.string("general.architecture"));
    } catch (IOException | RuntimeException e) {
      return false; // not a readable GGUF: whoever loads it reports why
    }
  }

  /**
   * Loads the encoder.
   *
   * @return the weights, with the file's pooling (mean when it names none) and no normalisation
   * @throws CheckpointFormatException if the file is not a {@code bert} GGUF, lacks a required
   *     metadata value, or a tensor is missing or misshapen (naming it)
   */
  public static BertCheckpoint.Loaded load(Path file) throws IOException {
    try (GgufFile g = GgufFile.open(file)) {
      String arch = g.string("general.architecture");
      if (!ARCHITECTURE.equals(arch)) {
        throw new CheckpointFormatException(file, "general.architecture '" + arch
            + "' is not an encoder GGUF (expected bert)");
      }
      if (!g.tensors().containsKey("token_embd.weight")) {
        throw new CheckpointFormatException(file, "has no tensor token_embd.weight");
      }
      int vocab = (int) g.shape("token_embd.weight")[0];
      int types = (int) g.integer("tokenizer.ggml.token_type_count", 2);
      if (g.tensors().containsKey("token_types.weight")) {
        types = (int) g.shape("token_types.weight")[0];
      }
      BertConfig c;
      try {
        c = new BertConfig(vocab, g.requiredInt("bert.embedding_length"),
            g.requiredInt("bert.block_count"), g.requiredInt("bert.attention.head_count"),
            g.requiredInt("bert.feed_forward_length"), g.requiredInt("bert.context_length"), types,
            (float) g.number("bert.attention.layer_norm_epsilon", 1e-12),
            Activation.GELU_ERF, (int) g.integer("tokenizer.ggml.padding_token_id", 0), List.of());
      } catch (IllegalArgumentException e) {
        throw new CheckpointFormatException(file, e.getMessage(), e);
      }
      Pooling pooling = switch ((int) g.integer("bert.pooling_type", 1)) {
        case 2 -> Pooling.CLS;
        default -> Pooling.MEAN;
      };
      BertWeights w = BertCheckpoint.load(new TensorLoader(new Renamed(g, c.layers())), c);
      return new BertCheckpoint.Loaded(w, pooling, false);
    }
  }

  /**
   * The tokenizer of the file with BERT's template ({@code [CLS] A [SEP]}, pairs with type ids).
   *
   * @throws IllegalArgumentException if the vocabulary has no [CLS], [SEP] or [PAD]
   */
  public static TemplateEncoder tokenizer(Path file) throws IOException {
    Tokenizer tok = GgufTokenizers.load(file);
    return TemplateEncoder.bert(tok, id(tok, "[CLS]", file), id(tok, "[SEP]", file),
        id(tok, "[PAD]", file));
  }

  /** Encoder and tokenizer: what {@code llm embed --model x.gguf} runs. */
  public static BertPipeline pipeline(Path file) throws IOException {
    BertCheckpoint.Loaded l = load(file);
    return new BertPipeline(new BertModel(l.weights()), tokenizer(file), l.pooling(), l.normalize());
  }

  /**
   * Writes the encoder as llama.cpp's {@code bert} GGUF (F32), with the metadata and vocabulary
   * {@code convert_hf_to_gguf.py} writes: the pooler and the heads are not written (llama.cpp's
   * converter drops them too).
   *
   * @param file the GGUF to write
   * @param w the weights
   * @param pooling written as {@code bert.pooling_type}
   * @param vocabulary the WordPiece pieces by id, as the lines of BERT's {@code vocab.txt}
   *     ({@code ##} continuations; {@code [UNK]} and the bracketed special tokens)
   * @throws IllegalArgumentException if the vocabulary's size is not the model's, or it lacks
   *     [UNK], [CLS], [SEP] or [PAD]
   */
  public static void save(Path file, BertWeights w, Pooling pooling, List<String> vocabulary)
      throws IOException {
    BertConfig c = w.config();
    if (vocabulary.size() != c.vocabSize()) {
      throw new IllegalArgumentException("BertGguf.save: " + vocabulary.size()
          + " vocabulary pieces for a model of vocab_size " + c.vocabSize());
    }
    List<String> pieces = new java.util.ArrayList<>();
    int[] types = new int[vocabulary.size()];
    for (int i = 0; i < vocabulary.size(); i++) {
      String t = vocabulary.get(i);
      boolean special = t.length() > 2 && t.startsWith("[") && t.endsWith("]");
      // llama.cpp's token types: 1 normal, 2 unknown, 3 control; its "phantom space" pieces
      types[i] = t.equals("[UNK]") ? 2 : special ? 3 : 1;
      pieces.add(special ? t : t.startsWith("##") ? t.substring(2) : "\u2581" + t);
    }
    List<GgufKv> kv = new java.util.ArrayList<>();
    kv.add(GgufKv.string("general.architecture", ARCHITECTURE));
    kv.add(GgufKv.u32("bert.context_length", c.maxPositions()));
    kv.add(GgufKv.u32("bert.embedding_length", c.hidden()));
    kv.add(GgufKv.u32("bert.feed_forward_length", c.intermediate()));
    kv.add(GgufKv.u32("bert.block_count", c.layers()));
    kv.add(GgufKv.u32("bert.attention.head_count", c.heads()));
    kv.add(GgufKv.f32("bert.attention.layer_norm_epsilon", c.layerNormEps()));
    kv.add(GgufKv.u32("general.file_type", 0));
    kv.add(new GgufKv("bert.attention.causal", 7, new byte[] {0}));
    kv.add(GgufKv.u32("bert.pooling_type", pooling == Pooling.CLS ? 2 : 1));
    kv.add(GgufKv.u32("tokenizer.ggml.token_type_count", c.typeVocabSize()));
    kv.add(GgufKv.string("tokenizer.ggml.model", "bert"));
    kv.add(GgufKv.string("tokenizer.ggml.pre", "default"));
    kv.add(new GgufKv("tokenizer.ggml.tokens", 9, stringArray(pieces)));
    java.nio.ByteBuffer tt = java.nio.ByteBuffer.allocate(12 + 4 * types.length)
        .order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(5).putLong(types.length);
    for (int t : types) {
      tt.putInt(t);
    }
    kv.add(new GgufKv("tokenizer.ggml.token_type", 9, tt.array()));
    String[][] ids = {{"tokenizer.ggml.unknown_token_id", "[UNK]"},
        {"tokenizer.ggml.seperator_token_id", "[SEP]"}, {"tokenizer.ggml.padding_token_id", "[PAD]"},
        {"tokenizer.ggml.cls_token_id", "[CLS]"}, {"tokenizer.ggml.bos_token_id", "[CLS]"},
        {"tokenizer.ggml.mask_token_id", "[MASK]"}};
    for (String[] e : ids) {
      int at = vocabulary.indexOf(e[1]);
      if (at < 0 && !e[1].equals("[MASK]")) {
        throw new IllegalArgumentException("BertGguf.save: the vocabulary has no " + e[1] + " token");
      }
      if (at >= 0) {
        kv.add(GgufKv.u32(e[0], at));
      }
    }
    Map<String, Tensor> hf = BertCheckpoint.toHf(w.withHeads(null, null, null, c.withLabels(List.of())));
    List<GgufWriter.Tensor> tensors = new java.util.ArrayList<>();
    names(c.layers()).forEach((hfName, gg) -> {
      Tensor t = hf.get(hfName);
      int[] shape = t.shape();
      // GGUF dims are innermost first: a (rows, cols) matrix is [cols, rows]
      long[] dims = shape.length == 1 ? new long[] {shape[0]} : new long[] {shape[1], shape[0]};
      tensors.add(new GgufWriter.Tensor(gg, dims, 0, 4L * t.length(), out -> {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4 * t.length())
            .order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (float x : t.toArray()) {
          b.putFloat(x);
        }
        out.write(b.array());
      }));
    });
    GgufWriter.write(file, kv, tensors, GgufFile.DEFAULT_ALIGNMENT);
  }

  /** A GGUF array of strings: element type 8, count, then each string (length, UTF-8 bytes). */
  private static byte[] stringArray(List<String> values) {
    List<byte[]> b = values.stream().map(v -> v.getBytes(java.nio.charset.StandardCharsets.UTF_8))
        .toList();
    int n = 12;
    for (byte[] x : b) {
      n += 8 + x.length;
    }
    java.nio.ByteBuffer out = java.nio.ByteBuffer.allocate(n).order(java.nio.ByteOrder.LITTLE_ENDIAN)
        .putInt(8).putLong(values.size());
    for (byte[] x : b) {
      out.putLong(x.length).put(x);
    }
    return out.array();
  }

  private static int id(Tokenizer tok, String name, Path file) {
    OptionalInt id = tok.tokenId(name);
    if (id.isEmpty()) {
      throw new IllegalArgumentException(file + ": the vocabulary has no " + name + " token");
    }
    return id.getAsInt();
  }

  /** llama.cpp's name of each Hugging Face BERT tensor (no {@code bert.} prefix) of L layers. */
  static Map<String, String> names(int layers) {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("embeddings.word_embeddings", "token_embd");
    m.put("embeddings.position_embeddings", "position_embd");
    m.put("embeddings.token_type_embeddings", "token_types");
    m.put("embeddings.LayerNorm", "token_embd_norm");
    for (int i = 0; i < layers; i++) {
      String h = "encoder.layer." + i + ".";
      String b = "blk." + i + ".";
      m.put(h + "attention.self.query", b + "attn_q");
      m.put(h + "attention.self.key", b + "attn_k");
      m.put(h + "attention.self.value", b + "attn_v");
      m.put(h + "attention.output.dense", b + "attn_output");
      m.put(h + "attention.output.LayerNorm", b + "attn_output_norm");
      m.put(h + "intermediate.dense", b + "ffn_up");
      m.put(h + "output.dense", b + "ffn_down");
      m.put(h + "output.LayerNorm", b + "layer_output_norm");
    }
    Map<String, String> full = new LinkedHashMap<>();
    m.forEach((hf, gg) -> {
      full.put(hf + ".weight", gg + ".weight");
      if (!hf.endsWith("_embeddings")) { // the embedding tables have no bias
        full.put(hf + ".bias", gg + ".bias");
      }
    });
    return full;
  }

  /**
   * The GGUF's tensors under their Hugging Face names; a mapped tensor the file lacks is reported
   * under its llama.cpp name.
   */
  private static final class Renamed implements TensorSource {
    private final GgufFile g;
    private final Map<String, String> byHf;

    Renamed(GgufFile g, int layers) {
      this.g = g;
      this.byHf = BertGguf.names(layers);
    }

    @Override
    public Set<String> names() {
      return byHf.keySet();
    }

    @Override
    public long[] shape(String name) throws CheckpointFormatException {
      return g.shape(gguf(name));
    }

    @Override
    public void read(String name, Tensor dest) throws IOException {
      g.read(gguf(name), dest);
    }

    @Override
    public Path file(String name) {
      return g.path();
    }

    @Override
    public void close() {}

    private String gguf(String name) throws CheckpointFormatException {
      String n = byHf.get(name);
      if (n == null || !g.tensors().containsKey(n)) {
        throw new CheckpointFormatException(g.path(), "tensor '" + n + "' is missing (the "
            + "Hugging Face " + name + ")");
      }
      return n;
    }
  }
}
