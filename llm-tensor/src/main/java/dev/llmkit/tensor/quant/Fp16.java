package dev.llmkit.tensor.quant;

/**
 * IEEE 754 half precision (binary16), the scale format of every GGUF block: conversion both ways,
 * rounding to nearest even as x86's {@code vcvtps2ph} (what ggml's {@code GGML_FP32_TO_FP16} compiles
 * to) does, subnormals included. Java 17 has no {@code Float.floatToFloat16}.
 */
final class Fp16 {

  /** Every half's float, indexed by its 16 bits: one load instead of the branches of {@link #toFloat}. */
  private static final float[] TABLE = new float[65536];

  static {
    for (int h = 0; h < TABLE.length; h++) {
      TABLE[h] = toFloat(h);
    }
  }

  private Fp16() {}

  /** The float that the 16 bits {@code h} (low half of the int) encode; exact. */
  static float toFloat(int h) {
    int sign = (h & 0x8000) << 16;
    int exp = (h >>> 10) & 0x1f;
    int mant = h & 0x3ff;
    if (exp == 0) {
      // zero or subnormal: mant · 2^-24, exact in float
      float v = mant * 0x1p-24f;
      return sign != 0 ? -v : v;
    }
    if (exp == 0x1f) {
      return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
    }
    return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
  }

  /** The half-precision bits nearest to {@code f} (ties to even), in the low 16 bits. */
  static short fromFloat(float f) {
    int bits = Float.floatToRawIntBits(f);
    int sign = (bits >>> 16) & 0x8000;
    int abs = bits & 0x7fffffff;
    if (abs >= 0x7f800000) { // Inf or NaN (NaN keeps a quiet payload bit)
      return (short) (sign | 0x7c00 | (abs > 0x7f800000 ? 0x200 | ((abs >>> 13) & 0x3ff) : 0));
    }
    if (abs >= 0x477ff000) { // 65520 and above round to infinity
      return (short) (sign | 0x7c00);
    }
    if (abs < 0x38800000) { // below 2^-14: subnormal; x·2^24 is exact, rint rounds ties to even
      int m = (int) Math.rint(Float.intBitsToFloat(abs) * 0x1p24f);
      return (short) (sign | m);
    }
    int h = ((abs >>> 23) - 112) << 10 | ((abs >>> 13) & 0x3ff);
    int rest = abs & 0x1fff;
    if (rest > 0x1000 || (rest == 0x1000 && (h & 1) == 1)) {
      h++; // a carry into the exponent is the correct rounding up
    }
    return (short) (sign | h);
  }

  /** The float that the 16 bits {@code h} (low half of the int) encode, from the table; exact. */
  static float fromTable(int h) {
    return TABLE[h & 0xffff];
  }

  /** Reads the little-endian half at {@code b[off]} as a float. */
  static float read(byte[] b, int off) {
    return TABLE[(b[off] & 0xff) | (b[off + 1] & 0xff) << 8];
  }

  /** Writes {@code f} rounded to half precision at {@code b[off]}, little-endian; returns the rounded value. */
  static float write(byte[] b, int off, float f) {
    short h = fromFloat(f);
    b[off] = (byte) h;
    b[off + 1] = (byte) (h >> 8);
    return toFloat(h & 0xffff);
  }
}
