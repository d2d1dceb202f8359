package dev.llmkit.tensor;

import dev.llmkit.tensor.kernel.Parallel;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas_nolapack;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Direct calls into the OpenBLAS that ND4J itself uses (the {@code openblas_nolapack} preset), on
 * raw addresses of {@link Tensor} memory. Skipping ND4J's op machinery saves its fixed per-call
 * cost and lets a call address a strided sub-matrix (one attention head inside interleaved rows)
 * through the leading dimension. Package-private: only kernels use it.
 *
 * <p>OpenBLAS runs single-threaded and each product is split over {@link Parallel}'s team instead
 * (rows or columns of the output, a fixed split, so results stay reproducible). With OpenBLAS's own
 * threads, its idle worker spins (about 0.1 s) after every call and takes a core from the Java
 * kernels that run between BLAS calls: measured on the development machine, a GPT-2 decode step's
 * attention ran 3× slower and the char-level training step 8% slower than with that spin off.
 * Side effect: ND4J's own BLAS calls in the same JVM run single-threaded too, unless the system
 * property {@code llmkit.splitBlas} is {@code false} (see {@link #SPLIT}).
 */
final class Blas {

  static final int ROW_MAJOR = openblas_nolapack.CblasRowMajor;
  static final int NO_TRANS = openblas_nolapack.CblasNoTrans;
  static final int TRANS = openblas_nolapack.CblasTrans;

  /** Products below this many multiply-adds run whole on the calling thread. */
  static final long MIN_PARALLEL_MADDS = 1L << 18;

  /**
   * Whether products are split over {@link Parallel}'s team with OpenBLAS single-threaded (the
   * default), or left whole to OpenBLAS's own threads (system property {@code llmkit.splitBlas=false},
   * for applications that need ND4J's multithreaded OpenBLAS for their own work).
   */
  static final boolean SPLIT =
      Parallel.threads() > 1 && Boolean.parseBoolean(System.getProperty("llmkit.splitBlas", "true"));

  static {
    // Make sure ND4J's backend (which loads and configures OpenBLAS, thread count included) is up,
    // then make OpenBLAS single-threaded: the kernels split each product over Parallel's team. With
    // one kernel thread (llmkit.threads=1) OpenBLAS must stay on one thread too: otherwise each
    // caller's products fan out to OpenBLAS's own threads (one per core) and, with several callers
    // in one JVM (data-parallel replicas as Spark tasks), those calls oversubscribe the cores and
    // queue on OpenBLAS's lock: two replicas of the char-level model ran at 0.4x of one.
    Nd4j.getBackend();
    if (Boolean.parseBoolean(System.getProperty("llmkit.splitBlas", "true"))) {
      Nd4j.factory().blas().setMaxThreads(1);
    }
  }

  private Blas() {}

  /** A pointer object at a raw address: no allocation, no JNI call. */
  private static final class Address extends FloatPointer {
    Address(long address) {
      super();
      this.address = address;
      this.limit = Long.MAX_VALUE / 8;
      this.capacity = this.limit;
    }
  }

  static FloatPointer at(long address) {
    return new Address(address);
  }

  /**
   * Row-major {@code C = alpha * op(A) * op(B) + beta * C} with {@code op(A): (m, k)},
   * {@code op(B): (k, n)}, {@code C: (m, n)}; addresses are of the first elements.
   */
  static void sgemm(
      boolean transA, boolean transB, int m, int n, int k, float alpha,
      long a, int lda, long b, int ldb, float beta, long c, int ldc) {
    int ta = transA ? TRANS : NO_TRANS;
    int tb = transB ? TRANS : NO_TRANS;
    if (!SPLIT || (long) m * n * k < MIN_PARALLEL_MADDS) {
      openblas_nolapack.cblas_sgemm(ROW_MAJOR, ta, tb, m, n, k, alpha, at(a), lda, at(b), ldb, beta, at(c), ldc);
    } else if (m >= n) {
      // rows m0..m1 of C = rows of op(A): A's rows, or A's columns when transposed
      Parallel.forRange(m, (long) n * k, (m0, m1) -> openblas_nolapack.cblas_sgemm(
          ROW_MAJOR, ta, tb, m1 - m0, n, k, alpha, at(a + 4L * m0 * (transA ? 1 : lda)), lda,
          at(b), ldb, beta, at(c + 4L * m0 * ldc), ldc));
    } else {
      // columns n0..n1 of C = columns of op(B): B's columns, or B's rows when transposed
      Parallel.forRange(n, (long) m * k, (n0, n1) -> openblas_nolapack.cblas_sgemm(
          ROW_MAJOR, ta, tb, m, n1 - n0, k, alpha, at(a), lda,
          at(b + 4L * n0 * (transB ? ldb : 1)), ldb, beta, at(c + 4L * n0), ldc));
    }
  }

  /** As {@link #sgemm}, whole on the calling thread: for callers that split the work themselves. */
  static void sgemmSerial(
      boolean transA, boolean transB, int m, int n, int k, float alpha,
      long a, int lda, long b, int ldb, float beta, long c, int ldc) {
    openblas_nolapack.cblas_sgemm(ROW_MAJOR, transA ? TRANS : NO_TRANS, transB ? TRANS : NO_TRANS,
        m, n, k, alpha, at(a), lda, at(b), ldb, beta, at(c), ldc);
  }

  /** Row-major {@code y = alpha * A * x + beta * y} with {@code A: (m, n)} (lda = row stride). */
  static void sgemv(int m, int n, float alpha, long a, int lda, long x, float beta, long y) {
    if (!SPLIT) {
      openblas_nolapack.cblas_sgemv(ROW_MAJOR, NO_TRANS, m, n, alpha, at(a), lda, at(x), 1, beta, at(y), 1);
      return;
    }
    // rows r0..r1 of A give y[r0..r1), in blocks claimed by the threads as they go
    Parallel.forBlocks(m, n, 4, (r0, r1) -> openblas_nolapack.cblas_sgemv(
        ROW_MAJOR, NO_TRANS, r1 - r0, n, alpha, at(a + 4L * r0 * lda), lda, at(x), 1, beta, at(y + 4L * r0), 1));
  }

  /** Row-major {@code y = alpha * Aᵀ * x + beta * y} with {@code A: (m, n)}, {@code x: (m)}, {@code y: (n)}. */
  static void sgemvTrans(int m, int n, float alpha, long a, int lda, long x, float beta, long y) {
    if (!SPLIT) {
      openblas_nolapack.cblas_sgemv(ROW_MAJOR, TRANS, m, n, alpha, at(a), lda, at(x), 1, beta, at(y), 1);
      return;
    }
    // columns c0..c1 of A give y[c0..c1), in blocks claimed by the threads as they go
    Parallel.forBlocks(n, m, 16, (c0, c1) -> openblas_nolapack.cblas_sgemv(
        ROW_MAJOR, TRANS, m, c1 - c0, alpha, at(a + 4L * c0), lda, at(x), 1, beta, at(y + 4L * c0), 1));
  }
}
