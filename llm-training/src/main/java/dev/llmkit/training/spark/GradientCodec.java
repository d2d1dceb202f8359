package dev.llmkit.training.spark;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;

/**
 * Encodes a bucket of gradient values (and the sender's loss) as a String, the only message type of
 * Spark's {@code BarrierTaskContext.allGather}: Base64 of little-endian bytes, a float32 loss first,
 * then the values in float32 or bfloat16. Base64 makes 4 characters of 3 bytes; Java stores such
 * ASCII Strings one byte per character.
 */
final class GradientCodec {

  private static final Base64.Encoder ENCODER = Base64.getEncoder();
  private static final Base64.Decoder DECODER = Base64.getDecoder();
  private static final int HEADER = 4;

  private final GradientPrecision precision;

  GradientCodec(GradientPrecision precision) {
    this.precision = precision;
  }

  /** Characters of the message for {@code n} values. */
  int messageLength(int n) {
    return 4 * ((HEADER + n * precision.bytesPerValue() + 2) / 3);
  }

  /** The message of {@code values[off, off + n)} with {@code loss} in front. */
  String encode(float loss, float[] values, int off, int n) {
    int size = HEADER + n * precision.bytesPerValue();
    byte[] raw = new byte[size];
    ByteBuffer bb = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
    bb.putFloat(loss);
    if (precision == GradientPrecision.FLOAT32) {
      for (int i = 0; i < n; i++) {
        bb.putFloat(values[off + i]);
      }
    } else {
      for (int i = 0; i < n; i++) {
        bb.putShort(toBf16(values[off + i]));
      }
    }
    return ENCODER.encodeToString(raw);
  }

  /**
   * Adds the {@code n} values of {@code message} to {@code sum[off, off + n)} and returns the loss
   * it carries.
   *
   * @throws IllegalStateException when the message does not hold {@code n} values
   */
  float decodeAdd(String message, int rank, float[] sum, int off, int n, boolean first) {
    byte[] bytes = DECODER.decode(message);
    int expected = HEADER + n * precision.bytesPerValue();
    if (bytes.length != expected) {
      throw new IllegalStateException("gradient message of rank " + rank + " has " + bytes.length
          + " bytes, expected " + expected + " (" + n + " values in " + precision
          + "): the replicas do not hold the same model");
    }
    ByteBuffer bb = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    float loss = bb.getFloat();
    if (precision == GradientPrecision.FLOAT32) {
      for (int i = 0; i < n; i++) {
        float v = bb.getFloat();
        sum[off + i] = first ? v : sum[off + i] + v;
      }
    } else {
      for (int i = 0; i < n; i++) {
        float v = fromBf16(bb.getShort());
        sum[off + i] = first ? v : sum[off + i] + v;
      }
    }
    return loss;
  }

  /** float32 to bfloat16, rounding to nearest even (NaN stays NaN). */
  static short toBf16(float f) {
    int bits = Float.floatToRawIntBits(f);
    if (Float.isNaN(f)) {
      return (short) ((bits >>> 16) | 0x40);
    }
    int rounded = bits + 0x7FFF + ((bits >>> 16) & 1);
    return (short) (rounded >>> 16);
  }

  /** bfloat16 to float32 (exact). */
  static float fromBf16(short h) {
    return Float.intBitsToFloat((h & 0xFFFF) << 16);
  }
}
