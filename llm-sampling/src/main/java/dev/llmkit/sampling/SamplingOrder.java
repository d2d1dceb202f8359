package dev.llmkit.sampling;

/**
 * The order in which {@link SamplerConfig} chains its processors. Any other order can be built by
 * hand with {@link Samplers#chain}.
 */
public enum SamplingOrder {

  /**
   * The default, as Hugging Face {@code generate()}: logit bias, banned tokens, repetition penalty,
   * frequency/presence penalties, then temperature, top-k, top-p, min-p, typical-p, then the random
   * draw. The filters see the temperature-scaled distribution.
   */
  HUGGING_FACE,

  /**
   * llama.cpp's order: logit bias, banned tokens, repetition penalty, frequency/presence penalties,
   * then top-k, typical-p, top-p, min-p, and temperature last, then the random draw. The filters see
   * the unscaled (temperature 1) distribution.
   */
  LLAMA_CPP
}
