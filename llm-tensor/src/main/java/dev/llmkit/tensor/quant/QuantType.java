package dev.llmkit.tensor.quant;

/**
 * The GGUF / ggml block-quantized weight types llmkit keeps quantized in memory, with their ggml type
 * ids, block sizes and bytes per block (llama.cpp's {@code ggml-common.h}).
 *
 * <ul>
 *   <li>{@code Q8_0}: 32 weights, one f16 scale d and 32 int8 q; w = d·q.
 *   <li>{@code Q4_0}: 32 weights, one f16 scale d and 32 4-bit q (weight j in the low nibble of byte
 *       j, weight j+16 in the high one); w = d·(q − 8).
 *   <li>{@code Q4_K}: 256 weights in 8 sub-blocks of 32, f16 d and dmin, 6-bit sub-block scales and
 *       mins packed in 12 bytes, 4-bit q; w = d·sc·q − dmin·m.
 *   <li>{@code Q5_K}: as Q4_K with a fifth bit per weight (what GPT-2's fused qkv gets in Q4_K_M).
 *   <li>{@code Q6_K}: 256 weights in 16 sub-blocks of 16, int8 sub-block scales, f16 d, 6-bit q;
 *       w = d·sc·(q − 32).
 * </ul>
 */
public enum QuantType {
  Q8_0(8, 32, 34, new Q8_0()),
  Q4_0(2, 32, 18, new Q4_0()),
  Q4_K(12, 256, 144, new Q4K()),
  Q5_K(13, 256, 176, new Q5K()),
  Q6_K(14, 256, 210, new Q6K());

  private final int ggmlId;
  private final int blockSize;
  private final int typeSize;
  final BlockCodec codec;

  QuantType(int ggmlId, int blockSize, int typeSize, BlockCodec codec) {
    this.ggmlId = ggmlId;
    this.blockSize = blockSize;
    this.typeSize = typeSize;
    this.codec = codec;
  }

  /** The type's id in GGUF tensor infos ({@code enum ggml_type}). */
  public int ggmlId() {
    return ggmlId;
  }

  /** Weights per block. */
  public int blockSize() {
    return blockSize;
  }

  /** Bytes per block. */
  public int typeSize() {
    return typeSize;
  }

  /**
   * Bytes of a {@code (rows, cols)} matrix in this type.
   *
   * @throws IllegalArgumentException when cols is not a multiple of the block size
   */
  public long bytes(long rows, long cols) {
    if (cols % blockSize != 0 || rows < 0 || cols < 0) {
      throw new IllegalArgumentException(
          name() + ": a row of " + cols + " weights is not a whole number of " + blockSize + "-weight blocks");
    }
    return rows * (cols / blockSize) * typeSize;
  }

  /** The type with ggml id {@code id}, or null when llmkit does not keep it quantized. */
  public static QuantType byGgmlId(int id) {
    for (QuantType t : values()) {
      if (t.ggmlId == id) {
        return t;
      }
    }
    return null;
  }

  /**
   * Dequantizes {@code n} weights (a multiple of the block size) starting at byte {@code off} of
   * {@code src} into {@code dst[dOff ..)}, as llama.cpp's {@code dequantize_row_*} (bit-exact).
   */
  public void dequantize(byte[] src, int off, float[] dst, int dOff, int n) {
    checkWhole(n);
    for (int b = 0; b < n / blockSize; b++) {
      codec.dequantize(src, off + b * typeSize, dst, dOff + b * blockSize);
    }
  }

  /**
   * Quantizes {@code n} weights (a multiple of the block size) of {@code src[sOff ..)} into
   * {@code dst} from byte {@code off}, byte for byte as llama.cpp's {@code quantize_row_*_ref}
   * (what {@code llama-quantize} uses without an importance matrix).
   */
  public void quantize(float[] src, int sOff, byte[] dst, int off, int n) {
    checkWhole(n);
    for (int b = 0; b < n / blockSize; b++) {
      codec.quantize(src, sOff + b * blockSize, dst, off + b * typeSize);
    }
  }

  private void checkWhole(int n) {
    if (n % blockSize != 0) {
      throw new IllegalArgumentException(
          name() + ": " + n + " weights are not a whole number of " + blockSize + "-weight blocks");
    }
  }
}
