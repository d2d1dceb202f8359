package dev.llmkit.tensor;

import java.util.Arrays;

/**
 * Which keys a query may attend to: {@link #CAUSAL} (a query at absolute position {@code p} sees
 * keys {@code 0..p}), {@link #BIDIRECTIONAL} (every key), or a padding mask (only the keys marked
 * valid, optionally combined with causal). Immutable.
 */
public final class AttentionMask {

  /** A query at position {@code p} sees keys {@code 0..p}: decoder self-attention. */
  public static final AttentionMask CAUSAL = new AttentionMask(true, null);

  /** Every query sees every key: encoder self-attention, cross-attention. */
  public static final AttentionMask BIDIRECTIONAL = new AttentionMask(false, null);

  private final boolean causal;
  private final boolean[] keyValid;

  private AttentionMask(boolean causal, boolean[] keyValid) {
    this.causal = causal;
    this.keyValid = keyValid;
  }

  /**
   * A padding mask: key {@code j} may be attended to only when {@code keyValid[j]} is true.
   *
   * @param keyValid one flag per key position (at least as many as the attention's key length);
   *     copied
   */
  public static AttentionMask padding(boolean[] keyValid) {
    return padding(keyValid, false);
  }

  /**
   * A padding mask, combined with the causal rule when {@code causal} is true.
   *
   * @param keyValid one flag per key position; copied
   * @param causal whether a query at position {@code p} also sees only keys {@code 0..p}
   */
  public static AttentionMask padding(boolean[] keyValid, boolean causal) {
    if (keyValid == null) {
      throw new IllegalArgumentException("AttentionMask.padding: keyValid is null (expected one flag per key)");
    }
    return new AttentionMask(causal, keyValid.clone());
  }

  /** True when a query at position {@code p} sees only keys up to {@code p}. */
  public boolean isCausal() {
    return causal;
  }

  /** True when this mask has per-key padding flags. */
  public boolean hasPadding() {
    return keyValid != null;
  }

  /** Number of key flags of a padding mask, or -1 when there are none. */
  public int paddingLength() {
    return keyValid == null ? -1 : keyValid.length;
  }

  /** True when a query at absolute position {@code queryPos} may attend to key {@code keyPos}. */
  public boolean allows(int queryPos, int keyPos) {
    if (causal && keyPos > queryPos) {
      return false;
    }
    return keyValid == null || (keyPos < keyValid.length && keyValid[keyPos]);
  }

  /** One past the last key a query at {@code queryPos} may see, among {@code keyLength} keys. */
  int keyEnd(int queryPos, int keyLength) {
    return causal ? Math.min(keyLength, queryPos + 1) : keyLength;
  }

  /** Padding flag of key {@code j} (true when there is no padding). */
  boolean keyValid(int j) {
    return keyValid == null || keyValid[j];
  }

  @Override
  public String toString() {
    if (keyValid == null) {
      return causal ? "CAUSAL" : "BIDIRECTIONAL";
    }
    return "padding(" + Arrays.toString(keyValid) + (causal ? ", causal)" : ")");
  }
}
