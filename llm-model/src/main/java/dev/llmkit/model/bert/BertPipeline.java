package dev.llmkit.model.bert;

import dev.llmkit.model.io.CheckpointFormatException;
import dev.llmkit.tensor.Tensor;
import dev.llmkit.tokenizer.Tokenizer;
import dev.llmkit.tokenizer.encoding.Encoding;
import dev.llmkit.tokenizer.encoding.TemplateEncoder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * An encoder with its tokenizer: the three things one does with BERT-family models — fill masks,
 * embed sentences, classify text. Texts are encoded with the model's template ({@code [CLS] A [SEP]})
 * and truncated to the position table.
 *
 * <p>Immutable and thread-safe.
 */
public final class BertPipeline {

  /** Sentences per forward pass in {@link #embed}. */
  public static final int DEFAULT_BATCH = 32;

  private final BertModel model;
  private final TemplateEncoder encoder;
  private final Pooling pooling;
  private final boolean normalize;

  /**
   * @param model the encoder
   * @param encoder the tokenizer with BERT's template
   * @param pooling how {@link #embed(List)} pools
   * @param normalize whether {@link #embed(List)} L2-normalises
   */
  public BertPipeline(BertModel model, TemplateEncoder encoder, Pooling pooling, boolean normalize) {
    this.model = Objects.requireNonNull(model, "model");
    this.encoder = Objects.requireNonNull(encoder, "encoder");
    this.pooling = Objects.requireNonNull(pooling, "pooling");
    this.normalize = normalize;
  }

  /**
   * Loads a folder: the checkpoint ({@link BertCheckpoint}) and {@code tokenizer.json} (else an
   * uncased {@code vocab.txt}).
   */
  public static BertPipeline load(Path dir) throws IOException {
    BertCheckpoint.Loaded loaded = BertCheckpoint.load(dir);
    return new BertPipeline(new BertModel(loaded.weights()), loadTokenizer(dir), loaded.pooling(),
        loaded.normalize());
  }

  /** The tokenizer of a folder: tokenizer.json, else vocab.txt with BERT's template. */
  public static TemplateEncoder loadTokenizer(Path dir) throws IOException {
    if (!Files.isRegularFile(dir.resolve("tokenizer.json"))
        && !Files.isRegularFile(dir.resolve("vocab.txt"))) {
      throw new CheckpointFormatException(dir, "holds neither tokenizer.json nor vocab.txt");
    }
    return TemplateEncoder.load(dir);
  }

  /** The model. */
  public BertModel model() {
    return model;
  }

  /** The tokenizer with its template. */
  public TemplateEncoder encoder() {
    return encoder;
  }

  /** The pooling of {@link #embed(List)}. */
  public Pooling pooling() {
    return pooling;
  }

  /** Whether {@link #embed(List)} normalises. */
  public boolean normalizes() {
    return normalize;
  }

  /** A text encoded with the template, truncated to the position table. */
  public Encoding encode(String text) {
    return encoder.encode(Objects.requireNonNull(text, "text"), null, model.config().maxPositions());
  }

  /** {@link #embed(List, Pooling, boolean)} with the model's pooling and normalisation. */
  public float[][] embed(List<String> texts) {
    return embed(texts, pooling, normalize);
  }

  /**
   * One sentence embedding per text, computed in batches of {@link #DEFAULT_BATCH}.
   *
   * @throws IllegalArgumentException if {@code texts} is empty
   */
  public float[][] embed(List<String> texts, Pooling how, boolean l2) {
    if (texts == null || texts.isEmpty()) {
      throw new IllegalArgumentException("BertPipeline.embed: empty batch (expected at least one text)");
    }
    float[][] out = new float[texts.size()][];
    for (int from = 0; from < texts.size(); from += DEFAULT_BATCH) {
      int to = Math.min(texts.size(), from + DEFAULT_BATCH);
      int[][] ids = new int[to - from][];
      int[][] types = new int[to - from][];
      for (int i = from; i < to; i++) {
        Encoding e = encode(texts.get(i));
        ids[i - from] = e.ids();
        types[i - from] = e.typeIds();
      }
      float[][] part = model.embed(ids, types, how, l2);
      System.arraycopy(part, 0, out, from, part.length);
    }
    return out;
  }

  /**
   * A candidate for a masked position.
   *
   * @param id token id
   * @param token its text
   * @param probability softmax probability at that position
   */
  public record Candidate(int id, String token, float probability) {}

  /**
   * Fill-mask: for each {@code [MASK]} of the text (in order), the {@code topK} most probable
   * tokens.
   *
   * @throws IllegalArgumentException if the text has no [MASK] or {@code topK < 1}
   * @throws IllegalStateException if the model has no MLM head
   */
  public List<List<Candidate>> fillMask(String text, int topK) {
    if (topK < 1) {
      throw new IllegalArgumentException("fillMask: top " + topK + " must be at least 1");
    }
    Tokenizer tok = encoder.tokenizer();
    OptionalInt mask = tok.tokenId("[MASK]");
    if (mask.isEmpty()) {
      throw new IllegalArgumentException("fillMask: the tokenizer has no [MASK] token");
    }
    Encoding e = encode(text);
    List<Integer> positions = new ArrayList<>();
    for (int t = 0; t < e.ids().length; t++) {
      if (e.ids()[t] == mask.getAsInt()) {
        positions.add(t);
      }
    }
    if (positions.isEmpty()) {
      throw new IllegalArgumentException("fillMask: the text has no [MASK] token: " + text);
    }
    BertOutput out = model.encode(new int[][] {e.ids()}, new int[][] {e.typeIds()}, false);
    Tensor rows = Tensor.zeros(positions.size(), model.config().hidden());
    for (int i = 0; i < positions.size(); i++) {
      rows.row(i).copyFrom(out.hidden().row(positions.get(i)));
    }
    Tensor logits = model.mlmLogits(rows);
    List<List<Candidate>> result = new ArrayList<>();
    int v = model.config().vocabSize();
    float[] all = logits.toArray();
    for (int i = 0; i < positions.size(); i++) {
      float[] p = softmax(all, i * v, v);
      Integer[] order = new Integer[v];
      for (int j = 0; j < v; j++) {
        order[j] = j;
      }
      java.util.Arrays.sort(order, (a, b) -> Float.compare(p[b], p[a]));
      List<Candidate> top = new ArrayList<>();
      for (int k = 0; k < Math.min(topK, v); k++) {
        top.add(new Candidate(order[k], tok.decode(new int[] {order[k]}), p[order[k]]));
      }
      result.add(List.copyOf(top));
    }
    return List.copyOf(result);
  }

  /**
   * A class label with its probability.
   *
   * @param label the name (config's id2label)
   * @param probability softmax probability
   */
  public record LabelProbability(String label, float probability) {}

  /**
   * Sequence classification: the probability of every label, in label order.
   *
   * @throws IllegalStateException if the model has no classifier
   */
  public List<LabelProbability> classify(String text) {
    Encoding e = encode(text);
    BertOutput out = model.encode(new int[][] {e.ids()}, new int[][] {e.typeIds()}, false);
    float[] logits = model.classLogits(model.pooled(out.cls())).toArray();
    float[] p = softmax(logits, 0, logits.length);
    List<LabelProbability> labels = new ArrayList<>();
    for (int i = 0; i < p.length; i++) {
      labels.add(new LabelProbability(model.config().labels().get(i), p[i]));
    }
    return List.copyOf(labels);
  }

  static float[] softmax(float[] x, int from, int n) {
    double max = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < n; i++) {
      max = Math.max(max, x[from + i]);
    }
    double sum = 0;
    double[] e = new double[n];
    for (int i = 0; i < n; i++) {
      e[i] = Math.exp(x[from + i] - max);
      sum += e[i];
    }
    float[] p = new float[n];
    for (int i = 0; i < n; i++) {
      p[i] = (float) (e[i] / sum);
    }
    return p;
  }
}
