package dev.llmkit.model.generate;

import dev.llmkit.sampling.Sampler;
import dev.llmkit.sampling.SamplingContext;
import java.util.Objects;

/**
 * One sequence of a batched generation ({@link BatchGenerator}): its prompt ids, its stop rules and
 * limits, its sampler and its sampling context (whose seed fixes its draws).
 *
 * @param prompt the prompt ids, taken as they are (no BOS added); not empty
 * @param options this sequence's token limit, stop strings and stop tokens (no sliding window)
 * @param sampler this sequence's sampler
 * @param context this sequence's context: the prompt and every generated id are appended to it
 * @param listener receives this sequence's text as it is produced, or null
 */
public record BatchRequest(int[] prompt, GenerationOptions options, Sampler sampler,
    SamplingContext context, TokenListener listener) {

  /** Validates the fields. */
  public BatchRequest {
    Objects.requireNonNull(prompt, "prompt");
    Objects.requireNonNull(options, "options");
    Objects.requireNonNull(sampler, "sampler");
    Objects.requireNonNull(context, "context");
    if (prompt.length == 0) {
      throw new IllegalArgumentException("a batch request's prompt must not be empty");
    }
    if (options.slidingWindow()) {
      throw new IllegalArgumentException(
          "batched generation has no sliding window: use Generator for options.slidingWindow()");
    }
    prompt = prompt.clone();
    listener = listener == null ? TokenListener.NONE : listener;
  }

  /** A request with a fresh {@link SamplingContext} of the given seed and no listener. */
  public static BatchRequest of(int[] prompt, GenerationOptions options, Sampler sampler, long seed) {
    return new BatchRequest(prompt, options, sampler, new SamplingContext(seed), null);
  }
}
