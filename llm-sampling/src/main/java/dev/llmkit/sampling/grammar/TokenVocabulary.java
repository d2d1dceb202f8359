package dev.llmkit.sampling.grammar;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A vocabulary prepared for constrained decoding: each token's decoded bytes and their prefix trie.
 * Build it once per tokenizer and share it between the {@link GrammarConstraint}s of any number of
 * grammars (building the trie of a 128k vocabulary takes a noticeable fraction of a second).
 */
public final class TokenVocabulary {

  final byte[][] pieces;
  final TokenTrie trie;
  private final int[] eosIds;

  private TokenVocabulary(byte[][] pieces, int[] eosIds) {
    this.pieces = pieces;
    this.eosIds = eosIds;
    byte[][] forTrie = pieces.clone();
    for (int e : eosIds) {
      forTrie[e] = null;
    }
    this.trie = TokenTrie.build(forTrie);
  }

  /**
   * Prepares a vocabulary.
   *
   * @param pieces the decoded bytes of each token, indexed by id; null or empty for tokens never to
   *     generate (special tokens)
   * @param eosIds the end-of-sequence (or end-of-turn) ids, allowed when the grammar's text is whole
   * @throws IllegalArgumentException if an EOS id is outside the vocabulary
   */
  public static TokenVocabulary of(byte[][] pieces, int... eosIds) {
    if (pieces == null || eosIds == null) {
      throw new IllegalArgumentException("pieces and eosIds must not be null");
    }
    for (int e : eosIds) {
      if (e < 0 || e >= pieces.length) {
        throw new IllegalArgumentException(
            "EOS id " + e + " is outside the vocabulary [0, " + pieces.length + ")");
      }
    }
    return new TokenVocabulary(pieces.clone(), eosIds.clone());
  }

  /**
   * Prepares a vocabulary from token texts (encoded as UTF-8).
   *
   * @param pieces each token's text, indexed by id; null for special tokens
   * @param eosIds the end-of-sequence ids
   */
  public static TokenVocabulary ofStrings(List<String> pieces, int... eosIds) {
    byte[][] bytes = new byte[pieces.size()][];
    for (int i = 0; i < bytes.length; i++) {
      String s = pieces.get(i);
      bytes[i] = s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }
    return of(bytes, eosIds);
  }

  /** The number of token ids. */
  public int size() {
    return pieces.length;
  }

  int[] eosIds() {
    return eosIds;
  }

  boolean isEos(int token) {
    for (int e : eosIds) {
      if (e == token) {
        return true;
      }
    }
    return false;
  }
}
