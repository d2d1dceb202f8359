package dev.llmkit.sampling;

/**
 * Greedy choice: the token with the largest logit. Equal largest logits: the lowest token id wins.
 *
 * <p>The recorded probability is that token's softmax probability over the logits it was given (so a
 * user sees how sure the model was), and that softmax is the distribution
 * {@link SamplingContext#topCandidates} reports. Uses no randomness.
 */
final class GreedySampler implements Sampler {

  static final GreedySampler INSTANCE = new GreedySampler();

  private GreedySampler() {}

  @Override
  public int sample(float[] logits, SamplingContext context) {
    // logits: (V) -> token id
    int best = Logits.argmax(logits);
    float max = logits[best];
    float[] weights = context.distributionBuffer(logits.length);
    double total = Logits.expWeights(logits, max, weights);
    context.setDistributionTotal(total);
    context.recordChoice(best, 1.0 / total, -StrictMath.log(total));
    return best;
  }

  @Override
  public String toString() {
    return "greedy";
  }
}
