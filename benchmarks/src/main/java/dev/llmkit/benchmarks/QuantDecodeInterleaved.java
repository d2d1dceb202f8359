package dev.llmkit.benchmarks;

import dev.llmkit.tensor.Tensor;
import dev.llmkit.tensor.quant.QuantType;
import dev.llmkit.tensor.quant.QuantizedMatrix;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The quantized decode product ({@code y = W·x}, one row of x) of several contenders interleaved in
 * one JVM (A, B, A, B, ..., best of 3 calls each per round), on GPT-2 124M's matrix shapes, W std
 * 0.02. A contender is a {@link QuantType} name, held as {@link QuantizedMatrix#of} holds it (Q6_K as
 * levels), or a name ending in {@code _BLOCKS}: the same type held as its GGUF blocks
 * ({@link QuantizedMatrix#ofBlocks}), the layout before levels. Prints each one's best time and
 * picoseconds per weight.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp benchmarks/target/benchmarks.jar \
 *     dev.llmkit.benchmarks.QuantDecodeInterleaved [contenders=Q6_K_BLOCKS,Q6_K] [rounds=20] [shapes=50257x768,768x3072]
 * </pre>
 *
 * <p>With {@code -Dllmkit.threads=1 -Dcpu=true} it times the calling thread's CPU time: the per-core
 * cost, least disturbed by other processes. Compare a few types at a time: C2 compiles the shared
 * kernel dispatch with every type that ran hot in the JVM, and with all five in one JVM it inlined
 * less and some kernels ran several times slower than they do in a real model's decode (which uses
 * two or three types).
 */
public final class QuantDecodeInterleaved {

  private QuantDecodeInterleaved() {}

  public static void main(String[] args) {
    String[] contenders = (args.length > 0 ? args[0] : "Q6_K_BLOCKS,Q6_K").split(",");
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 20;
    String[] shapes = (args.length > 2 ? args[2] : "50257x768,768x3072").split(",");
    boolean cpu = Boolean.getBoolean("cpu");
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    for (String shape : shapes) {
      String[] p = shape.split("x");
      int n = Integer.parseInt(p[0]);
      int k = Integer.parseInt(p[1]);
      Tensor w = Tensor.randn(1, 0.02f, n, k);
      Tensor x = Tensor.randn(2, 1f, 1, k);
      Tensor y = Tensor.zeros(1, n);
      List<Runnable> runs = new ArrayList<>();
      for (String c : contenders) {
        boolean blocks = c.endsWith("_BLOCKS");
        QuantType t = QuantType.valueOf(blocks ? c.substring(0, c.length() - "_BLOCKS".length()) : c);
        QuantizedMatrix q = QuantizedMatrix.quantize(w, t);
        if (blocks) {
          java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
          try {
            q.writeTo(bytes);
          } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
          q = QuantizedMatrix.ofBlocks(t, n, k, bytes.toByteArray());
        }
        QuantizedMatrix m = q;
        runs.add(() -> m.linear(x, null, y));
      }
      long[] best = new long[runs.size()];
      java.util.Arrays.fill(best, Long.MAX_VALUE);
      for (int r = 0; r < rounds; r++) {
        for (int i = 0; i < runs.size(); i++) {
          long t0 = cpu ? mx.getCurrentThreadCpuTime() : System.nanoTime();
          for (int rep = 0; rep < 3; rep++) {
            runs.get(i).run();
          }
          long t1 = cpu ? mx.getCurrentThreadCpuTime() : System.nanoTime();
          best[i] = Math.min(best[i], (t1 - t0) / 3);
        }
      }
      for (int i = 0; i < runs.size(); i++) {
        System.out.printf(Locale.ROOT, "%s %s: %.1f us, %.1f ps/weight%n", shape, contenders[i],
            best[i] / 1e3, best[i] * 1e3 / ((double) n * k));
      }
    }
  }
}
