package dev.llmkit.examples.cli;

import dev.llmkit.model.cost.ArchitectureShape;
import dev.llmkit.model.cost.ConfigJson;
import dev.llmkit.model.cost.CostModel;
import dev.llmkit.model.cost.TrainMemory;
import dev.llmkit.model.cost.WeightFormat;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code llm estimate}: what a model costs, from its {@code config.json} alone (no weights are read):
 * parameters, bytes of weights and KV cache, FLOPs, the compute-optimal token count, the memory of
 * training, and the time (and price) of the work on this machine.
 */
@Command(
    name = "estimate",
    mixinStandardHelpOptions = true,
    description = {
      "Estimate what a model costs from its config.json alone (weights, if present, are not read).",
      "Prints one 'key value' per line: params, params_non_embedding, weights_bytes,"
          + " kv_cache_bytes_per_token, kv_cache_bytes, flops_per_token_forward;"
          + " with --tokens: train_flops, chinchilla_tokens and est_seconds_here (and est_cost with"
          + " --price-per-hour); with --train: train_memory_bytes, train_weights_bytes,"
          + " train_grads_bytes, train_optimizer_bytes, train_activation_bytes.",
      "est_seconds_here: training (--train) is train_flops over the training FLOP/s measured here"
          + " (4/3 of it with --recompute, which runs each block's forward twice);"
          + " otherwise generating --tokens tokens, each batch step reading the weights and half the"
          + " KV cache at the measured memory bandwidth. The machine is measured once (a few seconds)"
          + " and cached in --throughput-file; --measure measures again.",
      "Families: gpt2, llama, mistral, qwen2, gemma, gemma2, phi3, bert."
    })
public final class EstimateCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = "--model", required = true, description = "A model folder with a config.json, or the config.json.")
  Path model;

  @Option(names = "--dtype", defaultValue = "f16",
      description = "Weight format: f32, f16, bf16, q8_0, q4_0, q4_k (${DEFAULT-VALUE}).")
  String dtype;

  @Option(names = "--kv-dtype", defaultValue = "f16",
      description = "KV cache element type: f16 or f32 (${DEFAULT-VALUE}; llmkit's own cache is f32).")
  String kvDtype;

  @Option(names = "--context", description = "Tokens per sequence (default: the config's context length).")
  Integer context;

  @Option(names = "--batch", defaultValue = "1", description = "Sequences at once (${DEFAULT-VALUE}).")
  int batch;

  @Option(names = "--tokens", description = "Tokens of work: trained on (--train) or generated, e.g. 300e9.")
  String tokens;

  @Option(names = "--train", description = "Also estimate the memory of training (AdamW, f32, llmkit's trainer).")
  boolean train;

  @Option(names = "--recompute", description = "Training with activation recomputation (implies --train).")
  boolean recompute;

  @Option(names = "--price-per-hour", description = "Price of this machine per hour: prints est_cost.")
  Double pricePerHour;

  @Option(names = "--measure", description = "Measure this machine again, even when cached.")
  boolean measure;

  @Option(names = "--throughput-file", description = "Cache of this machine's measured throughput"
      + " (default: ~/.cache/llmkit/throughput.json).")
  Path throughputFile;

  @Override
  public Integer call() throws Exception {
    // validate every option before reading anything
    WeightFormat format = WeightFormat.parse(dtype);
    int kvBytes = switch (kvDtype.toLowerCase(Locale.ROOT)) {
      case "f16" -> 2;
      case "f32" -> 4;
      default -> throw new IllegalArgumentException(
          "unknown --kv-dtype \"" + kvDtype + "\"; expected f16 or f32");
    };
    if (batch < 1 || batch > ArchitectureShape.MAX_SIZE) {
      throw new IllegalArgumentException("--batch must be in [1, " + ArchitectureShape.MAX_SIZE + "], got " + batch);
    }
    if (context != null && (context < 1 || context > ArchitectureShape.MAX_SIZE)) {
      throw new IllegalArgumentException(
          "--context must be in [1, " + ArchitectureShape.MAX_SIZE + "], got " + context);
    }
    double work = tokens == null ? 0 : parseTokens(tokens);
    if (pricePerHour != null && !(pricePerHour >= 0 && pricePerHour < 1e9)) {
      throw new IllegalArgumentException("--price-per-hour must be a price >= 0, got " + pricePerHour);
    }
    if (pricePerHour != null && tokens == null) {
      throw new IllegalArgumentException("--price-per-hour needs --tokens (the work to price)");
    }
    ArchitectureShape shape = ConfigJson.read(model);
    int ctx = context != null ? context : shape.maxPositions();
    if (ctx > shape.maxPositions()) {
      throw new IllegalArgumentException("--context " + ctx + " exceeds the model's context length "
          + shape.maxPositions() + " (" + model + ")");
    }
    CostModel cost = CostModel.of(shape);
    boolean training = train || recompute;

    PrintWriter out = spec.commandLine().getOut();
    line(out, "params", cost.params());
    line(out, "params_non_embedding", cost.paramsNonEmbedding());
    line(out, "weights_bytes", cost.weightsBytes(format));
    line(out, "kv_cache_bytes_per_token", cost.kvCacheBytesPerToken(kvBytes));
    line(out, "kv_cache_bytes", cost.kvCacheBytes(ctx, batch, kvBytes));
    out.printf(Locale.ROOT, "flops_per_token_forward %.4e%n", cost.flopsPerTokenForward(ctx));
    TrainMemory mem = null;
    if (training) {
      mem = cost.trainMemory(batch, ctx, recompute);
      line(out, "train_memory_bytes", mem.total());
      line(out, "train_weights_bytes", mem.weights());
      line(out, "train_grads_bytes", mem.grads());
      line(out, "train_optimizer_bytes", mem.optimizer());
      line(out, "train_activation_bytes", mem.activations());
    }
    if (tokens != null) {
      double trainFlops = cost.trainFlops(work, ctx);
      out.printf(Locale.ROOT, "train_flops %.4e%n", trainFlops);
      line(out, "chinchilla_tokens", cost.chinchillaTokens());
      out.flush();
      MachineThroughput here = MachineThroughput.cachedOrMeasured(
          throughputFile != null ? throughputFile : MachineThroughput.defaultFile(), measure);
      double seconds;
      if (training) {
        // recomputation runs every block's forward twice: 4 forward passes' work per token, not 3
        seconds = trainFlops / here.trainFlopsPerSecond() * (recompute ? 4.0 / 3.0 : 1.0);
      } else {
        double bytesPerStep = cost.weightsBytes(format) + cost.kvCacheBytes(ctx, batch, kvBytes) / 2.0;
        seconds = Math.ceil(work / batch) * bytesPerStep / here.memoryBandwidth();
      }
      out.printf(Locale.ROOT, "est_seconds_here %.4g%n", seconds);
      if (pricePerHour != null) {
        out.printf(Locale.ROOT, "est_cost %.2f%n", seconds / 3600 * pricePerHour);
      }
    }
    out.flush();
    return 0;
  }

  private static void line(PrintWriter out, String key, long value) {
    out.printf(Locale.ROOT, "%s %d%n", key, value);
  }

  /** A token count: a whole number, plain or in e-notation (300e9). */
  static double parseTokens(String s) {
    double v;
    try {
      v = Double.parseDouble(s.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--tokens must be a number of tokens (e.g. 1000000 or 300e9), got \""
          + s + "\"");
    }
    if (!(v >= 1) || v > 1e18 || v != Math.rint(v)) {
      throw new IllegalArgumentException("--tokens must be a whole number in [1, 1e18], got \"" + s + "\"");
    }
    return v;
  }
}
