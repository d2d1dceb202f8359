package dev.llmkit.training.finetune;

/**
 * DPO measures over a set of preference pairs, with {@code margin = (log pi(chosen) - log
 * ref(chosen)) - (log pi(rejected) - log ref(rejected))} summed over continuation tokens.
 *
 * @param loss mean of {@code -log sigmoid(beta * margin)}
 * @param meanMargin mean margin (0 when the policy equals the reference)
 * @param accuracy fraction of pairs whose margin is positive
 */
public record DpoMetrics(double loss, double meanMargin, double accuracy) {}
