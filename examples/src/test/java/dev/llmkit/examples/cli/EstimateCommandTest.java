package dev.llmkit.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmkit.examples.BundledData;
import dev.llmkit.model.cost.ArchitectureShape;
import dev.llmkit.model.cost.CostModel;
import dev.llmkit.model.io.LoadedModel;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code llm estimate}: the key/value lines from a config.json alone, and bad input. */
class EstimateCommandTest {

  static final String LLAMA_2_7B = "{\"model_type\":\"llama\",\"vocab_size\":32000,\"hidden_size\":4096,"
      + "\"intermediate_size\":11008,\"num_hidden_layers\":32,\"num_attention_heads\":32,"
      + "\"num_key_value_heads\":32,\"max_position_embeddings\":4096,\"tie_word_embeddings\":false}";

  @TempDir Path tmp;

  private static String[] run(String... args) {
    return CliRun.run(args).asArray();
  }

  private static Map<String, String> lines(String out) {
    return CliRun.keyValues(out);
  }

  /** A model folder with a config.json and a model.safetensors that is not one: never read. */
  private Path llamaFolder() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("llama-2-7b"));
    Files.writeString(dir.resolve("config.json"), LLAMA_2_7B);
    Files.writeString(dir.resolve("model.safetensors"), "not a safetensors file");
    return dir;
  }

  @Test
  void llama2FromItsConfigAlone() throws Exception {
    Path cache = tmp.resolve("throughput.json");
    String[] r = run("estimate", "--model", llamaFolder().toString(), "--dtype", "f16", "--context", "4096",
        "--throughput-file", cache.toString());
    assertThat(r[0]).as(r[2]).isEqualTo("0");
    Map<String, String> m = lines(r[1]);
    assertThat(m.keySet()).containsExactly("params", "params_non_embedding", "weights_bytes",
        "kv_cache_bytes_per_token", "kv_cache_bytes", "flops_per_token_forward");
    assertThat(m).containsEntry("params", "6738415616")
        .containsEntry("params_non_embedding", Long.toString(6_738_415_616L - 32000L * 4096))
        .containsEntry("weights_bytes", Long.toString(2 * 6_738_415_616L))
        .containsEntry("kv_cache_bytes_per_token", "524288")
        .containsEntry("kv_cache_bytes", Long.toString(524_288L * 4096));
    double flops = Double.parseDouble(m.get("flops_per_token_forward"));
    assertThat(flops).isCloseTo(2.0 * (6_738_415_616L - 32000L * 4096) + 2.0 * 32 * 4096 * 4096,
        org.assertj.core.api.Assertions.within(1e6));
    // nothing was measured: no --tokens, no work to time
    assertThat(cache).doesNotExist();
  }

  @Test
  void trainingLinesAndTimeFromTheCachedThroughput() throws Exception {
    Path cache = tmp.resolve("throughput.json");
    Files.writeString(cache, "{\"peak_flops\": 2e11, \"memory_bandwidth\": 5e10, \"train_flops_per_s\": 1e11}");
    String[] r = run("estimate", "--model", llamaFolder().resolve("config.json").toString(), "--context", "512",
        "--batch", "2", "--tokens", "1e9", "--train", "--price-per-hour", "3.6",
        "--throughput-file", cache.toString());
    assertThat(r[0]).as(r[2]).isEqualTo("0");
    Map<String, String> m = lines(r[1]);
    long p = 6_738_415_616L;
    assertThat(m).containsEntry("train_weights_bytes", Long.toString(4 * p))
        .containsEntry("train_grads_bytes", Long.toString(4 * p))
        .containsEntry("train_optimizer_bytes", Long.toString(8 * p))
        .containsEntry("chinchilla_tokens", Long.toString(20 * p));
    long total = Long.parseLong(m.get("train_memory_bytes"));
    assertThat(total).isEqualTo(16 * p + Long.parseLong(m.get("train_activation_bytes")));
    double trainFlops = Double.parseDouble(m.get("train_flops"));
    double expected = 3 * (2.0 * (p - 32000L * 4096) + 2.0 * 32 * 512 * 4096) * 1e9;
    assertThat(trainFlops).isCloseTo(expected, org.assertj.core.api.Assertions.within(expected * 1e-4));
    // 1e11 FLOP/s here; 3.6 per hour = 0.001 per second
    double seconds = Double.parseDouble(m.get("est_seconds_here"));
    assertThat(seconds).isCloseTo(trainFlops / 1e11, org.assertj.core.api.Assertions.within(trainFlops / 1e11 * 1e-3));
    // (est_seconds_here is printed to 4 significant digits, est_cost to the cent)
    assertThat(Double.parseDouble(m.get("est_cost"))).isCloseTo(expected / 1e11 * 0.001,
        org.assertj.core.api.Assertions.within(0.01));
    // recompute keeps one block's activations instead of 32
    String[] rc = run("estimate", "--model", llamaFolder().toString(), "--context", "512", "--batch", "2",
        "--recompute", "--throughput-file", cache.toString());
    assertThat(Long.parseLong(lines(rc[1]).get("train_activation_bytes")))
        .isLessThan(Long.parseLong(m.get("train_activation_bytes")) / 3);
  }

  @Test
  void badInputIsNamedBeforeAnythingIsRead() throws Exception {
    String model = llamaFolder().toString();
    assertThat(run("estimate", "--model", model, "--dtype", "q3_k")[2]).contains("\"q3_k\"");
    assertThat(run("estimate", "--model", model, "--kv-dtype", "int8")[2]).contains("--kv-dtype");
    assertThat(run("estimate", "--model", model, "--batch", "-1")[2]).contains("--batch");
    assertThat(run("estimate", "--model", model, "--context", "0")[2]).contains("--context");
    assertThat(run("estimate", "--model", model, "--context", "8192")[2]).contains("4096");
    assertThat(run("estimate", "--model", model, "--tokens", "many")[2]).contains("--tokens");
    assertThat(run("estimate", "--model", tmp.resolve("nothing").toString())[2]).contains("config.json");
    Path bad = tmp.resolve("bad.json");
    Files.writeString(bad, LLAMA_2_7B.replace("\"intermediate_size\":11008,", ""));
    String[] r = run("estimate", "--model", bad.toString());
    assertThat(r[0]).isNotEqualTo("0");
    assertThat(r[2]).contains("intermediate_size");
  }

  @Test
  void helpNamesTheLines() {
    String[] r = run("estimate", "--help");
    assertThat(r[1]).contains("params_non_embedding", "kv_cache_bytes_per_token", "est_seconds_here",
        "--recompute", "--price-per-hour");
  }

  @Test
  void stories260KParamsEqualTheFloatsInItsFile() throws Exception {
    LoadedModel m = BundledData.stories260K();
    long params = CostModel.of(ArchitectureShape.of(m.weights().config())).params();
    // llama2.c: a 7-int header, the weights, then (legacy) the RoPE tables, seqLen x headSize/2 twice
    Path file = BundledData.file("stories260K.bin");
    ByteBuffer h = ByteBuffer.wrap(Files.readAllBytes(file), 0, 28).order(ByteOrder.LITTLE_ENDIAN);
    int dim = h.getInt();
    h.getInt();
    h.getInt();
    int heads = h.getInt();
    h.getInt();
    h.getInt();
    int seqLen = h.getInt();
    long floats = (Files.size(file) - 28) / 4;
    assertThat(params).isEqualTo(floats - (long) seqLen * (dim / heads)).isEqualTo(260_032L);
    assertThat(params).isEqualTo(m.weights().parameterCount());
  }
}
