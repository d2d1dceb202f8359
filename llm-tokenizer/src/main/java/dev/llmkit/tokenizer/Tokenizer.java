package dev.llmkit.tokenizer;

import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Turns text into the token ids a model was trained on, and back.
 *
 * <p>Implementations are immutable after construction and safe to use from many threads at once.
 *
 * <p>Text is Java {@code String}s (UTF-16). A lone surrogate (half of a surrogate pair with no
 * partner) cannot be encoded as UTF-8: it is treated as U+FFFD, the replacement character, and
 * encoded as its UTF-8 bytes {@code EF BF BD} (as tiktoken does after its UTF-16 round trip; note
 * that {@link String#getBytes(java.nio.charset.Charset)} would write {@code ?} instead).
 */
public interface Tokenizer {

  /**
   * Encodes text without BOS/EOS; text that looks like a special token (for example
   * {@code <|endoftext|>}) is encoded as ordinary text.
   *
   * @param text the text; the empty string gives no ids
   * @return the token ids
   */
  int[] encode(String text);

  /**
   * Encodes text, mapping occurrences of the allowed special tokens to their ids; all other text,
   * including special tokens that are not allowed, is encoded as ordinary text.
   *
   * @param text the text
   * @param allowedSpecial special token strings (keys of {@link #specialTokens()}) to recognise
   * @return the token ids
   * @throws IllegalArgumentException if {@code allowedSpecial} names a token this tokenizer lacks
   */
  int[] encode(String text, Set<String> allowedSpecial);

  /**
   * Decodes ids to text; byte sequences that are not valid UTF-8 become U+FFFD.
   *
   * @param ids token ids
   * @return the text
   * @throws IllegalArgumentException naming the first id outside {@code [0, vocabSize())}
   */
  String decode(int[] ids);

  /**
   * The number of token ids, special tokens included (ids are {@code 0 .. vocabSize()-1}).
   *
   * @return the vocabulary size
   */
  int vocabSize();

  /**
   * The special tokens, text to id.
   *
   * @return an unmodifiable map
   */
  Map<String, Integer> specialTokens();

  /**
   * The beginning-of-sequence id, if this vocabulary has one.
   *
   * @return the BOS id or empty
   */
  OptionalInt bosId();

  /**
   * The end-of-sequence (end-of-text) id, if this vocabulary has one.
   *
   * @return the EOS id or empty
   */
  OptionalInt eosId();

  /**
   * A new decoder that turns ids into text one at a time; use one per generation.
   *
   * @return a fresh streaming decoder (not thread-safe itself)
   */
  StreamingDecoder streamingDecoder();

  /**
   * Encodes text with the BOS id in front when this vocabulary has one (as llama2.c and
   * SentencePiece models expect).
   *
   * @param text the text
   * @return {@code [bos] + encode(text)}, or {@code encode(text)} when there is no BOS id
   */
  default int[] encodeWithBos(String text) {
    int[] ids = encode(text);
    OptionalInt bos = bosId();
    if (bos.isEmpty()) {
      return ids;
    }
    int[] out = new int[ids.length + 1];
    out[0] = bos.getAsInt();
    System.arraycopy(ids, 0, out, 1, ids.length);
    return out;
  }

  /**
   * Decodes a single id (convenience for {@code decode(new int[] {id})}).
   *
   * @param id the token id
   * @return its text; may contain U+FFFD when the token is part of a multi-byte character
   */
  default String decode(int id) {
    return decode(new int[] {id});
  }

  /**
   * Counts the tokens of a text, as a context-window or billing check would: the length of
   * {@link #encode(String)} (no BOS/EOS; special-token text counts as ordinary text).
   *
   * @param text the text
   * @return the number of tokens
   */
  default int countTokens(String text) {
    return encode(text).length;
  }

  /**
   * The id of one token given its text: a special token by its text ({@code "<|endoftext|>"},
   * {@code "<s>"}), else the single token that this text encodes to and that decodes back to it
   * ({@code "hello"} in GPT-2, {@code " world"} with its space).
   *
   * @param piece the token's text
   * @return its id, or empty when the text is not exactly one token
   */
  default OptionalInt tokenId(String piece) {
    Integer special = specialTokens().get(piece);
    if (special != null) {
      return OptionalInt.of(special);
    }
    int[] ids = encode(piece);
    return ids.length == 1 && decode(ids[0]).equals(piece) ? OptionalInt.of(ids[0])
        : OptionalInt.empty();
  }
}
