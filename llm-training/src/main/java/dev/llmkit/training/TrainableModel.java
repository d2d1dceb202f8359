package dev.llmkit.training;

import dev.llmkit.model.config.ModelConfig;
import dev.llmkit.model.nn.Block;
import dev.llmkit.model.nn.Gradients;
import dev.llmkit.model.nn.Transformer;
import dev.llmkit.model.weights.ModelWeights;
import dev.llmkit.tensor.DecodeMatrices;
import dev.llmkit.tensor.Tensor;
import dev.llmkit.training.loss.CrossEntropyLoss;
import java.util.Objects;

/**
 * A decoder-only model in training: the model ({@link Transformer}, built over the parameters so
 * every product reads them in place as the optimiser changes them), its training buffers for a fixed
 * (batch, block) shape ({@link Transformer.Training}), the gradients, and the next-token
 * cross-entropy loss. The layers' forward and backward live in {@code dev.llmkit.model.nn}; this
 * class only adds the loss.
 *
 * <p>Every buffer (the residual stream of every layer, each layer's kept activations, the logits
 * and their gradient) is allocated by the constructor; {@link #forward} and {@link #backward} only
 * write into them, so a training loop's memory stays flat.
 *
 * <p>Tied embeddings: the head is the token table, and its gradient tensor is the same one, so both
 * contributions add into it.
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
  private final Transformer.Training model;
  private final CrossEntropyLoss loss;
  private final Tensor logits;
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
    this(parameters, batch, block, false);
  }

  /**
   * As {@link #TrainableModel(ModelWeights, int, int)}; with {@code recompute}, activation
   * recomputation (see {@link Transformer#training(int, int, Gradients, boolean)}): the same
   * gradients, one block's activations held instead of every block's, about one more forward pass.
   */
  public TrainableModel(ModelWeights parameters, int batch, int block, boolean recompute) {
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
    this.model = new Transformer(parameters, DecodeMatrices.SHARED)
        .training(batch, block, Gradients.mirror(parameters, gradients), recompute);
    this.loss = new CrossEntropyLoss(rows, config.vocabSize());
    this.logits = Tensor.zeros(rows, config.vocabSize());
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

  /** The training state of block {@code l} (its kept activations, e.g. attention probabilities). */
  public Block.Training block(int l) {
    return model.block(l);
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
    // ids: (B*T) -> logits: (B*T, V) -> mean cross-entropy
    model.forward(this.inputs, logits);
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
    model.backward(inputs, loss.backward(logits));
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
    model.backward(inputs, loss.backward(logits, dLossDTargetLogProb));
  }

  private void requireForward() {
    if (!forwardDone) {
      throw new IllegalStateException("TrainableModel.backward needs a successful forward first");
    }
  }

  /** Sets every gradient to zero. */
  public void zeroGrad() {
    for (Tensor g : gradients.named().values()) {
      g.fill(0f);
    }
  }
}
