package dev.llmkit.training.nn;

import dev.llmkit.model.config.ModelConfig;
import dev.llmkit.model.config.ModelConfig.PositionEncoding;
import dev.llmkit.model.weights.ModelWeights;
import dev.llmkit.tensor.RopeTable;
import dev.llmkit.tensor.Tensor;
import dev.llmkit.training.loss.CrossEntropyLoss;
import java.util.Objects;

/**
 * A whole decoder-only model in training mode: parameters, gradients, and preallocated activations
 * for a fixed (batch, block) shape.
 *
 * <p>Forward: {@code x0 = Embeddings(inputs)}, {@code x_{l+1} = Block_l(x_l)},
 * {@code logits = FinalNorm(x_L)·Headᵀ}, loss = mean next-token cross-entropy. Every buffer (the
 * residual stream of every layer, each block's saved activations, the logits and their gradient) is
 * allocated by the constructor; {@link #forward} and {@link #backward} only write into them, so a
 * training loop's memory stays flat. Matrix products run over all batch*block rows at once; attention
 * runs in parallel over the sequences of the batch.
 *
 * <p>Tied embeddings: the head is the token table, and its gradient tensor is the same one, so both
 * contributions add into it. The final norm is applied in post-norm models too (its parameters exist
 * in every {@link ModelWeights}).
 *
 * <p>Not thread-safe: one forward/backward at a time.
 */
public final class TrainableModel {

  private final ModelConfig config;
  private final ModelWeights parameters;
  private final ModelWeights gradients;
  private final int batch;
  private final int block;
  private final int rows;

  private final Embeddings embeddings;
  private final TransformerBlock[] blocks;
  private final Norm finalNorm;
  private final Linear head;
  private final CrossEntropyLoss loss;

  // activations: residual stream x_0..x_L, (B*T, C) each; final norm output and statistics
  private final Tensor[] residual;
  private final Tensor hf;
  private final Tensor meanF;
  private final Tensor rstdF;
  private final Tensor logits;
  // gradient scratch: two residual-stream gradients used alternately, and the final norm's input grad
  private final Tensor dresA;
  private final Tensor dresB;
  private final Tensor dhf;

  private final int[] inputs;
  /** Bytes of the tensors the constructor allocated: gradients and every activation buffer. */
  private final long bufferBytes;
  private boolean forwardDone;

  /**
   * Allocates gradients and every activation buffer once for {@code batch} sequences of
   * {@code block} tokens.
   *
   * @param parameters the model's weights; trained in place
   * @param batch sequences per step (B >= 1)
   * @param block tokens per sequence (1 &lt;= T &lt;= the context length of the config)
   */
  public TrainableModel(ModelWeights parameters, int batch, int block) {
    this.parameters = Objects.requireNonNull(parameters, "parameters");
    this.config = parameters.config();
    if (batch < 1) {
      throw new IllegalArgumentException("TrainableModel: batch must be >= 1, got " + batch);
    }
    if (block < 1 || block > config.contextLength()) {
      throw new IllegalArgumentException(
          "TrainableModel: block must be in [1, " + config.contextLength() + "] (the context length), got "
              + block);
    }
    long allocatedBefore = Tensor.bytesAllocatedByThisThread();
    this.gradients = ModelWeights.zeros(config);
    this.batch = batch;
    this.block = block;
    this.rows = batch * block;
    int c = config.dim();
    RopeTable rope = config.positions() == PositionEncoding.ROTARY
        ? new RopeTable(config.headDim(), block, config.ropeTheta())
        : null;
    this.embeddings = new Embeddings(parameters, gradients, batch, block);
    this.blocks = new TransformerBlock[config.nLayers()];
    for (int l = 0; l < blocks.length; l++) {
      blocks[l] = new TransformerBlock(
          config, parameters.layer(l), gradients.layer(l), batch, block, rope);
    }
    this.finalNorm = new Norm(config.norm(), config.normEps(), parameters.finalNormWeight(),
        parameters.finalNormBias(), gradients.finalNormWeight(), gradients.finalNormBias());
    this.head = new Linear(parameters.lmHead(), null, gradients.lmHead(), null);
    this.loss = new CrossEntropyLoss(rows, config.vocabSize());
    this.residual = new Tensor[blocks.length + 1];
    for (int l = 0; l < residual.length; l++) {
      residual[l] = Tensor.zeros(rows, c);
    }
    this.hf = Tensor.zeros(rows, c);
    this.meanF = finalNorm.needsMean() ? Tensor.zeros(rows) : null;
    this.rstdF = Tensor.zeros(rows);
    this.logits = Tensor.zeros(rows, config.vocabSize());
    this.dresA = Tensor.zeros(rows, c);
    this.dresB = Tensor.zeros(rows, c);
    this.dhf = Tensor.zeros(rows, c);
    this.inputs = new int[rows];
    this.bufferBytes = Tensor.bytesAllocatedByThisThread() - allocatedBefore;
  }

  /**
   * Bytes of tensor memory this model holds for training: the parameters, their gradients and every
   * activation and scratch buffer allocated for the (batch, block) shape (the optimiser's state is
   * the optimiser's). Counted from the allocations themselves, not from a formula.
   */
  public long trainingBytes() {
    return 4L * parameters.parameterCount() + bufferBytes;
  }

  /** The model's configuration. */
  public ModelConfig config() {
    return config;
  }

  /** Sequences per step. */
  public int batch() {
    return batch;
  }

  /** Tokens per sequence. */
  public int block() {
    return block;
  }

  /** The parameters (the tensors given to the constructor). */
  public ModelWeights parameters() {
    return parameters;
  }

  /** The gradient buffers, same structure as {@link #parameters()}. */
  public ModelWeights gradients() {
    return gradients;
  }

  /** The block {@code l} (its saved activations, e.g. attention probabilities). */
  public TransformerBlock block(int l) {
    return blocks[l];
  }

  /**
   * Forward pass and loss; keeps what backward needs.
   *
   * @param inputs batch*block ids, row-major (b, t); copied, so the caller may reuse the array
   * @param targets batch*block ids; a negative target is ignored
   * @return the mean cross-entropy over non-ignored targets (0 if all are ignored)
   * @throws IllegalArgumentException when an array has the wrong length or an id is outside the
   *     vocabulary
   */
  public float forward(int[] inputs, int[] targets) {
    if (inputs.length != rows) {
      throw new IllegalArgumentException(
          "TrainableModel.forward: " + inputs.length + " inputs, expected batch*block = " + rows);
    }
    if (targets.length != rows) {
      throw new IllegalArgumentException(
          "TrainableModel.forward: " + targets.length + " targets, expected batch*block = " + rows);
    }
    forwardDone = false;
    System.arraycopy(inputs, 0, this.inputs, 0, rows);
    // ids: (B*T) -> x0: (B*T, C)
    embeddings.forward(this.inputs, residual[0]);
    // x_l: (B*T, C) -> x_{l+1}: (B*T, C)
    for (int l = 0; l < blocks.length; l++) {
      blocks[l].forward(residual[l], residual[l + 1]);
    }
    // x_L: (B*T, C) -> hf: (B*T, C) -> logits: (B*T, V)
    finalNorm.forward(residual[blocks.length], hf, meanF, rstdF);
    head.forward(hf, logits);
    float mean = loss.forward(logits, targets);
    forwardDone = true;
    return mean;
  }

  /** (batch*block) log p(target) of the last forward; 0 where ignored. A reused buffer. */
  public float[] targetLogProbs() {
    return loss.targetLogProbs();
  }

  /** Number of non-ignored targets in the last forward. */
  public int targetCount() {
    return loss.count();
  }

  /** (batch*block, V) logits of the last forward (the same tensor every step). */
  public Tensor logits() {
    return logits;
  }

  /** d(mean CE)/d(params) of the last forward, ADDED into {@link #gradients()}. */
  public void backward() {
    requireForward();
    backwardFromLogits(loss.backward(logits));
  }

  /**
   * General backward: the loss is {@code Σ_i w[i] * log p(target_i)} over the non-ignored positions
   * of the last forward (e.g. DPO's per-sequence weights); its gradient is ADDED into
   * {@link #gradients()}. {@link #backward()} is the case {@code w[i] = -1/count}.
   *
   * @param dLossDTargetLogProb (batch*block) the weights w
   */
  public void backward(float[] dLossDTargetLogProb) {
    requireForward();
    backwardFromLogits(loss.backward(logits, dLossDTargetLogProb));
  }

  private void requireForward() {
    if (!forwardDone) {
      throw new IllegalStateException("TrainableModel.backward needs a successful forward first");
    }
  }

  private void backwardFromLogits(Tensor dlogits) {
    // dlogits: (B*T, V) -> dhf: (B*T, C), dHead: (V, C)
    dhf.fill(0f);
    head.backward(hf, dlogits, dhf);
    // dhf -> d x_L
    Tensor dout = dresA;
    Tensor dx = dresB;
    dout.fill(0f);
    finalNorm.backward(dhf, residual[blocks.length], meanF, rstdF, dout);
    // d x_{l+1} -> d x_l
    for (int l = blocks.length - 1; l >= 0; l--) {
      dx.fill(0f);
      blocks[l].backward(residual[l], dout, dx);
      Tensor t = dout;
      dout = dx;
      dx = t;
    }
    // d x0 -> dE (and dP)
    embeddings.backward(inputs, dout);
  }

  /** Sets every gradient to zero. */
  public void zeroGrad() {
    for (Tensor g : gradients.named().values()) {
      g.fill(0f);
    }
  }
}
