package dev.llmkit.benchmarks;

import dev.llmkit.tensor.kernel.Parallel;
import java.util.function.Supplier;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Runs an ND4J baseline with OpenBLAS's own threads. llmkit sets OpenBLAS single-threaded (it
 * splits each product over its own team), which would handicap ND4J's calls in the same JVM.
 */
final class Nd4jBaseline {

  private Nd4jBaseline() {}

  static <T> T withBlasThreads(Supplier<T> call) {
    Nd4j.factory().blas().setMaxThreads(Parallel.threads());
    try {
      return call.get();
    } finally {
      Nd4j.factory().blas().setMaxThreads(1);
    }
  }
}
