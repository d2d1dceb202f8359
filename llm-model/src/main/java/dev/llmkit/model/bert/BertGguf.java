package dev.llmkit.model.bert;

import dev.llmkit.model.io.CheckpointFormatException;
import dev.llmkit.model.io.TensorLoader;
import dev.llmkit.model.io.TensorSource;
import dev.llmkit.model.io.gguf.GgufFile;
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
      full.put(hf + ".bias", gg + ".bias");
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
