package dev.llmkit.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmkit.model.io.Checkpoints;
import dev.llmkit.model.io.LoadedModel;
import dev.llmkit.tensor.RopeStyle;
import java.nio.file.Files;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConvertCommandTest {

  @TempDir Path tmp;

  private static String[] run(String... args) {
    return CliRun.run(args).asArray();
  }

  @Test
  void llama2cCheckpointBecomesAHuggingFaceFolder() throws Exception {
    Path data = Path.of(System.getProperty("llmkit.test.data", "../testdata"))
        .resolve("llama2c-stories260K");
    Path out = tmp.resolve("hf");
    String[] r = run("convert", "--model", data.resolve("stories260K.bin").toString(),
        "--tokenizer", data.resolve("tok512.bin").toString(), "--out", out.toString());
    assertThat(r[0]).as(r[2]).isEqualTo("0");
    assertThat(r[1]).contains("format llama2c").contains("parameters 260032")
        .contains("wrote " + out.resolve("config.json"))
        .contains("wrote " + out.resolve("model.safetensors"))
        .contains("wrote " + out.resolve("tokenizer.json"));
    LoadedModel m = Checkpoints.load(out);
    assertThat(m.config().ropeStyle()).isEqualTo(RopeStyle.ROTATE_HALF);
    assertThat(m.config().nKvHeads()).isEqualTo(4);
    assertThat(m.tokenizer().encode("Once upon a time")).containsExactly(403, 407, 261, 378);
  }

  @Test
  void aMissingModelFailsNamingIt() {
    String[] r = run("convert", "--model", tmp.resolve("nope.bin").toString(), "--out",
        tmp.resolve("o").toString());
    assertThat(r[0]).isNotEqualTo("0");
    assertThat(r[2]).contains("nope.bin");
  }
}
