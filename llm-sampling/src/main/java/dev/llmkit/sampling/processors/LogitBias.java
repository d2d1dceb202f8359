package dev.llmkit.sampling.processors;

import dev.llmkit.sampling.LogitsProcessor;
import dev.llmkit.sampling.SamplingContext;
import java.util.Map;
import java.util.TreeMap;

/**
 * Logit bias (OpenAI's {@code logit_bias}): adds a fixed amount to the logits of chosen tokens. A
 * bias of {@code -Infinity} bans the token.
 */
public final class LogitBias implements LogitsProcessor {

  private final int[] tokens;
  private final float[] biases;

  /**
   * Creates the processor.
   *
   * @param bias token id ({@code >= 0}) to the amount added to its logit (finite, or
   *     {@code -Infinity} to ban it)
   * @throws IllegalArgumentException if an id is negative or a bias is NaN or {@code +Infinity}
   */
  public LogitBias(Map<Integer, Float> bias) {
    if (bias == null) {
      throw new IllegalArgumentException("logit bias is null; expected a map (possibly empty)");
    }
    TreeMap<Integer, Float> sorted = new TreeMap<>();
    for (Map.Entry<Integer, Float> e : bias.entrySet()) {
      Integer token = e.getKey();
      Float value = e.getValue();
      if (token == null || token < 0) {
        throw new IllegalArgumentException(
            "logit bias token " + token + " is not a token id; expected an id >= 0");
      }
      if (value == null || value.isNaN() || value == Float.POSITIVE_INFINITY) {
        throw new IllegalArgumentException(
            "logit bias of token " + token + " is " + value
                + "; expected a finite number or -Infinity");
      }
      sorted.put(token, value);
    }
    tokens = new int[sorted.size()];
    biases = new float[sorted.size()];
    int i = 0;
    for (Map.Entry<Integer, Float> e : sorted.entrySet()) {
      tokens[i] = e.getKey();
      biases[i] = e.getValue();
      i++;
    }
  }

  /** The biases, by token id. */
  public Map<Integer, Float> bias() {
    TreeMap<Integer, Float> out = new TreeMap<>();
    for (int i = 0; i < tokens.length; i++) {
      out.put(tokens[i], biases[i]);
    }
    return out;
  }

  @Override
  public void process(float[] logits, SamplingContext context) {
    // logits: (V) -> logits + bias
    for (int i = 0; i < tokens.length; i++) {
      int t = Validation.tokenInVocabulary("logit bias token", tokens[i], logits.length);
      logits[t] += biases[i];
    }
  }

  @Override
  public String toString() {
    return "logit-bias(" + tokens.length + " tokens)";
  }
}
