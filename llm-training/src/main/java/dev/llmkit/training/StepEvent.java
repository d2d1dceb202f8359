package dev.llmkit.training;

import java.time.Duration;

/**
 * What a listener learns after every optimiser step.
 *
 * @param step steps completed so far (1 after the first step; equals {@code totalSteps} at the end)
 * @param totalSteps steps of the whole run
 * @param loss training loss of this step (mean over its micro-batches)
 * @param learningRate learning rate this step used
 * @param gradientNorm global gradient norm before clipping
 * @param tokensPerSecond training throughput of this step (eval and checkpoint time excluded)
 * @param eta estimated time to the end of the run
 */
public record StepEvent(
    long step,
    long totalSteps,
    float loss,
    double learningRate,
    double gradientNorm,
    double tokensPerSecond,
    Duration eta) {}
