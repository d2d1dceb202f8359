package dev.llmkit.sampling;

import java.util.List;

/**
 * A chain of {@link LogitsProcessor}s in front of a final choice: the processors run in order on
 * the logits (in place), then the final sampler chooses. Built by {@link Samplers#chain}.
 *
 * <p>The input logits are checked first, so a NaN is reported at its original position before any
 * processor can move or hide it.
 */
public final class ChainSampler implements Sampler {

  private final LogitsProcessor[] processors;
  private final Sampler choice;

  ChainSampler(List<LogitsProcessor> processors, Sampler choice) {
    this.processors = processors.toArray(new LogitsProcessor[0]);
    for (int i = 0; i < this.processors.length; i++) {
      if (this.processors[i] == null) {
        throw new IllegalArgumentException("processor " + i + " of the chain is null");
      }
    }
    if (choice == null) {
      throw new IllegalArgumentException("the final sampler of the chain is null");
    }
    this.choice = choice;
  }

  /** The processors, in the order they run. */
  public List<LogitsProcessor> processors() {
    return List.of(processors);
  }

  /** The final choice after the processors. */
  public Sampler choice() {
    return choice;
  }

  @Override
  public int sample(float[] logits, SamplingContext context) {
    // logits: (V) -> processors (in place) -> token id
    Logits.checkedMax(logits);
    for (LogitsProcessor processor : processors) {
      processor.process(logits, context);
    }
    try {
      return choice.sample(logits, context);
    } catch (NoPossibleTokenException e) {
      throw new NoPossibleTokenException(
          e.getMessage() + " after the chain " + this + " (at sequence position " + context.size()
              + ")");
    }
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("[");
    for (LogitsProcessor p : processors) {
      sb.append(p).append(" -> ");
    }
    return sb.append(choice).append(']').toString();
  }
}
