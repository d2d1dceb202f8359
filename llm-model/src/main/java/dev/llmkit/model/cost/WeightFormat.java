package dev.llmkit.model.cost;

import java.util.Locale;

/**
 * A storage format of weights, with its real block size: ggml's quantized formats store
 * {@code blockElements} weights in {@code blockBytes} bytes (scales included).
 *
 * <p>Float formats ({@code f32}, {@code f16}, {@code bf16}) store every tensor at that width, as a
 * safetensors checkpoint does. Quantized formats follow llama.cpp's {@code llama-quantize}: vectors
 * (norms, biases) stay f32; the output matrix (the token table when tied) is Q6_K in the 4-bit
 * formats and Q8_0 in {@code q8_0}; a matrix whose row length is not a multiple of the block falls
 * back (Q4_K to Q5_0, Q6_K to Q8_0, then f16). The 4-bit mixtures llama.cpp names {@code Q4_K_M}
 * and {@code Q4_K_S} also raise some v/down matrices to 5 or 6 bits; {@code q4_k} here does not.
 */
public enum WeightFormat {
  F32(1, 4),
  F16(1, 2),
  BF16(1, 2),
  Q8_0(32, 34),
  Q4_0(32, 18),
  Q4_K(256, 144);

  private static final int Q6_K_ELEMENTS = 256;
  private static final int Q6_K_BYTES = 210;
  private static final int Q5_0_ELEMENTS = 32;
  private static final int Q5_0_BYTES = 22;

  private final int blockElements;
  private final int blockBytes;

  WeightFormat(int blockElements, int blockBytes) {
    this.blockElements = blockElements;
    this.blockBytes = blockBytes;
  }

  /** Weights per block (1 for float formats). */
  public int blockElements() {
    return blockElements;
  }

  /** Bytes per block. */
  public int blockBytes() {
    return blockBytes;
  }

  /** Whether this is a ggml block-quantized format. */
  public boolean quantized() {
    return blockElements > 1;
  }

  /** The name the command line uses: {@code f32}, {@code q4_k}, ... */
  public String cliName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * The format named {@code name} ({@code f32|f16|bf16|q8_0|q4_0|q4_k}, any case).
   *
   * @throws IllegalArgumentException naming the value and the known formats
   */
  public static WeightFormat parse(String name) {
    for (WeightFormat f : values()) {
      if (f.cliName().equalsIgnoreCase(name)) {
        return f;
      }
    }
    throw new IllegalArgumentException("unknown dtype \"" + name
        + "\"; expected one of f32, f16, bf16, q8_0, q4_0, q4_k");
  }

  /**
   * Bytes of tensor {@code t} stored in this format.
   *
   * @param output whether {@code t} is the output projection (lm_head, or the tied token table)
   */
  public long bytes(ParameterTensor t, boolean output) {
    if (!quantized()) {
      return t.elements() * blockBytes;
    }
    if (t.kind() == ParameterTensor.Kind.VECTOR) {
      return t.elements() * 4;
    }
    long n = t.rowLength();
    if (output && this != Q8_0) {
      if (n % Q6_K_ELEMENTS == 0) {
        return t.rows() * (n / Q6_K_ELEMENTS) * Q6_K_BYTES;
      }
      return Q8_0.bytes(t, false);
    }
    if (n % blockElements == 0) {
      return t.rows() * (n / blockElements) * blockBytes;
    }
    if (this == Q4_K && n % Q5_0_ELEMENTS == 0) {
      return t.rows() * (n / Q5_0_ELEMENTS) * Q5_0_BYTES;
    }
    return t.elements() * 2;
  }
}
