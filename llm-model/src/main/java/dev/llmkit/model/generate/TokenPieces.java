package dev.llmkit.model.generate;

import dev.llmkit.tokenizer.Tokenizer;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;

/**
 * Each token's text as it appears in the middle of a generation, as UTF-8 bytes: the vocabulary a
 * {@code GrammarConstraint} matches against. A token's piece is {@code decode([ref, id])} less
 * {@code decode([ref])}, so that SentencePiece's leading-space rule (a lone "▁word" decodes without
 * its space) does not hide the space the token writes mid-text.
 */
public final class TokenPieces {

  private TokenPieces() {}

  /**
   * The pieces of a tokenizer's vocabulary.
   *
   * @param tokenizer the tokenizer
   * @return one entry per id; {@code null} for special tokens and for tokens that are not whole
   *     UTF-8 characters on their own (byte-fallback and partial byte-level tokens), which a
   *     grammar-constrained generation then never chooses
   */
  public static byte[][] of(Tokenizer tokenizer) {
    int[] refIds = tokenizer.encode("a");
    if (refIds.length != 1) {
      throw new IllegalArgumentException(
          "the tokenizer encodes \"a\" as " + refIds.length + " tokens; expected one reference token");
    }
    int ref = refIds[0];
    String refText = tokenizer.decode(new int[] {ref});
    Set<Integer> special = new HashSet<>(tokenizer.specialTokens().values());
    tokenizer.bosId().ifPresent(special::add);
    tokenizer.eosId().ifPresent(special::add);
    byte[][] out = new byte[tokenizer.vocabSize()][];
    for (int id = 0; id < out.length; id++) {
      if (special.contains(id)) {
        continue;
      }
      String both = tokenizer.decode(new int[] {ref, id});
      if (!both.startsWith(refText)) {
        continue;
      }
      String piece = both.substring(refText.length());
      if (piece.isEmpty() || piece.indexOf('\uFFFD') >= 0) {
        continue;
      }
      out[id] = piece.getBytes(StandardCharsets.UTF_8);
    }
    return out;
  }
}
