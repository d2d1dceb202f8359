package dev.llmkit.training.nn;

import dev.llmkit.model.config.ModelConfig;
import dev.llmkit.model.config.ModelConfig.PositionEncoding;
import dev.llmkit.model.weights.ModelWeights;
import dev.llmkit.tensor.Elementwise;
import dev.llmkit.tensor.Embedding;
import dev.llmkit.tensor.PositionalEncoding;
import dev.llmkit.tensor.Tensor;

/**
 * The input layer in training mode: token embeddings plus, for learned or sinusoidal positions, the
 * position vector of each token's place in its sequence ({@code x[b, t] = E[id[b, t]] + P[t]}).
 * Rotary positions are applied inside attention instead, so then {@code x[b, t] = E[id[b, t]]}.
 */
public final class Embeddings {

  private final int batch;
  private final int block;
  private final Tensor tokens;
  private final Tensor dTokens;
  private final Tensor dPositionsBlock; // (T, C) view of the learned table's gradient, or null
  private final Tensor positionsBlock; // (T, C) positions added to every sequence, or null
  private final SequenceViews views;

  /**
   * @param params the model's parameters (token table, learned position table)
   * @param grads the model's gradients
   * @param batch sequences per forward
   * @param block tokens per sequence (at most the config's context length)
   */
  public Embeddings(ModelWeights params, ModelWeights grads, int batch, int block) {
    ModelConfig c = params.config();
    if (block > c.contextLength()) {
      throw new IllegalArgumentException(
          "Embeddings: block " + block + " exceeds the context length " + c.contextLength());
    }
    this.batch = batch;
    this.block = block;
    this.tokens = params.tokenEmbedding();
    this.dTokens = grads.tokenEmbedding();
    if (c.positions() == PositionEncoding.LEARNED) {
      positionsBlock = params.positionEmbedding().slice(0, block);
      dPositionsBlock = grads.positionEmbedding().slice(0, block);
    } else if (c.positions() == PositionEncoding.SINUSOIDAL) {
      positionsBlock = PositionalEncoding.sinusoidal(block, c.dim());
      dPositionsBlock = null;
    } else {
      positionsBlock = null;
      dPositionsBlock = null;
    }
    this.views = new SequenceViews(batch, block);
  }

  /**
   * Forward pass.
   *
   * @param ids batch*block token ids, row-major (b, t)
   * @param x (batch*block, C), overwritten
   */
  public void forward(int[] ids, Tensor x) {
    // ids: (B*T) -> x: (B*T, C)
    if (ids.length != batch * block) {
      throw new IllegalArgumentException(
          "Embeddings: " + ids.length + " ids, expected batch*block = " + batch * block);
    }
    Embedding.gather(tokens, ids, 0, ids.length, x);
    if (positionsBlock != null) {
      Tensor[] xb = views.of(x);
      for (int b = 0; b < batch; b++) {
        Elementwise.addInPlace(xb[b], positionsBlock);
      }
    }
  }

  /**
   * Backward pass: adds {@code dx} into the rows of the token table's gradient (and sums it over the
   * batch into the learned position table's gradient).
   *
   * @param ids the ids of the forward pass
   * @param dx (batch*block, C) gradient of the output
   */
  public void backward(int[] ids, Tensor dx) {
    // dx: (B*T, C) -> dE: (V, C) [, dP: (T, C)]
    Embedding.scatterAddBackward(dx, ids, 0, ids.length, dTokens);
    if (dPositionsBlock != null) {
      Tensor[] dxb = views.of(dx);
      for (int b = 0; b < batch; b++) {
        Elementwise.addInPlace(dPositionsBlock, dxb[b]);
      }
    }
  }
}
