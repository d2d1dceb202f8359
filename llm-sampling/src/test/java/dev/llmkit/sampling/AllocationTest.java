package dev.llmkit.sampling;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** A steady-state generation allocates nothing per token. */
class AllocationTest {

  @Test
  void steadyStateSamplingAllocatesNothing() {
    java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
    Assumptions.assumeTrue(bean instanceof com.sun.management.ThreadMXBean);
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) bean;
    Assumptions.assumeTrue(threads.isThreadAllocatedMemorySupported());
    threads.setThreadAllocatedMemoryEnabled(true);

    Sampler sampler =
        SamplerConfig.builder()
            .temperature(0.9f).topK(50).topP(0.9f).minP(0.01f).typicalP(0.95f)
            .repetitionPenalty(1.1f).frequencyPenalty(0.1f).presencePenalty(0.1f)
            .logitBias(5, -2f).ban(7)
            .buildSampler();
    float[] logits = ReproducibilityTest.gpt2SizedLogits(3);
    float[] work = new float[logits.length];
    SamplingContext context = new SamplingContext(1);
    int tokens = 300;
    // warm up: sizes the scratch buffers and the history array (which grows by doubling)
    for (int i = 0; i < tokens; i++) {
      System.arraycopy(logits, 0, work, 0, logits.length);
      sampler.sample(work, context);
    }
    long id = Thread.currentThread().getId();
    // the least of three windows: a one-off allocation of the JVM in a window (a JIT compilation
    // finishing, a deoptimisation) is not the sampler's, one per token would be in every window
    long allocated = Long.MAX_VALUE;
    for (int window = 0; window < 3; window++) {
      long before = threads.getThreadAllocatedBytes(id);
      for (int i = 0; i < tokens; i++) {
        System.arraycopy(logits, 0, work, 0, logits.length);
        int token = sampler.sample(work, context);
        context.lastProbability();
        if (window == 0 && i < 40) {
          context.accept(token); // within the warmed-up history capacity
        }
      }
      allocated = Math.min(allocated, threads.getThreadAllocatedBytes(id) - before);
    }
    // one allocation per token would be at least 16 bytes x 300 tokens
    assertThat(allocated).isLessThan(1024);
  }
}
