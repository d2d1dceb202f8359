package dev.llmkit.tensor.quant;

/**
 * One GGUF block type's encoding: a block of {@link QuantType#blockSize()} weights in
 * {@link QuantType#typeSize()} bytes, laid out bit for bit as llama.cpp's {@code ggml-common.h}.
 */
interface BlockCodec {

  /** {@code dst[dOff .. dOff+blockSize)} = the weights of the block at {@code src[off]}. */
  void dequantize(byte[] src, int off, float[] dst, int dOff);

  /**
   * Writes {@code src[sOff .. sOff+blockSize)} as one block at {@code dst[off]}, rounding as
   * llama.cpp's reference quantizer {@code quantize_row_*_ref} does.
   */
  void quantize(float[] src, int sOff, byte[] dst, int off);
}
