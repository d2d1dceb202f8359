package dev.llmkit.training.rlhf;

import java.util.List;

/**
 * Draws the rollouts of RLHF: {@code k} responses to each prompt from the current policy. Today's
 * implementation ({@link GeneratorRollouts}) runs the sequential {@code Generator} once per sample;
 * a batched generator advances all of them in one forward per step behind the same interface.
 */
@FunctionalInterface
public interface PolicySampler {

  /**
   * Samples {@code k} responses to every prompt, grouped by prompt: the result holds
   * {@code prompts.size() * k} rollouts, those of prompt {@code i} at {@code [i*k, (i+1)*k)}. Sample
   * {@code j} of the whole call uses seed {@code seed + j}, so a call is reproducible.
   *
   * @throws IllegalArgumentException when {@code k < 1}
   */
  List<Rollout> sample(List<String> prompts, int k, long seed);
}
