package dev.llmkit.tokenizer.encoding;

import dev.llmkit.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Turns one text or a pair of texts into an {@link Encoding}: the tokenizer's ids, the special
 * tokens of a template around them (Hugging Face's {@code TemplateProcessing} /
 * {@code BertProcessing}: {@code [CLS] A [SEP]} and {@code [CLS] A [SEP] B [SEP]} with type ids
 * 0 and 1), truncation to a maximum length (special tokens counted; pairs by {@code LongestFirst}
 * as Hugging Face computes it) and padding on the right (pad id, type id 0,
 * mask 0) to a fixed length or to the longest of a batch. Special tokens written in the text (such
 * as {@code [MASK]}) are recognised, as Hugging Face's tokenizers do.
 *
 * <p>Immutable and thread-safe when the tokenizer is.
 */
public final class TemplateEncoder {
  /**
   * One item of a template: a sequence ({@code A} or {@code B}) or a special token, each with its
   * type id.
   *
   * @param sequence 0 for A, 1 for B, -1 for a special token
   * @param tokenIds the special token's ids (empty for a sequence)
   * @param typeId the type id of the item's tokens
   */
  public record Piece(int sequence, int[] tokenIds, int typeId) {
    /**
     * A sequence item.
     *
     * @param sequence 0 for A, 1 for B
     * @param typeId its type id
     * @return the item
     */
    public static Piece sequence(int sequence, int typeId) {
      return new Piece(sequence, new int[0], typeId);
    }

    /**
     * A special-token item.
     *
     * @param typeId its type id
     * @param ids the token's ids
     * @return the item
     */
    public static Piece special(int typeId, int... ids) {
      return new Piece(-1, ids.clone(), typeId);
    }
  }

  /** How a batch is padded. */
  public enum Padding {
    /** No padding. */
    NONE,
    /** To the longest encoding of the batch. */
    LONGEST,
    /** To {@code maxLength}. */
    MAX_LENGTH
  }

  private final Tokenizer tokenizer;
  private final List<Piece> single;
  private final List<Piece> pair;
  private final int padId;

  /**
   * Creates an encoder.
   *
   * @param tokenizer the tokenizer
   * @param single the template for one text (must hold sequence A once)
   * @param pair the template for two texts (A and B once each), or null when pairs are not
   *     supported
   * @param padId the padding id
   */
  public TemplateEncoder(Tokenizer tokenizer, List<Piece> single, List<Piece> pair, int padId) {
    this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
    this.single = List.copyOf(single);
    this.pair = pair == null ? null : List.copyOf(pair);
    check(this.single, 1, "single");
    if (this.pair != null) {
      check(this.pair, 2, "pair");
    }
    if (padId < 0 || padId >= tokenizer.vocabSize()) {
      throw new IllegalArgumentException(
          "padId " + padId + " is outside the vocabulary [0, " + tokenizer.vocabSize() + ")");
    }
    this.padId = padId;
  }

  private void check(List<Piece> t, int sequences, String what) {
    int[] seen = new int[2];
    for (Piece p : t) {
      if (p.sequence() >= 0) {
        if (p.sequence() >= sequences) {
          throw new IllegalArgumentException(
              what + " template: sequence " + (char) ('A' + p.sequence()) + " is not expected");
        }
        seen[p.sequence()]++;
      }
      for (int id : p.tokenIds()) {
        if (id < 0 || id >= tokenizer.vocabSize()) {
          throw new IllegalArgumentException(
              what + " template: special token id " + id + " is outside the vocabulary [0, "
                  + tokenizer.vocabSize() + ")");
        }
      }
    }
    for (int s = 0; s < sequences; s++) {
      if (seen[s] != 1) {
        throw new IllegalArgumentException(
            what + " template must hold sequence " + (char) ('A' + s) + " once, holds it "
                + seen[s] + " times");
      }
    }
  }

  /**
   * BERT's template: {@code [CLS] A [SEP]} and {@code [CLS] A:0 [SEP]:0 B:1 [SEP]:1}.
   *
   * @param tokenizer the tokenizer
   * @param clsId the [CLS] id
   * @param sepId the [SEP] id
   * @param padId the [PAD] id
   * @return the encoder
   */
  public static TemplateEncoder bert(Tokenizer tokenizer, int clsId, int sepId, int padId) {
    return new TemplateEncoder(
        tokenizer,
        List.of(Piece.special(0, clsId), Piece.sequence(0, 0), Piece.special(0, sepId)),
        List.of(Piece.special(0, clsId), Piece.sequence(0, 0), Piece.special(0, sepId),
            Piece.sequence(1, 1), Piece.special(1, sepId)),
        padId);
  }

  /**
   * Loads a tokenizer with its template: a Hugging Face {@code tokenizer.json} (its
   * post-processor is the template), or BERT's {@code vocab.txt} (uncased, with
   * {@link #bert BERT's template}); a folder is searched for those two, in that order.
   *
   * @param path the file or folder
   * @return the encoder
   * @throws java.io.IOException if the file cannot be read
   * @throws IllegalArgumentException if it is malformed or lacks [CLS], [SEP] or [PAD]
   */
  public static TemplateEncoder load(java.nio.file.Path path) throws java.io.IOException {
    java.nio.file.Path p = path;
    if (java.nio.file.Files.isDirectory(path)) {
      p = java.nio.file.Files.isRegularFile(path.resolve("tokenizer.json"))
          ? path.resolve("tokenizer.json") : path.resolve("vocab.txt");
    }
    if (p.getFileName().toString().endsWith(".json")) {
      return dev.llmkit.tokenizer.hf.HfTemplateEncoder.load(p);
    }
    Tokenizer t = dev.llmkit.tokenizer.Tokenizers.load(p);
    int[] ids = new int[3];
    String[] names = {"[CLS]", "[SEP]", "[PAD]"};
    for (int i = 0; i < 3; i++) {
      java.util.OptionalInt id = t.tokenId(names[i]);
      if (id.isEmpty()) {
        throw new IllegalArgumentException(p + ": has no " + names[i] + " token");
      }
      ids[i] = id.getAsInt();
    }
    return bert(t, ids[0], ids[1], ids[2]);
  }

  /**
   * The tokenizer.
   *
   * @return the tokenizer
   */
  public Tokenizer tokenizer() {
    return tokenizer;
  }

  /**
   * Encodes one text, no truncation, no padding.
   *
   * @param a the text
   * @return the encoding
   */
  public Encoding encode(String a) {
    return encode(a, null, Integer.MAX_VALUE);
  }

  /**
   * Encodes a pair of texts, no truncation, no padding.
   *
   * @param a the first text
   * @param b the second text
   * @return the encoding
   */
  public Encoding encode(String a, String b) {
    return encode(a, Objects.requireNonNull(b, "b"), Integer.MAX_VALUE);
  }

  /**
   * Encodes one text or a pair, truncated to {@code maxLength} positions (special tokens
   * included).
   *
   * @param a the first text
   * @param b the second text, or null
   * @param maxLength the most positions
   * @return the encoding
   * @throws IllegalArgumentException if the special tokens alone do not fit, or pairs are not
   *     supported
   */
  public Encoding encode(String a, String b, int maxLength) {
    Objects.requireNonNull(a, "a");
    List<Piece> t = b == null ? single : pair;
    if (t == null) {
      throw new IllegalArgumentException("this encoder has no pair template; encode one text");
    }
    int specials = 0;
    for (Piece p : t) {
      specials += p.tokenIds().length;
    }
    if (maxLength < specials + (b == null ? 1 : 2)) {
      throw new IllegalArgumentException(
          "maxLength " + maxLength + " leaves no room beside the " + specials + " special tokens");
    }
    // as Hugging Face does, special tokens written in the text ("[MASK]") are recognised
    java.util.Set<String> allowed = tokenizer.specialTokens().keySet();
    int[][] seqs = {tokenizer.encode(a, allowed), b == null ? new int[0] : tokenizer.encode(b, allowed)};
    int[] len = {seqs[0].length, seqs[1].length};
    int target = maxLength - specials;
    if (len[0] + len[1] > target) {
      if (b == null) {
        len[0] = target;
      } else {
        // LongestFirst as tokenizers' truncate_encodings computes it: the shorter keeps what it
        // can, the longer the rest; when both are too long they share, the longer (or B on a
        // tie) taking the odd position
        boolean swap = len[0] > len[1];
        int n1 = Math.min(len[0], len[1]);
        int n2;
        if (n1 > target) {
          n2 = n1;
        } else {
          n2 = Math.max(n1, target - n1);
        }
        if (n1 + n2 > target) {
          n1 = target / 2;
          n2 = n1 + target % 2;
        }
        int first = swap ? n2 : n1;
        int second = swap ? n1 : n2;
        len[0] = Math.min(len[0], first);
        len[1] = Math.min(len[1], second);
      }
    }
    int total = 0;
    for (Piece p : t) {
      int n = p.sequence() >= 0 ? len[p.sequence()] : p.tokenIds().length;
      total += n;
    }
    int[] ids = new int[total];
    int[] types = new int[total];
    int[] mask = new int[total];
    int k = 0;
    for (Piece p : t) {
      int[] src = p.sequence() >= 0 ? seqs[p.sequence()] : p.tokenIds();
      int n = p.sequence() >= 0 ? len[p.sequence()] : src.length;
      for (int i = 0; i < n; i++, k++) {
        ids[k] = src[i];
        types[k] = p.typeId();
        mask[k] = 1;
      }
    }
    return new Encoding(ids, types, mask);
  }

  /**
   * Encodes a batch of texts or pairs, truncated to {@code maxLength} and padded.
   *
   * @param a the first texts
   * @param b the second texts (same size), or null
   * @param maxLength the most positions per encoding
   * @param padding how to pad
   * @return one encoding per input, in order
   */
  public List<Encoding> encodeBatch(List<String> a, List<String> b, int maxLength, Padding padding) {
    Objects.requireNonNull(a, "a");
    Objects.requireNonNull(padding, "padding");
    if (b != null && b.size() != a.size()) {
      throw new IllegalArgumentException(
          "batch: " + a.size() + " first texts but " + b.size() + " second texts");
    }
    List<Encoding> out = new ArrayList<>(a.size());
    int longest = 0;
    for (int i = 0; i < a.size(); i++) {
      Encoding e = encode(a.get(i), b == null ? null : b.get(i), maxLength);
      out.add(e);
      longest = Math.max(longest, e.length());
    }
    int target = padding == Padding.NONE ? 0 : padding == Padding.LONGEST ? longest : maxLength;
    if (padding == Padding.MAX_LENGTH && maxLength == Integer.MAX_VALUE) {
      throw new IllegalArgumentException("padding to maxLength needs a maxLength");
    }
    for (int i = 0; i < out.size(); i++) {
      Encoding e = out.get(i);
      if (e.length() < target) {
        int[] ids = java.util.Arrays.copyOf(e.ids(), target);
        int[] types = java.util.Arrays.copyOf(e.typeIds(), target);
        int[] mask = java.util.Arrays.copyOf(e.attentionMask(), target);
        java.util.Arrays.fill(ids, e.length(), target, padId);
        out.set(i, new Encoding(ids, types, mask));
      }
    }
    return out;
  }
}
