package dev.llmkit.sampling;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Factories for the final choices and for chains of processors. */
public final class Samplers {

  private Samplers() {}

  /**
   * The greedy choice: the largest logit, lowest token id among equal largest logits.
   *
   * @return a shared, stateless sampler
   */
  public static Sampler greedy() {
    return GreedySampler.INSTANCE;
  }

  /**
   * A random draw from the softmax of the logits, using the context's seeded random source.
   *
   * @return a shared, stateless sampler
   */
  public static Sampler random() {
    return RandomSampler.INSTANCE;
  }

  /**
   * A chain: the processors in the given order, then {@code choice}. Any order can be built this
   * way; {@link SamplerConfig} builds the two documented orders.
   *
   * @param choice the final choice (e.g. {@link #random()} or {@link #greedy()})
   * @param processors the processors, in the order they run
   * @return the chain as a sampler
   */
  public static ChainSampler chain(Sampler choice, LogitsProcessor... processors) {
    if (processors == null) {
      throw new IllegalArgumentException("processors is null; expected an array (possibly empty)");
    }
    return new ChainSampler(Arrays.asList(processors), choice);
  }

  /**
   * A chain: the processors in the given order, then {@code choice}.
   *
   * @param choice the final choice
   * @param processors the processors, in the order they run
   * @return the chain as a sampler
   */
  public static ChainSampler chain(Sampler choice, List<? extends LogitsProcessor> processors) {
    if (processors == null) {
      throw new IllegalArgumentException("processors is null; expected a list (possibly empty)");
    }
    return new ChainSampler(new ArrayList<>(processors), choice);
  }
}
