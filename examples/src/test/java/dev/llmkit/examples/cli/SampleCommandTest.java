package dev.llmkit.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SampleCommandTest {

  private static String[] run(String... args) {
    return CliRun.run(args).asArray();
  }

  @Test
  void printsOneSortedLinePerIdDrawn() {
    String[] r = run("sample", "--logits", "0 5 -inf 5", "--top-k", "2", "--draws", "1000", "--seed", "4");
    assertThat(r[0]).isEqualTo("0");
    String[] lines = r[1].trim().split("\n");
    assertThat(lines).hasSize(2);
    assertThat(lines[0]).startsWith("1 ");
    assertThat(lines[1]).startsWith("3 ");
    long total = Long.parseLong(lines[0].split(" ")[1]) + Long.parseLong(lines[1].split(" ")[1]);
    assertThat(total).isEqualTo(1000);
  }

  @Test
  void temperatureZeroIsGreedyAndTheSeedReproduces() {
    assertThat(run("sample", "--logits", "1,3,3", "--temperature", "0", "--draws", "7", "--seed", "1")[1])
        .isEqualTo("1 7" + System.lineSeparator());
    String[] a = run("sample", "--logits", "1 2 3 4", "--draws", "50", "--seed", "9");
    String[] b = run("sample", "--logits", "1 2 3 4", "--draws", "50", "--seed", "9");
    assertThat(a[1]).isEqualTo(b[1]);
  }

  @Test
  void badSettingsFailNamingTheSetting() {
    String[] r = run("sample", "--logits", "1 2", "--top-p", "0", "--draws", "5", "--seed", "1");
    assertThat(r[0]).isEqualTo("1");
    assertThat(r[2]).contains("top-p is 0.0");
    assertThat(run("sample", "--logits", "1 zz", "--draws", "5", "--seed", "1")[2])
        .contains("entry 1 'zz'");
  }
}
