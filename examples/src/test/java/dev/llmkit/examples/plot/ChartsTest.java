package dev.llmkit.examples.plot;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChartsTest {

  @TempDir Path dir;

  @Test
  void writesReadablePngsOfTheRequestedSize() throws Exception {
    Path loss = dir.resolve("loss.png");
    Charts.lossCurve("loss", List.of(new Charts.Point(0, 4.2), new Charts.Point(10, 3.1)),
        List.of(new Charts.Point(10, 3.3)), loss);
    BufferedImage img = ImageIO.read(loss.toFile());
    assertThat(img.getWidth()).isEqualTo(900);
    assertThat(img.getHeight()).isEqualTo(540);

    Path bars = dir.resolve("p.png");
    Charts.probabilityBars("p", List.of(" the", " a", " the"), new double[] {0.5, 0.3, 0.2}, bars);
    assertThat(ImageIO.read(bars.toFile()).getWidth()).isEqualTo(900);

    Path heat = dir.resolve("a.png");
    Charts.attentionHeatmap("head 0", List.of("a", "b"), new float[][] {{1, 0}, {0.25f, 0.75f}}, heat);
    assertThat(ImageIO.read(heat.toFile()).getHeight()).isEqualTo(480);
    assertThat(dir.toFile().list()).containsExactlyInAnyOrder("loss.png", "p.png", "a.png");
  }

  @Test
  void whitespaceInTokensIsMadeVisible() {
    assertThat(Charts.visible(" the\n")).isEqualTo("\u2423the\\n");
  }
}
