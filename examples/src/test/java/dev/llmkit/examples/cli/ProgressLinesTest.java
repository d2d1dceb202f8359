package dev.llmkit.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProgressLinesTest {

  private final ByteArrayOutputStream buf = new ByteArrayOutputStream();

  private ProgressLines progress(String task, long total, long start) {
    return new ProgressLines(new PrintStream(buf, true, StandardCharsets.UTF_8), task, total, start);
  }

  private List<String> printed() {
    String out = buf.toString(StandardCharsets.UTF_8);
    assertThat(out).doesNotContain("\r");
    return out.lines().toList();
  }

  @Test
  void oneLineEveryTenthAndTheFinalOneOnce() {
    ProgressLines p = progress("train", 250, 0);
    for (int step = 1; step <= 250; step++) {
      p.update(step, " loss 1.0");
    }
    p.update(250, " loss 0.5"); // onFinish after the last step: no second final line
    assertThat(printed()).hasSize(10)
        .startsWith("train: 25/250 (10%) loss 1.0")
        .endsWith("train: 250/250 (100%) loss 1.0");
  }

  @Test
  void resumedRunCountsFromItsStartStep() {
    ProgressLines p = progress("t", 100, 55);
    for (int step = 56; step <= 100; step++) {
      p.update(step, "");
    }
    assertThat(printed()).containsExactly(
        "t: 60/100 (60%)", "t: 70/100 (70%)", "t: 80/100 (80%)", "t: 90/100 (90%)", "t: 100/100 (100%)");
  }
}
