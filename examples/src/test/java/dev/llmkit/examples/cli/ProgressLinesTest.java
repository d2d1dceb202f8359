package dev.llmkit.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ProgressLinesTest {

  @Test
  void oneLineEveryTenthAndTheFinalOneOnce() {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    ProgressLines p = new ProgressLines(new PrintStream(buf, true, StandardCharsets.UTF_8), "train", 250, 0);
    for (int step = 1; step <= 250; step++) {
      p.update(step, " loss 1.0");
    }
    p.update(250, " loss 0.5"); // onFinish after the last step: no second final line
    String out = buf.toString(StandardCharsets.UTF_8);
    assertThat(out).doesNotContain("\r");
    assertThat(out.lines()).hasSize(10)
        .startsWith("train: 25/250 (10%) loss 1.0")
        .endsWith("train: 250/250 (100%) loss 1.0");
  }

  @Test
  void resumedRunCountsFromItsStartStep() {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    ProgressLines p = new ProgressLines(new PrintStream(buf, true, StandardCharsets.UTF_8), "t", 100, 55);
    for (int step = 56; step <= 100; step++) {
      p.update(step, "");
    }
    assertThat(buf.toString(StandardCharsets.UTF_8).lines())
        .containsExactly("t: 60/100 (60%)", "t: 70/100 (70%)", "t: 80/100 (80%)", "t: 90/100 (90%)",
            "t: 100/100 (100%)");
  }
}
