package dev.llmkit.tokenizer.gguf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** GgufMetadata on a GGUF written byte by byte here: values, where the metadata ends, errors. */
class GgufMetadataTest {

  /** GGUF v3 header (0 tensors, 2 entries): "a" = u32 7, "name" = string "xy"; then 5 more bytes. */
  static byte[] twoEntries() {
    ByteBuffer b = ByteBuffer.allocate(128).order(ByteOrder.LITTLE_ENDIAN);
    b.put("GGUF".getBytes(StandardCharsets.US_ASCII)).putInt(3).putLong(0).putLong(2);
    b.putLong(1).put((byte) 'a').putInt(4).putInt(7); // 8 + 1 + 4 + 4 = 17 bytes
    b.putLong(4).put("name".getBytes(StandardCharsets.US_ASCII)).putInt(8).putLong(2)
        .put("xy".getBytes(StandardCharsets.US_ASCII)); // 8 + 4 + 4 + 8 + 2 = 26 bytes
    b.put(new byte[5]); // what follows the metadata (tensor infos, padding)
    return Arrays.copyOf(b.array(), b.position());
  }

  @Test
  void readsTheValuesAndTellsWhereTheMetadataEnds(@TempDir Path dir) throws IOException {
    Path f = Files.write(dir.resolve("two.gguf"), twoEntries());
    GgufMetadata md = GgufMetadata.read(f);
    assertThat(md.version()).isEqualTo(3);
    assertThat(md.tensorCount()).isZero();
    assertThat(md.values()).containsExactly(
        java.util.Map.entry("a", 7L), java.util.Map.entry("name", "xy"));
    assertThat(md.end()).isEqualTo(24 + 17 + 26).isEqualTo(Files.size(f) - 5);
  }

  @Test
  void errorsNameTheEntryBeingRead(@TempDir Path dir) throws IOException {
    byte[] b = twoEntries();
    // the string value of "name" claims 2^40 bytes
    ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(24 + 17 + 8 + 4 + 4, 1L << 40);
    Path f = Files.write(dir.resolve("long.gguf"), b);
    assertThatThrownBy(() -> GgufMetadata.read(f))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("long.gguf at byte offset 57: metadata 'name': string length 1099511627776")
        .hasMessageContaining("runs past the end of the file (72 bytes)");
    // an unknown type code for "a"
    b = twoEntries();
    ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(24 + 8 + 1, 77);
    Path g = Files.write(dir.resolve("type.gguf"), b);
    assertThatThrownBy(() -> GgufMetadata.read(g))
        .hasMessageContaining("type.gguf at byte offset 33: metadata 'a': unknown value type 77");
  }
}
