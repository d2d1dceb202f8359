package dev.llmkit.tensor;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas_nolapack;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Direct calls into the OpenBLAS that ND4J itself uses (the {@code openblas_nolapack} preset), on
 * raw addresses of {@link Tensor} memory. Skipping ND4J's op machinery saves its fixed per-call
 * cost and lets a call address a strided sub-matrix (one attention head inside interleaved rows)
 * through the leading dimension. Package-private: only kernels use it.
 */
final class Blas {

  static final int ROW_MAJOR = openblas_nolapack.CblasRowMajor;
  static final int NO_TRANS = openblas_nolapack.CblasNoTrans;
  static final int TRANS = openblas_nolapack.CblasTrans;

  static {
    // Make sure ND4J's backend (which loads and configures OpenBLAS, thread count included) is up.
    Nd4j.getBackend();
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
    Parallel.releaseCores();
    openblas_nolapack.cblas_sgemm(
        ROW_MAJOR, transA ? TRANS : NO_TRANS, transB ? TRANS : NO_TRANS, m, n, k,
        alpha, at(a), lda, at(b), ldb, beta, at(c), ldc);
  }

  /** Row-major {@code y = alpha * A * x + beta * y} with {@code A: (m, n)} (lda = row stride). */
  static void sgemv(int m, int n, float alpha, long a, int lda, long x, float beta, long y) {
    Parallel.releaseCores();
    openblas_nolapack.cblas_sgemv(ROW_MAJOR, NO_TRANS, m, n, alpha, at(a), lda, at(x), 1, beta, at(y), 1);
  }

  /** Row-major {@code y = alpha * Aᵀ * x + beta * y} with {@code A: (m, n)}, {@code x: (m)}, {@code y: (n)}. */
  static void sgemvTrans(int m, int n, float alpha, long a, int lda, long x, float beta, long y) {
    Parallel.releaseCores();
    openblas_nolapack.cblas_sgemv(ROW_MAJOR, TRANS, m, n, alpha, at(a), lda, at(x), 1, beta, at(y), 1);
  }
}
