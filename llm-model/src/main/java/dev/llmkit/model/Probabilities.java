package dev.llmkit.model;

import dev.llmkit.tensor.Softmax;
import dev.llmkit.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.PriorityQueue;

/**
 * What a model believes, for inspection and teaching: the next-token distribution after a prompt
 * (the "The capital of France is ___" view), the log-probability of every token of a text and its
 * perplexity, and the attention weights of every layer and head.
 */
public final class Probabilities {

  private Probabilities() {}

  /**
   * The {@code topN} most likely next tokens after the prompt, most likely first (ties: lower id
   * first), with their softmax probabilities.
   *
   * @param prompt at least one id, no longer than the context
   * @throws IllegalArgumentException for an empty prompt, {@code topN < 1}, or an id outside the vocabulary
   */
  public static List<TokenProbability> nextToken(LanguageModel model, int[] prompt, int topN) {
    Objects.requireNonNull(model, "model");
    if (topN < 1) {
      throw new IllegalArgumentException("topN must be >= 1, got " + topN);
    }
    requireIds(prompt, 1);
    float[] logits;
    try (InferenceSession s = model.newSession()) {
      logits = s.forward(prompt).clone();
    }
    Tensor probs = Tensor.zeros(1, logits.length);
    Softmax.softmax(Tensor.of(logits, 1, logits.length), probs);
    int n = Math.min(topN, logits.length);
    // min-heap of the best n so far: (prob ascending, id descending) at the head
    PriorityQueue<Integer> heap = new PriorityQueue<>(n + 1, (a, b) -> {
      int c = Float.compare(logits[a], logits[b]);
      return c != 0 ? c : Integer.compare(b, a);
    });
    for (int i = 0; i < logits.length; i++) {
      heap.add(i);
      if (heap.size() > n) {
        heap.poll();
      }
    }
    List<TokenProbability> out = new ArrayList<>(heap.size());
    while (!heap.isEmpty()) {
      int id = heap.poll();
      out.add(new TokenProbability(id, probs.getFlat(id), logits[id]));
    }
    java.util.Collections.reverse(out);
    return out;
  }

  /**
   * The log-probability of each token of {@code ids} given the tokens before it (one forward pass
   * over the whole sequence).
   *
   * @param ids at least two ids, no longer than the context
   */
  public static SequenceScore score(LanguageModel model, int[] ids) {
    Objects.requireNonNull(model, "model");
    requireIds(ids, 2);
    Tensor logits;
    try (InferenceSession s = model.newSession()) {
      logits = s.forwardAll(ids, 0, ids.length - 1);
    }
    // logits: (T-1, V) -> logp: (T-1, V)
    Tensor logp = Tensor.zeros(logits.shape());
    Softmax.logSoftmax(logits, logp);
    int v = model.vocabSize();
    float[] lp = new float[ids.length - 1];
    for (int i = 0; i < lp.length; i++) {
      lp[i] = logp.getFlat(i * v + ids[i + 1]);
    }
    return new SequenceScore(ids.clone(), lp);
  }

  /**
   * The attention weights of every layer for a prompt: element {@code [layer]} is a tensor
   * (nHeads, T, T) whose row {@code (h, i)} is query i's distribution over keys 0..i (zeros after).
   *
   * @param ids at least one id, at most 512 and no longer than the context
   */
  public static Tensor[] attention(LanguageModel model, int[] ids) {
    Objects.requireNonNull(model, "model");
    requireIds(ids, 1);
    try (InferenceSession s = model.newSession()) {
      return s.forwardWithAttention(ids, 0, ids.length);
    }
  }

  private static void requireIds(int[] ids, int min) {
    if (ids == null || ids.length < min) {
      throw new IllegalArgumentException(
          "expected at least " + min + " token id(s), got "
              + (ids == null ? "null" : Arrays.toString(ids)));
    }
  }
}
