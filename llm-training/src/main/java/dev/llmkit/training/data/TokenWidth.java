package dev.llmkit.training.data;

/**
 * How a token id is stored in a token file: unsigned little-endian integers of 2 or 4 bytes, without
 * a header (the layout of nanoGPT's {@code train.bin}, which is {@code np.uint16}).
 */
public enum TokenWidth {
  /** Two bytes per token: vocabularies of at most 65,536 ids (GPT-2's 50,257 fit). */
  UINT16(2, 0xFFFFL),
  /** Four bytes per token: any vocabulary. */
  UINT32(4, 0xFFFFFFFFL);

  private final int bytes;
  private final long maxId;

  TokenWidth(int bytes, long maxId) {
    this.bytes = bytes;
    this.maxId = maxId;
  }

  /** Bytes per token. */
  public int bytes() {
    return bytes;
  }

  /** The largest id this width can store. */
  public long maxId() {
    return maxId;
  }

  /** The narrowest width that holds every id of a vocabulary of {@code vocabSize} ids. */
  public static TokenWidth forVocabulary(int vocabSize) {
    return vocabSize <= 65_536 ? UINT16 : UINT32;
  }
}
