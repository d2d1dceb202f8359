package dev.llmkit.examples.cli;

import dev.llmkit.examples.BundledData;
import dev.llmkit.model.Models;
import dev.llmkit.model.config.ModelConfig;
import dev.llmkit.model.io.Checkpoints;
import dev.llmkit.model.io.LoadedModel;
import dev.llmkit.tensor.DecodeMatrices;
import dev.llmkit.model.nn.Transformer;
import dev.llmkit.model.weights.ModelWeights;
import dev.llmkit.tensor.Tensor;
import dev.llmkit.tokenizer.Tokenizer;
import dev.llmkit.tokenizer.Tokenizers;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Map;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * The {@code --model} argument of every command that takes a model: a Hugging Face folder, a
 * llama2.c {@code .bin} (with {@code --tokenizer tok*.bin}), a GGUF file, {@code bundled:stories260K}
 * — the pretrained stories260K and its tokenizer that ship inside the examples jar — or (generate,
 * logits and bench) {@code random:gpt2-124m} — a
 * GPT-2 124M-shaped model (12 layers, 12 heads, width 768, vocab 50257, context 1024) with random
 * weights, made in memory in about a second, for benchmarking without files (its tokenizer is GPT-2's
 * r50k_base).
 */
final class ModelSource {

  /** The spec of the random GPT-2 124M-shaped model. */
  static final String RANDOM_GPT2_124M = "random:gpt2-124m";

  /** The spec of the pretrained stories260K bundled in the examples jar. */
  static final String BUNDLED_STORIES260K = "bundled:stories260K";

  /** A checkpoint on disk and the tokenizer file to load with it (null: the checkpoint's own). */
  record ModelFiles(Path model, Path tokenizer) {}

  /**
   * The files behind a {@code --model} argument that names a checkpoint: the path itself, or for
   * {@code bundled:stories260K} the bundled model and (unless {@code tokenizer} is given) its
   * tokenizer, copied out of the jar.
   */
  static ModelFiles files(String model, Path tokenizer) throws IOException {
    if (model.startsWith("bundled:")) {
      if (!model.equals(BUNDLED_STORIES260K)) {
        throw new IllegalArgumentException(
            "unknown bundled model " + model + "; expected " + BUNDLED_STORIES260K);
      }
      return new ModelFiles(BundledData.file("stories260K.bin"),
          tokenizer != null ? tokenizer : BundledData.file("tok512.bin"));
    }
    return new ModelFiles(Path.of(model), tokenizer);
  }

  private ModelSource() {}

  /** Loads the model and its tokenizer (the one given, else the checkpoint's). */
  static Models.Ready load(String model, Path tokenizer) throws IOException {
    return load(model, tokenizer, true);
  }

  /** Loads the model and, when {@code needTokenizer}, its tokenizer (or the one given). */
  static Models.Ready load(String model, Path tokenizer, boolean needTokenizer) throws IOException {
    return load(model, tokenizer, needTokenizer, DecodeMatrices.AUTO);
  }

  /** The same, with the model's decode matrices as given. */
  static Models.Ready load(String model, Path tokenizer, boolean needTokenizer, DecodeMatrices decode)
      throws IOException {
    return load(model, tokenizer, needTokenizer, decode, null);
  }

  /**
   * The same, every weight matrix quantized to {@code quantize} on load and kept only quantized
   * ({@link ModelWeights#quantized}) when it is not null.
   */
  static Models.Ready load(String model, Path tokenizer, boolean needTokenizer, DecodeMatrices decode,
      dev.llmkit.tensor.quant.QuantType quantize) throws IOException {
    if (quantize != null) {
      Models.Ready r = load(model, tokenizer, needTokenizer, DecodeMatrices.SHARED, null);
      ModelWeights q = r.model().weights().quantized(quantize);
      return new Models.Ready(new Transformer(q, decode), r.tokenizer());
    }
    if (model.startsWith("random:")) {
      if (!model.equals(RANDOM_GPT2_124M)) {
        throw new IllegalArgumentException(
            "unknown random model " + model + "; expected " + RANDOM_GPT2_124M);
      }
      Transformer t = new Transformer(randomGpt2(ModelConfig.gpt2(50257, 1024, 12, 12, 768), 1234), decode);
      Tokenizer tok = !needTokenizer ? null
          : tokenizer != null ? Tokenizers.load(tokenizer) : Tokenizers.encoding("r50k_base");
      return new Models.Ready(t, tok);
    }
    ModelFiles f = files(model, tokenizer);
    return Models.of(loadShowingProgress(f.model(), f.tokenizer()), decode);
  }

  /**
   * Random weights of the given shape, fast: uniform values with GPT-2's standard deviation (0.02)
   * from a xorshift generator, norm weights 1 and biases 0.
   */
  static ModelWeights randomGpt2(ModelConfig config, long seed) {
    ModelWeights w = ModelWeights.zeros(config);
    long s = seed * 0x9E3779B97F4A7C15L + 1;
    float scale = 0.02f * (float) Math.sqrt(3.0) / (1L << 31);
    for (Map.Entry<String, Tensor> e : w.named().entrySet()) {
      FloatBuffer b = e.getValue().buffer();
      int n = e.getValue().length();
      String name = e.getKey();
      if (name.endsWith("norm.weight")) {
        for (int i = 0; i < n; i++) {
          b.put(i, 1f);
        }
      } else if (!name.endsWith(".bias")) {
        for (int i = 0; i < n; i++) {
          s ^= s << 13;
          s ^= s >>> 7;
          s ^= s << 17;
          b.put(i, (int) (s >> 32) * scale);
        }
      }
    }
    return w;
  }

  /**
   * Loads a checkpoint behind an indeterminate progress bar on stderr (loading reports no partial
   * progress), which ends showing the parameter count; one plain line when stderr is no terminal.
   */
  private static LoadedModel loadShowingProgress(Path path, Path tokenizer) throws IOException {
    if (ProgressLines.plain()) {
      LoadedModel m = Checkpoints.load(path, tokenizer);
      System.err.printf("loading %s: %,d parameters%n", path.getFileName(),
          m.weights().parameterCount());
      return m;
    }
    ProgressBar bar = new ProgressBarBuilder()
        .setTaskName("loading " + path.getFileName())
        .setInitialMax(-1)
        .setStyle(ProgressBarStyle.ASCII)
        .setConsumer(new ConsoleProgressBarConsumer(System.err))
        .setUpdateIntervalMillis(200)
        .hideEta()
        .build();
    try {
      LoadedModel m = Checkpoints.load(path, tokenizer);
      long n = m.weights().parameterCount();
      bar.maxHint(n);
      bar.stepTo(n);
      bar.setExtraMessage(String.format(" %,d parameters", n));
      return m;
    } finally {
      bar.close();
    }
  }
}
