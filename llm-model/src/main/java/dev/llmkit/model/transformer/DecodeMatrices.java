package dev.llmkit.model.transformer;

import dev.llmkit.tensor.HeapMatrix;
import dev.llmkit.tensor.Simd;

/**
 * Where a {@link Transformer}'s one-token (decode) matrix-vector products read the weight matrices
 * from. Decoding reads every weight once per token, so this choice sets decoding speed: on the
 * development machine a GPT-2 124M-shaped model decoded about 15% faster from heap copies (see
 * {@link HeapMatrix} and benchmarks/README.md). Chunks of more than one token (prefill) always use
 * the weights in place, through BLAS sgemm.
 */
public enum DecodeMatrices {

  /**
   * Decode reads the weights where they are (off-heap or memory-mapped), through BLAS sgemv. No
   * extra memory.
   */
  SHARED,

  /**
   * Every matrix of a linear layer, and the output projection, is copied once into a Java array
   * ({@link HeapMatrix}) that decode reads with the Vector API kernel. Costs the matrices' bytes a
   * second time, on the Java heap (about 0.5 GB for GPT-2 124M in F32).
   */
  HEAP_COPY,

  /**
   * {@link #HEAP_COPY} when the Vector API kernels are on ({@link Simd#enabled()}) and the copies
   * take at most half of the Java heap still free when the model is built; otherwise
   * {@link #SHARED}. The model logs which it chose.
   */
  AUTO;

  /** AUTO resolved for copies of {@code bytes} bytes; the others as they are. */
  DecodeMatrices resolve(long bytes) {
    if (this != AUTO) {
      return this;
    }
    Runtime rt = Runtime.getRuntime();
    long free = rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
    return Simd.enabled() && bytes <= free / 2 ? HEAP_COPY : SHARED;
  }
}
