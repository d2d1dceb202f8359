package dev.llmkit.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmkit.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The .npy writer of {@code llm logits} against the NumPy format 1.0 specification. */
class LogitsCommandTest {

  @Test
  void writesAFloat32NpyArrayOfShapeTByV(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("l.npy");
    LogitsCommand.writeNpy(file, Tensor.of(new float[] {1f, -2.5f, 3f, 0.25f, 5f, -6f}, 2, 3));
    byte[] b = Files.readAllBytes(file);
    assertThat(b[0] & 0xff).isEqualTo(0x93);
    assertThat(new String(b, 1, 5, StandardCharsets.US_ASCII)).isEqualTo("NUMPY");
    assertThat(b[6]).isEqualTo((byte) 1);
    assertThat(b[7]).isEqualTo((byte) 0);
    int headerLen = (b[8] & 0xff) | (b[9] & 0xff) << 8;
    assertThat((10 + headerLen) % 64).isZero();
    String header = new String(b, 10, headerLen, StandardCharsets.US_ASCII);
    assertThat(header).startsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }")
        .endsWith("\n");
    ByteBuffer data = ByteBuffer.wrap(b, 10 + headerLen, 24).order(ByteOrder.LITTLE_ENDIAN);
    float[] values = new float[6];
    data.asFloatBuffer().get(values);
    assertThat(values).containsExactly(1f, -2.5f, 3f, 0.25f, 5f, -6f);
    assertThat(b).hasSize(10 + headerLen + 24);
  }

  @Test
  void idsAreParsedFromSpacesOrCommasAndBadOnesAreNamed() {
    assertThat(LogitsCommand.parseIds(" 1 403,407  261 ")).containsExactly(1, 403, 407, 261);
    assertThatThrownBy(() -> LogitsCommand.parseIds("1 x2")).hasMessageContaining("'x2'");
    assertThatThrownBy(() -> LogitsCommand.parseIds("  ")).hasMessageContaining("empty");
  }
}
