package dev.llmkit.tensor;

/**
 * Which F32 {@link WeightMatrix} a model's one-token (decode) products read. Decoding reads every
 * weight once per token, so this choice sets decoding speed: on the development machine a GPT-2
 * 124M-shaped model decoded about 15% faster from heap copies (see {@link HeapMatrix} and
 * benchmarks/README.md). Chunks of more than one row always read the weights in place, through BLAS
 * sgemm.
 */
public enum DecodeMatrices {

  /** Decode reads the weights where they are ({@link F32Matrix}), through BLAS sgemv. No extra memory. */
  SHARED,

  /**
   * Every matrix is copied once into a Java array ({@link HeapMatrix}) that one-row products read
   * with the Vector API kernel. Costs the matrices' bytes a second time, on the Java heap (about
   * 0.5 GB for GPT-2 124M in F32); later changes of the tensors are not seen by one-row products.
   */
  HEAP_COPY,

  /**
   * {@link #HEAP_COPY} when the Vector API kernels are on ({@link Simd#enabled()}) and the copies
   * take at most half of the Java heap still free; otherwise {@link #SHARED}.
   */
  AUTO,

  /**
   * Every matrix quantized once to Q8_0 ({@link dev.llmkit.tensor.quant.QuantizedMatrix}), read
   * quantized by decode and prefill alike: about a quarter of the bytes per token. The F32 tensors
   * stay where they are (the model's weights keep them), so this saves no memory.
   */
  Q8_0,

  /** As {@link #Q8_0}, in Q4_0 blocks (about an eighth of the bytes, coarser). */
  Q4_0,

  /** As {@link #Q8_0}, in Q4_K super-blocks (matrices whose rows are whole 256-weight blocks). */
  Q4_K;

  /** The block type of the quantized modes, null for the F32 ones. */
  public dev.llmkit.tensor.quant.QuantType quantType() {
    return switch (this) {
      case Q8_0 -> dev.llmkit.tensor.quant.QuantType.Q8_0;
      case Q4_0 -> dev.llmkit.tensor.quant.QuantType.Q4_0;
      case Q4_K -> dev.llmkit.tensor.quant.QuantType.Q4_K;
      default -> null;
    };
  }

  /** AUTO resolved for copies of {@code bytes} bytes; the others as they are. */
  public DecodeMatrices resolve(long bytes) {
    if (this != AUTO) {
      return this;
    }
    Runtime rt = Runtime.getRuntime();
    long free = rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
    return Simd.enabled() && bytes <= free / 2 ? HEAP_COPY : SHARED;
  }

  /**
   * The weight matrix over {@code w: (rows, cols)} in this mode (resolve AUTO first); null when w is.
   *
   * @throws IllegalStateException when called on AUTO
   */
  public WeightMatrix matrix(Tensor w) {
    if (w == null) {
      return null;
    }
    return switch (this) {
      case SHARED -> F32Matrix.of(w);
      case HEAP_COPY -> HeapMatrix.copyOf(w);
      case Q8_0, Q4_0, Q4_K -> dev.llmkit.tensor.quant.QuantizedMatrix.quantize(w, quantType());
      case AUTO -> throw new IllegalStateException("DecodeMatrices.AUTO must be resolved first");
    };
  }
}
