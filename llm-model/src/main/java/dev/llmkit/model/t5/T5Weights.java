package dev.llmkit.model.t5;

import dev.llmkit.model.io.CheckpointFormatException;
import dev.llmkit.model.io.TensorLoader;
import dev.llmkit.model.io.TensorSource;
import dev.llmkit.model.io.hf.HuggingFaceCheckpoint;
import dev.llmkit.model.io.safetensors.SafetensorsWriter;
import dev.llmkit.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The parameters of a T5 model under their Hugging Face names ({@code shared.weight},
 * {@code encoder.block.0.layer.0.SelfAttention.q.weight}, …, {@code lm_head.weight} when untied),
 * every matrix [out, in] as {@code nn.Linear} stores it. The tied copies
 * ({@code encoder.embed_tokens.weight}, {@code decoder.embed_tokens.weight} and, when tied,
 * {@code lm_head.weight}) are the one {@code shared.weight} tensor: written once, and accepted but
 * not required when reading.
 */
public final class T5Weights {

  private static final Logger LOG = LoggerFactory.getLogger(T5Weights.class);

  /** The name of the shared token embedding. */
  public static final String SHARED = "shared.weight";
  /** The untied output head. */
  public static final String LM_HEAD = "lm_head.weight";

  private final T5Config config;
  private final Map<String, Tensor> tensors;

  /**
   * @param config the architecture
   * @param tensors every tensor of {@link #layout}, by name, of the shapes it gives
   * @throws IllegalArgumentException naming a missing or misshapen tensor
   */
  public T5Weights(T5Config config, Map<String, Tensor> tensors) {
    this.config = Objects.requireNonNull(config, "config");
    Map<String, int[]> layout = layout(config);
    Map<String, Tensor> copy = new LinkedHashMap<>();
    for (Map.Entry<String, int[]> e : layout.entrySet()) {
      Tensor t = tensors.get(e.getKey());
      if (t == null || !java.util.Arrays.equals(t.shape(), e.getValue())) {
        throw new IllegalArgumentException("T5 tensor '" + e.getKey() + "' is "
            + (t == null ? "missing" : t.shapeString()) + ", expected "
            + java.util.Arrays.toString(e.getValue()));
      }
      copy.put(e.getKey(), t);
    }
    this.tensors = Collections.unmodifiableMap(copy);
  }

  /** The architecture. */
  public T5Config config() {
    return config;
  }

  /** Every tensor by Hugging Face name, in layout order (tied copies appear once, as shared). */
  public Map<String, Tensor> named() {
    return tensors;
  }

  /** The tensor of that name; throws naming it when there is none. */
  public Tensor get(String name) {
    Tensor t = tensors.get(name);
    if (t == null) {
      throw new IllegalArgumentException("no T5 tensor named '" + name + "'");
    }
    return t;
  }

  /** (V, dModel) the output head: the shared embedding when tied. */
  public Tensor lmHead() {
    return config.tiedEmbeddings() ? get(SHARED) : get(LM_HEAD);
  }

  /** Names and shapes of the parameters of a config, in the order they are saved. */
  public static Map<String, int[]> layout(T5Config c) {
    Map<String, int[]> m = new LinkedHashMap<>();
    int d = c.dModel();
    int inner = c.innerDim();
    m.put(SHARED, new int[] {c.vocabSize(), d});
    for (int i = 0; i < c.numLayers(); i++) {
      String b = "encoder.block." + i + ".layer.";
      attention(m, b + "0.SelfAttention", c, i == 0);
      m.put(b + "0.layer_norm.weight", new int[] {d});
      ffn(m, b + "1.DenseReluDense", c);
      m.put(b + "1.layer_norm.weight", new int[] {d});
    }
    m.put("encoder.final_layer_norm.weight", new int[] {d});
    for (int i = 0; i < c.numDecoderLayers(); i++) {
      String b = "decoder.block." + i + ".layer.";
      attention(m, b + "0.SelfAttention", c, i == 0);
      m.put(b + "0.layer_norm.weight", new int[] {d});
      attention(m, b + "1.EncDecAttention", c, false);
      m.put(b + "1.layer_norm.weight", new int[] {d});
      ffn(m, b + "2.DenseReluDense", c);
      m.put(b + "2.layer_norm.weight", new int[] {d});
    }
    m.put("decoder.final_layer_norm.weight", new int[] {d});
    if (!c.tiedEmbeddings()) {
      m.put(LM_HEAD, new int[] {c.vocabSize(), d});
    }
    return m;
  }

  private static void attention(Map<String, int[]> m, String p, T5Config c, boolean relative) {
    int d = c.dModel();
    int inner = c.innerDim();
    m.put(p + ".q.weight", new int[] {inner, d});
    m.put(p + ".k.weight", new int[] {inner, d});
    m.put(p + ".v.weight", new int[] {inner, d});
    m.put(p + ".o.weight", new int[] {d, inner});
    if (relative) {
      m.put(p + ".relative_attention_bias.weight", new int[] {c.numBuckets(), c.numHeads()});
    }
  }

  private static void ffn(Map<String, int[]> m, String p, T5Config c) {
    if (c.feedForward() == T5Config.FeedForward.RELU) {
      m.put(p + ".wi.weight", new int[] {c.dFf(), c.dModel()});
    } else {
      m.put(p + ".wi_0.weight", new int[] {c.dFf(), c.dModel()});
      m.put(p + ".wi_1.weight", new int[] {c.dFf(), c.dModel()});
    }
    m.put(p + ".wo.weight", new int[] {c.dModel(), c.dFf()});
  }

  /**
   * Random weights as Hugging Face's T5PreTrainedModel initialises them (normal, std
   * (d_model·d_kv)^-0.5 for q, d_model^-0.5 for k, v, wi, (heads·d_kv)^-0.5 for o, d_ff^-0.5 for wo,
   * 1 for the embedding and the relative bias; norms 1), from {@code seed}.
   */
  public static T5Weights random(T5Config c, long seed) {
    Map<String, Tensor> m = new LinkedHashMap<>();
    long s = seed;
    double d = c.dModel();
    for (Map.Entry<String, int[]> e : layout(c).entrySet()) {
      String n = e.getKey();
      int[] shape = e.getValue();
      double std;
      if (n.endsWith("layer_norm.weight")) {
        m.put(n, Tensor.full(1f, shape));
        continue;
      } else if (n.endsWith(".q.weight")) {
        std = Math.pow(d * c.dKv(), -0.5);
      } else if (n.endsWith(".o.weight")) {
        std = Math.pow(c.innerDim(), -0.5);
      } else if (n.endsWith(".wo.weight")) {
        std = Math.pow(c.dFf(), -0.5);
      } else if (n.equals(SHARED) || n.endsWith("relative_attention_bias.weight")) {
        std = 1.0;
      } else {
        std = Math.pow(d, -0.5);
      }
      m.put(n, Tensor.randn(s++, (float) std, shape));
    }
    return new T5Weights(c, m);
  }

  /** Zero tensors of every parameter's shape (e.g. gradients), under the same names. */
  public T5Weights zerosLike() {
    Map<String, Tensor> m = new LinkedHashMap<>();
    tensors.forEach((n, t) -> m.put(n, Tensor.zeros(t.shape())));
    return new T5Weights(config, m);
  }

  /** True when {@code dir} is a Hugging Face folder whose config.json says model_type t5. */
  public static boolean isT5Folder(Path dir) {
    Path cfg = dir.resolve(T5Config.FILE);
    if (!Files.isRegularFile(cfg)) {
      return false;
    }
    try {
      return T5Config.isT5(new com.fasterxml.jackson.databind.ObjectMapper().readTree(cfg.toFile()));
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Loads a Hugging Face T5 folder (config.json + model.safetensors or its sharded index).
   *
   * @throws CheckpointFormatException naming the file and the tensor or field at fault (a missing
   *     tensor, or one whose shape the config contradicts)
   */
  public static T5Weights load(Path dir) throws IOException {
    Path cfgFile = dir.resolve(T5Config.FILE);
    if (!Files.isRegularFile(cfgFile)) {
      throw new CheckpointFormatException(dir, "is not a Hugging Face model folder: no " + T5Config.FILE);
    }
    T5Config c = T5Config.read(cfgFile);
    try (TensorSource src = HuggingFaceCheckpoint.openTensors(dir)) {
      TensorLoader in = new TensorLoader(src);
      Map<String, Tensor> m = new LinkedHashMap<>();
      for (Map.Entry<String, int[]> e : layout(c).entrySet()) {
        String name = e.getKey();
        if (name.equals(SHARED) && !in.has(SHARED) && in.has("encoder.embed_tokens.weight")) {
          name = "encoder.embed_tokens.weight";
        }
        m.put(e.getKey(), in.load(name, e.getValue()));
      }
      for (String tied : new String[] {"encoder.embed_tokens.weight", "decoder.embed_tokens.weight"}) {
        if (in.has(tied)) {
          in.checkShape(tied, c.vocabSize(), c.dModel());
          in.markUsed(tied);
        }
      }
      if (c.tiedEmbeddings() && in.has(LM_HEAD)) {
        in.markUsed(LM_HEAD);
      }
      Set<String> unused = in.unused();
      if (!unused.isEmpty()) {
        LOG.warn("{}: {} stored tensors are not used by a T5 model: {}", dir, unused.size(), unused);
      }
      return new T5Weights(c, m);
    }
  }

  /**
   * Saves a folder that Hugging Face transformers' T5ForConditionalGeneration loads: model.safetensors
   * (F32, each tied tensor once, as shared.weight), then config.json.
   */
  public void save(Path dir) throws IOException {
    Files.createDirectories(dir);
    SafetensorsWriter.write(dir.resolve(SafetensorsWriter.SINGLE_FILE), tensors, Map.of("format", "pt"));
    config.write(dir);
  }
}
