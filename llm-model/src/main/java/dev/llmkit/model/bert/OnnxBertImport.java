package dev.llmkit.model.bert;

import dev.llmkit.model.io.CheckpointFormatException;
import dev.llmkit.model.io.TensorLoader;
import dev.llmkit.model.io.TensorSource;
import dev.llmkit.model.io.onnx.OnnxModel;
import dev.llmkit.model.nn.Activation;
import dev.llmkit.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Imports a BERT-family ONNX export (as {@code torch.onnx.export} of a Hugging Face {@code BertModel}
 * writes it, e.g. all-MiniLM-L6-v2) into {@link BertWeights}.
 *
 * <p>The exporter keeps the Hugging Face names of the embeddings, biases and LayerNorm parameters,
 * but stores every {@code nn.Linear} weight of the encoder as a {@code MatMul} initializer of
 * {@code [in, out]} (transposed) under a generated name ({@code onnx::MatMul_885}). The graph says
 * which is which: the {@code MatMul}'s output feeds an {@code Add} whose other input is the layer's
 * named bias ({@code encoder.layer.0.attention.self.query.bias}), so the weight is that name's
 * {@code .weight}, transposed back to {@code [out, in]}. Shapes not stored as tensors are read from
 * the graph too: the head width from the constant the attention scores are divided by
 * ({@code sqrt(headDim)}), the LayerNorm epsilon from the constant added to the variance, the
 * activation from the presence of {@code Erf} (exact GELU).
 */
public final class OnnxBertImport {

  private static final Pattern LAYER = Pattern.compile("encoder\\.layer\\.(\\d+)\\.");

  private OnnxBertImport() {}

  /**
   * Reads an ONNX file.
   *
   * @throws CheckpointFormatException if the file is not a BERT export this importer understands,
   *     naming the tensor or node at fault
   */
  public static BertWeights read(Path file) throws IOException {
    return read(OnnxModel.read(file));
  }

  /** The weights of a parsed ONNX BERT graph. */
  public static BertWeights read(OnnxModel m) throws IOException {
    Path file = m.file();
    Map<String, List<OnnxModel.Node>> consumers = new HashMap<>();
    Map<String, OnnxModel.Node> producers = new HashMap<>();
    for (OnnxModel.Node n : m.nodes()) {
      for (String in : n.inputs()) {
        consumers.computeIfAbsent(in, k -> new ArrayList<>()).add(n);
      }
      for (String out : n.outputs()) {
        producers.put(out, n);
      }
    }
    Map<String, Tensor> named = new LinkedHashMap<>();
    for (OnnxModel.Initializer t : m.initializers().values()) {
      if (t.dataType() == OnnxModel.FLOAT && !t.name().startsWith("onnx::")) {
        named.put(t.name(), m.floatTensor(t.name()));
      }
    }
    // MatMul(x, W[in, out]) -> Add(bias, .) : W belongs to the bias' layer
    for (OnnxModel.Node n : m.nodes()) {
      if (!n.opType().equals("MatMul") || n.inputs().size() != 2) {
        continue;
      }
      String w = n.inputs().get(1);
      OnnxModel.Initializer init = m.initializers().get(w);
      if (init == null || init.dims().length != 2) {
        continue; // an activation product (attention scores)
      }
      String bias = null;
      for (OnnxModel.Node add : consumers.getOrDefault(n.outputs().get(0), List.of())) {
        if (add.opType().equals("Add")) {
          for (String in : add.inputs()) {
            if (in.endsWith(".bias") && m.initializers().containsKey(in)) {
              bias = in;
            }
          }
        }
      }
      if (bias == null) {
        throw new CheckpointFormatException(file, "MatMul weight '" + w
            + "' is not followed by an Add of a named bias: cannot tell which layer it belongs to");
      }
      String name = bias.substring(0, bias.length() - ".bias".length()) + ".weight";
      named.put(name, transpose(m.floatTensor(w)));
    }
    BertConfig config = config(m, named, producers);
    try (TensorSource source = new MapSource(file, named)) {
      return BertCheckpoint.load(new TensorLoader(source), config);
    }
  }

  private static BertConfig config(OnnxModel m, Map<String, Tensor> named,
      Map<String, OnnxModel.Node> producers) throws CheckpointFormatException {
    Path file = m.file();
    Tensor word = require(file, named, "embeddings.word_embeddings.weight");
    Tensor pos = require(file, named, "embeddings.position_embeddings.weight");
    Tensor type = require(file, named, "embeddings.token_type_embeddings.weight");
    int layers = 0;
    for (String n : named.keySet()) {
      Matcher x = LAYER.matcher(n);
      if (x.lookingAt()) {
        layers = Math.max(layers, Integer.parseInt(x.group(1)) + 1);
      }
    }
    if (layers == 0) {
      throw new CheckpointFormatException(file, "has no tensor named encoder.layer.0.*: not a BERT export");
    }
    int hidden = word.dim(1);
    int intermediate = require(file, named, "encoder.layer.0.intermediate.dense.bias").length();
    int headDim = headDim(m, producers);
    if (headDim < 1 || hidden % headDim != 0) {
      throw new CheckpointFormatException(file, "attention scale gives head width " + headDim
          + ", which does not divide hidden size " + hidden);
    }
    float eps = layerNormEps(m, producers);
    Set<String> ops = new java.util.HashSet<>();
    for (OnnxModel.Node n : m.nodes()) {
      ops.add(n.opType());
    }
    Activation act;
    if (ops.contains("Erf") || ops.contains("Gelu")) {
      act = Activation.GELU_ERF;
    } else if (ops.contains("FastGelu")) {
      act = Activation.GELU_TANH;
    } else if (ops.contains("Relu")) {
      act = Activation.RELU;
    } else {
      throw new CheckpointFormatException(file, "no Erf, Gelu or Relu node: cannot tell the activation");
    }
    return new BertConfig(word.dim(0), hidden, layers, hidden / headDim, intermediate, pos.dim(0),
        type.dim(0), eps, act, 0, List.of());
  }

  /** The constant the first Softmax's scores are divided by (sqrt(hd)) or multiplied with (1/sqrt(hd)). */
  private static int headDim(OnnxModel m, Map<String, OnnxModel.Node> producers)
      throws CheckpointFormatException {
    for (OnnxModel.Node n : m.nodes()) {
      if (!n.opType().equals("Softmax")) {
        continue;
      }
      // Softmax(Add(Div(q·kᵀ, s), mask)) or Softmax(Div(..)) or Mul by 1/s
      OnnxModel.Node p = producers.get(n.inputs().get(0));
      for (int depth = 0; p != null && depth < 3; depth++) {
        if (p.opType().equals("Div") || p.opType().equals("Mul")) {
          for (String in : p.inputs()) {
            if (m.constants().containsKey(in) || m.initializers().containsKey(in)) {
              float s = m.scalar(in);
              double sq = p.opType().equals("Div") ? s : 1.0 / s;
              return (int) Math.round(sq * sq);
            }
          }
        }
        p = producers.get(p.inputs().get(0));
      }
    }
    throw new CheckpointFormatException(m.file(),
        "no Softmax over scaled scores found: cannot tell the attention head width");
  }

  /** The epsilon added before the first Sqrt of a decomposed LayerNorm (1e-12 if fused). */
  private static float layerNormEps(OnnxModel m, Map<String, OnnxModel.Node> producers)
      throws CheckpointFormatException {
    for (OnnxModel.Node n : m.nodes()) {
      if (n.opType().equals("Sqrt")) {
        OnnxModel.Node add = producers.get(n.inputs().get(0));
        if (add != null && add.opType().equals("Add")) {
          for (String in : add.inputs()) {
            if (m.constants().containsKey(in)) {
              return m.scalar(in);
            }
          }
        }
      }
    }
    return 1e-12f;
  }

  private static Tensor require(Path file, Map<String, Tensor> named, String name)
      throws CheckpointFormatException {
    Tensor t = named.get(name);
    if (t == null) {
      throw new CheckpointFormatException(file, "initializer '" + name + "' is missing (not a BERT export?)");
    }
    return t;
  }

  /** w: (in, out) -> (out, in). */
  static Tensor transpose(Tensor w) {
    int r = w.dim(0);
    int c = w.dim(1);
    float[] src = w.toArray();
    float[] dst = new float[src.length];
    for (int i = 0; i < r; i++) {
      for (int j = 0; j < c; j++) {
        dst[j * r + i] = src[i * c + j];
      }
    }
    return Tensor.of(dst, c, r);
  }

  /** Tensors already in memory, under their Hugging Face names. */
  private static final class MapSource implements TensorSource {
    private final Path file;
    private final Map<String, Tensor> tensors;

    MapSource(Path file, Map<String, Tensor> tensors) {
      this.file = file;
      this.tensors = tensors;
    }

    @Override
    public Set<String> names() {
      return tensors.keySet();
    }

    @Override
    public long[] shape(String name) throws CheckpointFormatException {
      Tensor t = tensors.get(name);
      if (t == null) {
        throw new CheckpointFormatException(file, "tensor '" + name + "' is missing");
      }
      int[] s = t.shape();
      long[] l = new long[s.length];
      for (int i = 0; i < s.length; i++) {
        l[i] = s[i];
      }
      return l;
    }

    @Override
    public void read(String name, Tensor dest) throws IOException {
      Tensor t = tensors.get(name);
      if (t == null || t.length() != dest.length()) {
        throw new CheckpointFormatException(file, "tensor '" + name + "' is missing or has "
            + (t == null ? 0 : t.length()) + " elements, expected " + dest.length());
      }
      dest.copyFrom(t.reshape(dest.shape()));
    }

    @Override
    public Path file(String name) {
      return file;
    }

    @Override
    public void close() {}
  }
}
