package dev.llmkit.sampling;

/**
 * Random choice: draws a token from the softmax of the logits with the context's seeded random
 * source (inverse transform: one uniform draw u, the first token whose cumulative weight exceeds
 * u times the total, scanning ids in increasing order).
 */
final class RandomSampler implements Sampler {

  static final RandomSampler INSTANCE = new RandomSampler();

  private RandomSampler() {}

  @Override
  public int sample(float[] logits, SamplingContext context) {
    // logits: (V) -> token id ~ softmax(logits)
    float max = Logits.checkedMax(logits);
    if (max == Float.NEGATIVE_INFINITY) {
      throw Logits.noPossibleToken(logits.length);
    }
    int vocab = logits.length;
    float[] weights = context.distributionBuffer(vocab);
    double total = Logits.expWeights(logits, max, weights);
    context.setDistributionTotal(total);
    double target = context.nextDouble() * total;
    double cumulative = 0;
    int chosen = -1;
    int lastPossible = -1;
    for (int i = 0; i < vocab; i++) {
      float w = weights[i];
      if (w > 0) {
        cumulative += w;
        lastPossible = i;
        if (cumulative > target) {
          chosen = i;
          break;
        }
      }
    }
    if (chosen < 0) {
      chosen = lastPossible; // u * total rounded up to the full sum: the last possible token
    }
    double logProbability = (logits[chosen] - max) - StrictMath.log(total);
    context.recordChoice(chosen, weights[chosen] / total, logProbability);
    return chosen;
  }

  @Override
  public String toString() {
    return "random";
  }
}
