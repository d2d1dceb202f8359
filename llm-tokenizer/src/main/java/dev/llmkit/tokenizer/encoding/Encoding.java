package dev.llmkit.tokenizer.encoding;

import java.util.Arrays;

/**
 * One encoded input as an encoder model consumes it: token ids, token type (segment) ids and the
 * attention mask (1 for real tokens, 0 for padding), all of the same length.
 *
 * @param ids token ids, special tokens included
 * @param typeIds the segment of each token (0 for the first sequence, 1 for the second in BERT)
 * @param attentionMask 1 for tokens, 0 for padding
 */
public record Encoding(int[] ids, int[] typeIds, int[] attentionMask) {
  /** Checks the lengths agree and copies the arrays. */
  public Encoding {
    if (ids.length != typeIds.length || ids.length != attentionMask.length) {
      throw new IllegalArgumentException(
          "ids (" + ids.length + "), typeIds (" + typeIds.length + ") and attentionMask ("
              + attentionMask.length + ") must have the same length");
    }
    ids = ids.clone();
    typeIds = typeIds.clone();
    attentionMask = attentionMask.clone();
  }

  /**
   * The number of positions, padding included.
   *
   * @return the length
   */
  public int length() {
    return ids.length;
  }

  @Override
  public int[] ids() {
    return ids.clone();
  }

  @Override
  public int[] typeIds() {
    return typeIds.clone();
  }

  @Override
  public int[] attentionMask() {
    return attentionMask.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Encoding e && Arrays.equals(ids, e.ids) && Arrays.equals(typeIds, e.typeIds)
        && Arrays.equals(attentionMask, e.attentionMask);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * Arrays.hashCode(ids) + Arrays.hashCode(typeIds)) + Arrays.hashCode(attentionMask);
  }

  @Override
  public String toString() {
    return "Encoding[ids=" + Arrays.toString(ids) + ", typeIds=" + Arrays.toString(typeIds)
        + ", attentionMask=" + Arrays.toString(attentionMask) + "]";
  }
}
