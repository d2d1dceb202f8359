package dev.llmkit.model;

import dev.llmkit.tensor.Tensor;
import java.nio.FloatBuffer;

/**
 * Perplexity of a model on a token stream, as llama.cpp's {@code llama-perplexity} computes it: the
 * stream is cut into non-overlapping windows of {@code context} tokens (a rest shorter than a window
 * is dropped); each window runs in a fresh session, all positions at once, and the first half of it
 * is context only: the log-likelihood is summed over tokens {@code context/2 + 1 .. context-1} of
 * each window. Perplexity = exp(mean negative log-likelihood). Used to judge quantization and
 * fine-tuning.
 */
public final class Perplexity {

  private Perplexity() {}

  /**
   * The result of {@link #evaluate}.
   *
   * @param perplexity exp(nll)
   * @param nll mean negative log-likelihood per scored token, in nats
   * @param tokens tokens scored
   * @param windows windows run
   */
  public record Result(double perplexity, double nll, long tokens, int windows) {}

  /**
   * Evaluates {@code model} on {@code tokens} in windows of {@code context} tokens.
   *
   * @throws IllegalArgumentException when context is below 4 or above the model's context length,
   *     or when there are fewer tokens than one window (naming the numbers)
   */
  public static Result evaluate(LanguageModel model, int[] tokens, int context) {
    if (context < 4 || context > model.contextLength()) {
      throw new IllegalArgumentException(
          "perplexity: context " + context + " must be between 4 and the model's context length "
              + model.contextLength());
    }
    int windows = tokens.length / context;
    if (windows == 0) {
      throw new IllegalArgumentException(
          "perplexity: " + tokens.length + " tokens are fewer than one window of " + context
              + " (pass a longer text or a smaller --context)");
    }
    int first = context / 2;
    int vocab = model.vocabSize();
    double nll = 0;
    long count = 0;
    float[] row = new float[vocab];
    for (int w = 0; w < windows; w++) {
      int start = w * context;
      Tensor logits;
      try (InferenceSession s = model.newSession()) {
        logits = s.forwardAll(tokens, start, context); // (context, V)
      }
      FloatBuffer b = logits.buffer();
      for (int j = first; j < context - 1; j++) {
        b.get(j * vocab, row, 0, vocab);
        nll -= logSoftmax(row, tokens[start + j + 1]);
        count++;
      }
    }
    double mean = nll / count;
    return new Result(Math.exp(mean), mean, count, windows);
  }

  /** log softmax(z)[target], in double with the max subtracted. */
  static double logSoftmax(float[] z, int target) {
    double max = Double.NEGATIVE_INFINITY;
    for (float v : z) {
      max = Math.max(max, v);
    }
    double sum = 0;
    for (float v : z) {
      sum += Math.exp(v - max);
    }
    return z[target] - max - Math.log(sum);
  }
}
