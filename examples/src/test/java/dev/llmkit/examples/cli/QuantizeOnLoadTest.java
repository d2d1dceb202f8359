package dev.llmkit.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmkit.model.config.ModelConfig;
import dev.llmkit.model.io.Checkpoints;
import dev.llmkit.model.weights.ModelWeights;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --quantize} on an F32 Hugging Face folder: the matrices are run as blocks of that type. */
class QuantizeOnLoadTest {

  @Test
  void benchRunsTheMatricesQuantizedAndCountsTheirBlocks(@TempDir Path dir) throws Exception {
    // GPT-2-shaped: 2 layers of width 256, feed-forward 1024, vocabulary 64 (tied), context 32
    Checkpoints.saveHuggingFace(dir, ModelWeights.init(ModelConfig.gpt2(64, 32, 2, 4, 256), 1, 0.02f), null);
    CliRun.Result r = CliRun.run("bench", "--model", dir.toString(), "--prompt-len", "4", "--new", "4",
        "--repeats", "1", "--quantize", "q4_0");
    assertThat(r.exitCode()).as(r.err()).isZero();
    Map<String, String> kv = CliRun.keyValues(r.out());
    assertThat(kv.get("weights")).isEqualTo("Q4_0");
    // (2 layers × 12·256² + the tied 64×256 table) weights in 32-weight blocks of 18 bytes
    assertThat(Long.parseLong(kv.get("weight_bytes_per_token")))
        .isEqualTo((2L * 12 * 256 * 256 + 64 * 256) / 32 * 18);
    // what a decode step reads: those blocks, plus K and V (2 layers × 2 × 256 f32) of the mean
    // cache length over the 4 decoded tokens after the 4-token prompt (4 + 3/2)
    assertThat(Double.parseDouble(kv.get("decode_bytes_per_token")))
        .isEqualTo((2L * 12 * 256 * 256 + 64 * 256) / 32 * 18 + 2 * 2 * 256 * 4 * 5.5);
    CliRun.Result f32 = CliRun.run("bench", "--model", dir.toString(), "--prompt-len", "4", "--new", "4",
        "--repeats", "1");
    assertThat(CliRun.keyValues(f32.out()).get("weight_bytes_per_token"))
        .isEqualTo(Long.toString(4L * (2L * 12 * 256 * 256 + 64 * 256)));
  }

  @Test
  void aTypeThatIsNotOfferedOrDoesNotFitIsNamed(@TempDir Path dir) throws Exception {
    Checkpoints.saveHuggingFace(dir, ModelWeights.init(ModelConfig.gpt2(64, 32, 1, 2, 64), 1, 0.02f), null);
    CliRun.Result bad = CliRun.run("bench", "--model", dir.toString(), "--quantize", "q5_1");
    assertThat(bad.exitCode()).isNotZero();
    assertThat(bad.err()).contains("--quantize q5_1").contains("q8_0, q4_0, q4_k or q6_k");
    // width 64 is not whole 256-weight Q4_K super-blocks
    CliRun.Result k = CliRun.run("bench", "--model", dir.toString(), "--quantize", "q4_k");
    assertThat(k.exitCode()).isNotZero();
    assertThat(k.err()).contains("tok_embeddings.weight").contains("Q4_K").contains("256");
  }
}
