package dev.llmkit.training.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class ScheduleTest {

  @Test
  void warmupCosineIsNanoGptGetLr() {
    // nanoGPT shakespeare_char: learning_rate 1e-3, min_lr 1e-4, warmup_iters 100, lr_decay_iters 2000
    LearningRateSchedule s = LearningRateSchedule.warmupCosine(1e-3, 1e-4, 100, 2000);
    assertThat(s.learningRate(0)).isCloseTo(1e-3 / 101, within(1e-15));
    assertThat(s.learningRate(99)).isCloseTo(1e-3 * 100 / 101, within(1e-15));
    assertThat(s.learningRate(100)).isCloseTo(1e-3, within(1e-15));
    assertThat(s.learningRate(1050)).isCloseTo(5.5e-4, within(1e-15)); // half-way: cos(pi/2) = 0
    // ratio 0.25: 1e-4 + 0.5 * (1 + cos(pi/4)) * 9e-4
    assertThat(s.learningRate(575)).isCloseTo(1e-4 + 0.5 * (1 + Math.sqrt(0.5)) * 9e-4, within(1e-15));
    assertThat(s.learningRate(2000)).isCloseTo(1e-4, within(1e-15));
    assertThat(s.learningRate(5000)).isEqualTo(1e-4);
  }

  @Test
  void constantIsConstant() {
    assertThat(LearningRateSchedule.constant(3e-4).learningRate(12345)).isEqualTo(3e-4);
  }

  @Test
  void badArgumentsNameTheField() {
    assertThatThrownBy(() -> LearningRateSchedule.constant(-1)).hasMessageContaining("learning rate");
    assertThatThrownBy(() -> LearningRateSchedule.warmupCosine(1e-3, 1e-2, 10, 100))
        .hasMessageContaining("minLr");
    assertThatThrownBy(() -> LearningRateSchedule.warmupCosine(1e-3, 1e-4, 100, 100))
        .hasMessageContaining("decaySteps");
    assertThatThrownBy(() -> LearningRateSchedule.warmupCosine(Double.NaN, 0, 0, 1))
        .hasMessageContaining("maxLr");
  }
}
