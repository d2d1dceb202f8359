package dev.llmkit.training.rlhf;

import dev.llmkit.model.config.ModelConfig;
import dev.llmkit.model.nn.Gradients;
import dev.llmkit.model.nn.Linear;
import dev.llmkit.model.nn.LmHead;
import dev.llmkit.model.nn.Norm;
import dev.llmkit.model.nn.Transformer;
import dev.llmkit.model.weights.ModelWeights;
import dev.llmkit.tensor.DecodeMatrices;
import dev.llmkit.tensor.Tensor;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A decoder-only transformer with a scalar head in place of the LM head, in training form: one score
 * per position, {@code s_t = w · FinalNorm(x_t)} with {@code w = score.weight} (1, C), as Hugging
 * Face's {@code *ForSequenceClassification} with one label. A reward model reads the score of the
 * last non-padding token; a PPO value model reads every response position.
 *
 * <p>Buffers are allocated once for (batch, block); forward and backward only write into them. The
 * LM head of the backbone (when untied) is not part of this model's parameters. Not thread-safe.
 */
public final class ScalarHeadModel {

  /** The Hugging Face name of the head's weight. */
  public static final String SCORE = "score.weight";

  private final ModelConfig config;
  private final ModelWeights backbone;
  private final Tensor score;
  private final Tensor scoreGrad;
  private final Map<String, Tensor> parameters;
  private final Map<String, Tensor> gradients;
  private final Transformer.Training model;
  private final int batch;
  private final int block;
  private final int rows;
  private final int[] inputs;
  private final Tensor out;
  private final Tensor dout;
  private final float[] scores;
  private boolean forwardDone;

  /**
   * @param backbone the transformer's weights, trained in place (its LM head is not used)
   * @param score the head (1, C), trained in place
   * @param batch sequences per forward
   * @param block positions per sequence
   * @throws IllegalArgumentException when the head's shape is not (1, dim) or batch/block are out of
   *     range
   */
  public ScalarHeadModel(ModelWeights backbone, Tensor score, int batch, int block) {
    this.backbone = Objects.requireNonNull(backbone, "backbone");
    this.config = backbone.config();
    this.score = Objects.requireNonNull(score, "score");
    if (score.rank() != 2 || score.dim(0) != 1 || score.dim(1) != config.dim()) {
      throw new IllegalArgumentException(
          SCORE + " must have shape [1, " + config.dim() + "], got " + score.shapeString());
    }
    if (batch < 1) {
      throw new IllegalArgumentException("batch must be >= 1, got " + batch);
    }
    this.batch = batch;
    this.block = block;
    this.rows = batch * block;
    ModelWeights backboneGrads = ModelWeights.zeros(config);
    this.scoreGrad = Tensor.zeros(1, config.dim());
    Gradients mirror = Gradients.mirror(backbone, backboneGrads);
    Gradients g = p -> p == score ? scoreGrad : mirror.of(p);
    LmHead head = new LmHead(
        Norm.of(config.norm(), config.normEps(), backbone.finalNormWeight(), backbone.finalNormBias()),
        Linear.of(score, null, DecodeMatrices.SHARED));
    this.model = new Transformer(backbone, DecodeMatrices.SHARED).training(batch, block, g, false, head);
    Map<String, Tensor> p = new LinkedHashMap<>();
    Map<String, Tensor> d = new LinkedHashMap<>();
    for (Map.Entry<String, Tensor> e : backbone.named().entrySet()) {
      if (!e.getKey().equals("lm_head.weight")) {
        p.put(e.getKey(), e.getValue());
        d.put(e.getKey(), backboneGrads.named().get(e.getKey()));
      }
    }
    p.put(SCORE, score);
    d.put(SCORE, scoreGrad);
    this.parameters = Collections.unmodifiableMap(p);
    this.gradients = Collections.unmodifiableMap(d);
    this.inputs = new int[rows];
    this.out = Tensor.zeros(rows, 1);
    this.dout = Tensor.zeros(rows, 1);
    this.scores = new float[rows];
  }

  /** A new head (1, C): normal(0, std), as Hugging Face initialises {@code score} ({@code initializer_range}); std 0 gives zeros. */
  public static Tensor initScore(ModelConfig config, long seed, float std) {
    return std == 0f ? Tensor.zeros(1, config.dim()) : Tensor.randn(seed, std, 1, config.dim());
  }

  /** The backbone's configuration. */
  public ModelConfig config() {
    return config;
  }

  /** The backbone's weights. */
  public ModelWeights backbone() {
    return backbone;
  }

  /** The head (1, C). */
  public Tensor score() {
    return score;
  }

  /** Sequences per forward. */
  public int batch() {
    return batch;
  }

  /** Positions per sequence. */
  public int block() {
    return block;
  }

  /** Every trained tensor by name (the backbone's, without an untied LM head, then {@link #SCORE}). */
  public Map<String, Tensor> parameters() {
    return parameters;
  }

  /** The gradient of each of {@link #parameters()}, same names. */
  public Map<String, Tensor> gradients() {
    return gradients;
  }

  /**
   * Training forward: ids (B*T) row-major -> scores (B*T), one per position. Keeps what backward
   * needs.
   *
   * @return a reused buffer, overwritten by the next forward
   */
  public float[] forward(int[] ids) {
    if (ids.length != rows) {
      throw new IllegalArgumentException(
          "ScalarHeadModel.forward: " + ids.length + " ids, expected batch*block = " + rows);
    }
    for (int i = 0; i < rows; i++) {
      if (ids[i] < 0 || ids[i] >= config.vocabSize()) {
        throw new IllegalArgumentException("token id " + ids[i] + " at position " + i
            + " is outside the vocabulary [0, " + config.vocabSize() + ")");
      }
    }
    forwardDone = false;
    System.arraycopy(ids, 0, inputs, 0, rows);
    // ids: (B*T) -> x_L: (B*T, C) -> scores: (B*T, 1)
    model.forward(inputs, out);
    for (int i = 0; i < rows; i++) {
      scores[i] = out.getFlat(i);
    }
    forwardDone = true;
    return scores;
  }

  /**
   * Backward of the last forward: {@code dScores} (B*T) = dLoss/dScore per position (0 where
   * unused); the parameter gradients are ADDED into {@link #gradients()}.
   */
  public void backward(float[] dScores) {
    if (!forwardDone) {
      throw new IllegalStateException("ScalarHeadModel.backward needs a forward first");
    }
    if (dScores.length != rows) {
      throw new IllegalArgumentException(
          "ScalarHeadModel.backward: " + dScores.length + " gradients, expected " + rows);
    }
    dout.copyFrom(dScores);
    model.backward(inputs, dout);
  }

  /** Sets every gradient to zero. */
  public void zeroGrad() {
    for (Tensor g : gradients.values()) {
      g.fill(0f);
    }
  }
}
