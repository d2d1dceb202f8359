package dev.llmkit.examples.cli;

import dev.llmkit.model.InferenceSession;
import dev.llmkit.model.Models;
import dev.llmkit.model.SessionOptions;
import dev.llmkit.model.cost.ArchitectureShape;
import dev.llmkit.model.cost.CostModel;
import dev.llmkit.model.cost.MachineProbe;
import dev.llmkit.tensor.DecodeMatrices;
import dev.llmkit.model.nn.Transformer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code llm bench}: end-to-end batch-1 inference throughput of a model: the prefill of a prompt of
 * random ids in one forward pass, then greedy decoding one token at a time.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    header = "Measure a model's prefill and decode speed in tokens per second.",
    description = {
      "Measure batch-1 inference speed: prefill of a random prompt, then greedy decoding.",
      "Prints weights TYPE, weight_bytes_per_token N, prefill_tok_per_s X and decode_tok_per_s Y on"
          + " stdout (best of --repeats runs, after a"
          + " warm-up run; each run starts after a GC); details on stderr.",
      "Then decode_bytes_per_token, memory_bandwidth (a short matvec probe) and bandwidth_fraction"
          + " (bytes per token x decode tok/s / memory_bandwidth).",
      "--model random:gpt2-124m benchmarks a GPT-2 124M-shaped model with random weights, no files needed."
    })
public final class BenchCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = "--model", required = true,
      paramLabel = "MODEL",
      description = "Hugging Face folder, llama2.c .bin, GGUF file, bundled:stories260K or random:gpt2-124m.")
  String model;

  @Option(names = "--tokenizer", description = "Tokenizer file (not needed: the prompt is random ids).")
  Path tokenizer;

  @Option(names = "--prompt-len", defaultValue = "512", description = "Prompt tokens (default: ${DEFAULT-VALUE}).")
  int promptLen;

  @Option(names = "--new", defaultValue = "128", description = "Tokens to decode (default: ${DEFAULT-VALUE}).")
  int newTokens;

  @Option(names = "--repeats", defaultValue = "3", description = "Measured runs (default: ${DEFAULT-VALUE}).")
  int repeats;

  @Option(names = "--seed", defaultValue = "1", description = "Seed of the random prompt (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--decode-matrices", defaultValue = "AUTO",
      description = "Where decoding reads the weight matrices (Q8_0, Q4_0, Q4_K: quantized on load): ${COMPLETION-CANDIDATES}"
          + " (default: ${DEFAULT-VALUE}: heap copies when the Vector API is on and the heap has room).")
  DecodeMatrices decodeMatrices;

  @Option(names = "--batch", defaultValue = "1",
      description = "Decode N sequences together, one batched step per token; decode_tok_per_s then"
          + " counts the tokens of all N (default: ${DEFAULT-VALUE}).")
  int batch;

  @picocli.CommandLine.Mixin QuantizeOnLoad quantize;

  @Override
  public Integer call() throws Exception {
    PrintWriter err = spec.commandLine().getErr();
    PrintWriter out = spec.commandLine().getOut();
    long t0 = System.nanoTime();
    Models.Ready loaded = ModelSource.load(model, tokenizer, false, decodeMatrices, quantize.type());
    Transformer m = loaded.model();
    int ctx = m.contextLength();
    if (promptLen < 1 || newTokens < 1 || repeats < 1) {
      throw new IllegalArgumentException("--prompt-len, --new and --repeats must be >= 1");
    }
    if (promptLen + newTokens > ctx) {
      throw new IllegalArgumentException(
          "--prompt-len " + promptLen + " + --new " + newTokens + " exceeds the context length " + ctx);
    }
    err.printf("model %s: %d layers, dim %d, vocab %d, %.1fM parameters, loaded in %.1f s;"
            + " decode matrices %s%n",
        model, m.config().nLayers(), m.config().dim(), m.vocabSize(),
        m.weights().parameterCount() / 1e6, (System.nanoTime() - t0) / 1e9, m.decodeMatrices());
    if (batch != 1) {
      if (batch < 1) {
        throw new IllegalArgumentException("--batch must be >= 1, got " + batch);
      }
      BatchBench.run(m, batch, promptLen, newTokens, repeats, seed, out, err);
      return 0;
    }
    int[] prompt = new SplittableRandom(seed).ints(promptLen, 0, m.vocabSize()).toArray();
    // warm-up: a whole run, so the JIT has compiled both paths at every cache length measured
    run(m, prompt, newTokens, new long[newTokens]);
    double bestPrefill = 0;
    double bestDecode = 0;
    long[] tokenNanos = new long[newTokens];
    for (int r = 0; r < repeats; r++) {
      // each run starts from a clean heap, like a fresh request: the previous runs' garbage (their
      // KV caches, and boxed vectors of JDK 17's 512-bit prefill kernels) is not collected inside this one
      System.gc();
      double[] tps = run(m, prompt, newTokens, tokenNanos);
      long[] sorted = tokenNanos.clone();
      java.util.Arrays.sort(sorted);
      err.printf("run %d: prefill %.1f tok/s, decode %.1f tok/s (per token: fastest %.2f ms,"
              + " median %.2f ms, p90 %.2f ms, slowest %.2f ms)%n",
          r + 1, tps[0], tps[1], sorted[0] / 1e6, sorted[sorted.length / 2] / 1e6,
          sorted[sorted.length * 9 / 10] / 1e6, sorted[sorted.length - 1] / 1e6);
      bestPrefill = Math.max(bestPrefill, tps[0]);
      bestDecode = Math.max(bestDecode, tps[1]);
    }
    DecodeMatrices mode = m.decodeMatrices();
    out.printf("weights %s%n", weightsLabel(m.weights(), mode.quantType()));
    long weightBytes = weightBytes(m.weights(), mode.quantType());
    out.printf("weight_bytes_per_token %d%n", weightBytes);
    out.printf("prefill_tok_per_s %.1f%n", bestPrefill);
    out.printf("decode_tok_per_s %.1f%n", bestDecode);
    printBandwidthFraction(out, m, weightBytes, promptLen, newTokens, bestDecode);
    out.flush();
    return 0;
  }

  /**
   * Prints {@code decode_bytes_per_token} (the bytes the weight matrices' products read, {@code
   * weightBytes}: F32, or the blocks as held in memory for quantized ones, plus the f32 KV cache at
   * its mean length over the decode), {@code memory_bandwidth} (a short matvec probe) and {@code
   * bandwidth_fraction}, their product with tokens/s over the bandwidth.
   */
  static void printBandwidthFraction(PrintWriter out, Transformer m, long weightBytes, int promptLen,
      int newTokens, double decodeTokPerS) {
    CostModel cost = CostModel.of(ArchitectureShape.of(m.config()));
    double bytesPerToken = weightBytes
        + cost.kvCacheBytesPerToken(4) * (promptLen + (newTokens - 1) / 2.0);
    double bandwidth = MachineProbe.memoryBandwidth();
    out.printf(Locale.ROOT, "decode_bytes_per_token %.0f%n", bytesPerToken);
    out.printf(Locale.ROOT, "memory_bandwidth %.4e%n", bandwidth);
    out.printf(Locale.ROOT, "bandwidth_fraction %.4f%n", bytesPerToken * decodeTokPerS / bandwidth);
  }

  /**
   * One prefill and n greedy decode steps; returns {prefill tok/s, decode tok/s} and fills
   * tokenNanos[0..n) with each step's time.
   */
  static double[] run(Transformer m, int[] prompt, int n, long[] tokenNanos) {
    // the cache sized for prompt + n up front, as Generator does: no regrowth mid-run
    try (InferenceSession s = m.newSession(new SessionOptions(false, 0, prompt.length + n))) {
      long a = System.nanoTime();
      float[] logits = s.forward(prompt);
      long b = System.nanoTime();
      int[] next = new int[1];
      long t = b;
      for (int i = 0; i < n; i++) {
        next[0] = argmax(logits);
        logits = s.forward(next, 0, 1);
        long now = System.nanoTime();
        tokenNanos[i] = now - t;
        t = now;
      }
      long c = t;
      return new double[] {prompt.length * 1e9 / (b - a), n * 1e9 / (c - b)};
    }
  }

  /** Bytes of the weight matrices one token's products read: F32, or {@code type}'s blocks. */
  static long weightBytes(dev.llmkit.model.weights.ModelWeights w, dev.llmkit.tensor.quant.QuantType type) {
    java.util.List<dev.llmkit.tensor.Tensor> ms = new java.util.ArrayList<>();
    ms.add(w.lmHead());
    for (int l = 0; l < w.config().nLayers(); l++) {
      dev.llmkit.model.weights.LayerWeights lw = w.layer(l);
      ms.addAll(java.util.Arrays.asList(lw.wq(), lw.wk(), lw.wv(), lw.wo(), lw.w1(), lw.w3(), lw.w2()));
    }
    long bytes = 0;
    for (dev.llmkit.tensor.Tensor t : ms) {
      if (t != null) {
        bytes += type == null ? 4L * t.length() : type.bytes(t.dim(0), t.dim(1));
      }
    }
    // matrices stored quantized (a quantized GGUF, --quantize): their blocks; the token table only
    // when it is also the output projection (a lookup reads one row)
    for (java.util.Map.Entry<String, dev.llmkit.tensor.WeightMatrix> e : w.storedMatrices().entrySet()) {
      if (!e.getKey().equals("tok_embeddings.weight") || w.lmHead() == null
          && w.stored("lm_head.weight") == null) {
        bytes += e.getValue().bytes();
      }
    }
    return bytes;
  }

  /** F32, the decode mode's type, or the stored matrices' types joined with '+' (e.g. Q4_K+Q6_K). */
  static String weightsLabel(dev.llmkit.model.weights.ModelWeights w, dev.llmkit.tensor.quant.QuantType type) {
    java.util.TreeSet<String> types = new java.util.TreeSet<>();
    for (dev.llmkit.tensor.WeightMatrix m : w.storedMatrices().values()) {
      types.add(m instanceof dev.llmkit.tensor.quant.QuantizedMatrix q ? q.type().name() : "stored");
    }
    if (types.isEmpty()) {
      return type != null ? type.name() : "F32";
    }
    return String.join("+", types);
  }

  static int argmax(float[] v) {
    int best = 0;
    for (int i = 1; i < v.length; i++) {
      if (v[i] > v[best]) {
        best = i;
      }
    }
    return best;
  }
}
