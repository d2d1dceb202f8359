package dev.llmkit.model.io;

/** Element types that checkpoint readers convert to float32. */
public enum StoredType {
  /** IEEE float32, little-endian. */
  F32(4),
  /** IEEE binary16, little-endian. */
  F16(2),
  /** bfloat16 (upper half of a float32), little-endian. */
  BF16(2);

  private final int bytes;

  StoredType(int bytes) {
    this.bytes = bytes;
  }

  /** Bytes per element. */
  public int bytes() {
    return bytes;
  }
}
