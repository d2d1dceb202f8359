package dev.llmkit.model.cost;

import dev.llmkit.model.io.gguf.GgmlType;
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
  F32(GgmlType.F32),
  F16(GgmlType.F16),
  BF16(GgmlType.BF16),
  Q8_0(GgmlType.Q8_0),
  Q4_0(GgmlType.Q4_0),
  Q4_K(GgmlType.Q4_K);

  private final GgmlType ggml;

  WeightFormat(GgmlType ggml) {
    this.ggml = ggml;
  }

  /** Weights per block (1 for float formats). */
  public int blockElements() {
    return ggml.blockSize();
  }

  /** Bytes per block. */
  public int blockBytes() {
    return ggml.blockBytes();
  }

  /** Whether this is a ggml block-quantized format. */
  public boolean quantized() {
    return ggml.blockSize() > 1;
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
      return t.elements() * ggml.blockBytes();
    }
    if (t.kind() == ParameterTensor.Kind.VECTOR) {
      return stored(t, GgmlType.F32);
    }
    // llama-quantize's choice, then its fallbacks for rows that are not whole blocks
    GgmlType[] choices = output && this != Q8_0
        ? new GgmlType[] {GgmlType.Q6_K, GgmlType.Q8_0, GgmlType.F16}
        : this == Q4_K
            ? new GgmlType[] {GgmlType.Q4_K, GgmlType.Q5_0, GgmlType.F16}
            : new GgmlType[] {ggml, GgmlType.F16};
    for (GgmlType type : choices) {
      if (t.rowLength() % type.blockSize() == 0) {
        return stored(t, type);
      }
    }
    throw new AssertionError("f16 stores any row");
  }

  private static long stored(ParameterTensor t, GgmlType type) {
    return t.rows() * (t.rowLength() / type.blockSize()) * type.blockBytes();
  }
}
