package dev.llmkit.model.generate;

/**
 * The outcome of one sequence of a batched generation.
 *
 * @param generation text, ids, finish reason, lengths and timings, as {@link Generator} reports them
 * @param logprobs for each generated id (the stop token included), its log-probability under the
 *     model: the log-softmax of the model's raw logits (before any sampler processing) at that id
 */
public record BatchResult(GenerationResult generation, float[] logprobs) {

  /** Sum of {@link #logprobs}: the log-probability of the whole continuation given the prompt. */
  public double totalLogprob() {
    double s = 0;
    for (float l : logprobs) {
      s += l;
    }
    return s;
  }
}
