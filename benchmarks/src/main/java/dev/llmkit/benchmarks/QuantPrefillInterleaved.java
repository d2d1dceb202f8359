package dev.llmkit.benchmarks;

import dev.llmkit.tensor.Matmul;
import dev.llmkit.tensor.Tensor;
import dev.llmkit.tensor.quant.QuantType;
import dev.llmkit.tensor.quant.QuantizedMatrix;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The quantized prefill product against the F32 sgemm, interleaved in one JVM (F32, Q8_0, Q4_0, ...,
 * F32, Q8_0, ... best of 3 calls each per round), which survives a loaded machine better than
 * separate JMH forks: {@code y = x·Wᵀ + b}, x (T, K), on GPT-2 124M's four matrix shapes, W std 0.02.
 * Prints each contender's best time and its rate relative to F32.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp benchmarks/target/benchmarks.jar \
 *     dev.llmkit.benchmarks.QuantPrefillInterleaved [T=512] [types=Q8_0,Q4_0,Q4_K,Q5_K,Q6_K] [rounds=6]
 * </pre>
 *
 * <p>With {@code -Dllmkit.threads=1 -Dcpu=true} it times the calling thread's CPU time with OpenBLAS
 * kept to one thread: the per-core efficiency, least disturbed by other processes.
 */
public final class QuantPrefillInterleaved {

  private QuantPrefillInterleaved() {}

  public static void main(String[] args) {
    int t = args.length > 0 ? Integer.parseInt(args[0]) : 512;
    String[] types = (args.length > 1 ? args[1] : "Q8_0,Q4_0,Q4_K,Q5_K,Q6_K").split(",");
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 6;
    boolean cpu = Boolean.getBoolean("cpu");
    if (cpu) {
      org.nd4j.linalg.factory.Nd4j.getBackend();
      org.nd4j.linalg.factory.Nd4j.factory().blas().setMaxThreads(1);
    }
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    int[][] shapes = {{2304, 768}, {768, 768}, {3072, 768}, {768, 3072}};
    for (int[] shape : shapes) {
      int n = shape[0];
      int k = shape[1];
      Tensor w = Tensor.randn(1, 0.02f, n, k);
      Tensor x = Tensor.randn(2, 1f, t, k);
      Tensor b = Tensor.randn(3, 0.1f, n);
      Tensor y = Tensor.zeros(t, n);
      List<String> names = new ArrayList<>();
      List<Runnable> runs = new ArrayList<>();
      names.add("F32");
      runs.add(() -> Matmul.linear(x, w, b, y));
      for (String type : types) {
        QuantizedMatrix q = QuantizedMatrix.quantize(w, QuantType.valueOf(type));
        names.add(type);
        runs.add(() -> q.linear(x, b, y));
      }
      long[] best = new long[runs.size()];
      java.util.Arrays.fill(best, Long.MAX_VALUE);
      for (int r = 0; r < rounds; r++) {
        for (int i = 0; i < runs.size(); i++) {
          for (int rep = 0; rep < 3; rep++) {
            long s = cpu ? mx.getCurrentThreadCpuTime() : System.nanoTime();
            runs.get(i).run();
            best[i] = Math.min(best[i], (cpu ? mx.getCurrentThreadCpuTime() : System.nanoTime()) - s);
          }
        }
      }
      StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "W %dx%d, T %d:", n, k, t));
      for (int i = 0; i < runs.size(); i++) {
        sb.append(String.format(Locale.ROOT, " %s %.2f ms (%.2fx F32)", names.get(i), best[i] / 1e6,
            (double) best[0] / best[i]));
      }
      System.out.println(sb);
    }
  }
}
