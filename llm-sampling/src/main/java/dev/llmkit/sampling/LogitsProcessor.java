package dev.llmkit.sampling;

/**
 * Transforms a logits vector in place: temperature, top-k, top-p, penalties, a ban list, or anything
 * a user writes.
 *
 * <p>Removing a token means setting its logit to {@code Float.NEGATIVE_INFINITY}. A processor keeps
 * no per-generation state of its own: what it needs (the tokens so far, scratch buffers) comes from
 * the {@link SamplingContext}, so one processor instance can serve many generations at once.
 * Processors are chained in front of a final choice with {@link Samplers#chain}.
 */
@FunctionalInterface
public interface LogitsProcessor {

  /**
   * Modifies {@code logits} in place.
   *
   * @param logits one logit per vocabulary entry; {@code -Infinity} marks a removed token
   * @param context the generation's context
   */
  void process(float[] logits, SamplingContext context);
}
