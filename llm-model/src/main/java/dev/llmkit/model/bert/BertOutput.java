package dev.llmkit.model.bert;

import dev.llmkit.tensor.Tensor;
import java.nio.FloatBuffer;

/**
 * What the encoder computed for a batch of sequences, packed one after another without padding:
 * the last hidden states {@code (N, C)} with sequence b at rows {@code offset(b)..offset(b+1)-1},
 * and, when asked for, every layer's attention probabilities.
 */
public final class BertOutput {

  private final int[] offsets;
  private final Tensor hidden;
  private final Tensor[][] attentions;

  BertOutput(int[] offsets, Tensor hidden, Tensor[][] attentions) {
    this.offsets = offsets;
    this.hidden = hidden;
    this.attentions = attentions;
  }

  /** Number of sequences B. */
  public int batch() {
    return offsets.length - 1;
  }

  /** Length T_b of sequence b. */
  public int length(int b) {
    return offsets[b + 1] - offsets[b];
  }

  /** First row of sequence b in {@link #hidden()}. */
  public int offset(int b) {
    return offsets[b];
  }

  /** (N, C) last hidden states of every sequence, packed. */
  public Tensor hidden() {
    return hidden;
  }

  /** (T_b, C) last hidden states of sequence b (a view). */
  public Tensor hidden(int b) {
    return hidden.slice(offsets[b], offsets[b + 1]);
  }

  /**
   * (heads, T_b, T_b) attention probabilities of {@code layer} for sequence b: row i is how query
   * token i spreads its attention over the keys.
   *
   * @throws IllegalStateException if the forward pass was not asked to keep them
   */
  public Tensor attention(int layer, int b) {
    if (attentions == null) {
      throw new IllegalStateException(
          "BertOutput.attention: the forward pass did not keep attention weights (pass keepAttention)");
    }
    return attentions[layer][b];
  }

  /** (B, C) the hidden state of each sequence's first token ([CLS]). */
  public Tensor cls() {
    int c = hidden.dim(1);
    Tensor out = Tensor.zeros(batch(), c);
    for (int b = 0; b < batch(); b++) {
      out.row(b).copyFrom(hidden.row(offsets[b]));
    }
    return out;
  }

  /** (B, C) the mean of each sequence's hidden states (every token; padding is never there). */
  public Tensor mean() {
    int c = hidden.dim(1);
    Tensor out = Tensor.zeros(batch(), c);
    FloatBuffer h = hidden.buffer();
    FloatBuffer o = out.buffer();
    for (int b = 0; b < batch(); b++) {
      double[] sum = new double[c];
      for (int r = offsets[b]; r < offsets[b + 1]; r++) {
        for (int j = 0; j < c; j++) {
          sum[j] += h.get(r * c + j);
        }
      }
      for (int j = 0; j < c; j++) {
        o.put(b * c + j, (float) (sum[j] / length(b)));
      }
    }
    return out;
  }
}
