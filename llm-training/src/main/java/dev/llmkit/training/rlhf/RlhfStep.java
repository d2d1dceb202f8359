package dev.llmkit.training.rlhf;

/**
 * What one RLHF step did, for listeners and reward curves.
 *
 * @param step the step just completed (from 1)
 * @param totalSteps steps of the run
 * @param meanReward mean reward of the step's rollouts (before the update)
 * @param kl mean KL(policy || reference) per response at rollout time (sum over its tokens of
 *     logp - refLogp)
 * @param loss the policy loss of the last gradient step
 * @param klCoefficient the KL coefficient in force (PPO: adaptive or fixed; GRPO: beta)
 */
public record RlhfStep(long step, long totalSteps, double meanReward, double kl, double loss,
    double klCoefficient) {}
