package dev.llmkit.training.spark;

import java.io.Serializable;
import java.util.Map;

/**
 * What one replica reports back to the driver.
 *
 * @param rank the replica
 * @param attempt the stage attempt that produced it
 * @param resumedAtStep the checkpoint step this attempt resumed from, -1 when it started afresh
 * @param steps steps completed in total
 * @param losses mean loss over all replicas of every step this attempt ran
 * @param finalEvaluation mean loss per evaluation set after the last step
 * @param tokensPerSecond this replica's training tokens per second
 * @param trainingSeconds seconds in training steps (communication included)
 * @param commSeconds seconds in gradient reduction
 * @param firstCommSeconds seconds of the first reduction (includes waiting for the others' start-up)
 * @param commWaitSeconds seconds of {@code commSeconds} spent waiting for the other replicas to
 *     reach the exchange (NaN when the exchange cannot tell)
 * @param firstCommWaitSeconds the part of {@code firstCommSeconds} spent waiting
 * @param commSteps reductions done
 * @param bytesSent bytes this replica sent in reductions
 * @param parameterDigest a hash of the bits of every parameter after the last step
 */
public record WorkerResult(
    int rank,
    int attempt,
    long resumedAtStep,
    long steps,
    float[] losses,
    Map<String, Float> finalEvaluation,
    double tokensPerSecond,
    double trainingSeconds,
    double commSeconds,
    double firstCommSeconds,
    double commWaitSeconds,
    double firstCommWaitSeconds,
    long commSteps,
    long bytesSent,
    long parameterDigest) implements Serializable {}
