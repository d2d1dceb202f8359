package dev.llmkit.training.spark;

/** How gradients travel between replicas. */
public enum GradientPrecision {
  /** 4 bytes per value: the mean is exact up to float32 summation order. */
  FLOAT32(4),
  /**
   * 2 bytes per value (bfloat16, round to nearest even): half the traffic; every gradient loses the
   * low 16 bits of its mantissa (about 3 significant digits remain) before the mean.
   */
  BF16(2);

  private final int bytes;

  GradientPrecision(int bytes) {
    this.bytes = bytes;
  }

  /** Bytes per gradient value on the wire (before Base64, which adds a third). */
  public int bytesPerValue() {
    return bytes;
  }
}
