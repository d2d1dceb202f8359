package dev.llmkit.tokenizer.sentencepiece;

import dev.llmkit.tokenizer.IntList;
import dev.llmkit.tokenizer.bpe.ByteSequenceMap;
import java.nio.charset.StandardCharsets;

/**
 * The Unigram language model of SentencePiece (Kudo 2018): a text is segmented into the pieces
 * whose scores (log probabilities) sum highest, found by Viterbi over the lattice of all pieces
 * that match the text. A character no piece covers becomes the unknown token, scored
 * {@code min score - 10}; with byte fallback an unknown span becomes its UTF-8 bytes as
 * {@code <0xXX>} tokens.
 *
 * <p>Two flavours, because the two reference implementations differ in small ways that change
 * ids: {@link Flavor#SENTENCEPIECE} ({@code unigram_model.cc}: float scores, the lattice holds
 * normal, user-defined and unused pieces, user-defined pieces get {@code length * max score -
 * 0.1}, min and max over normal pieces only) and {@link Flavor#HUGGING_FACE} ({@code tokenizers}'
 * {@code Unigram}: double scores, every piece in the lattice, min over all pieces). Both fuse
 * adjacent unknown characters into one unknown token.
 *
 * <p>Immutable and thread-safe.
 */
public final class UnigramModel {
  /** Which reference the segmentation follows. */
  public enum Flavor {
    /** Google's SentencePiece library. */
    SENTENCEPIECE,
    /** Hugging Face {@code tokenizers}. */
    HUGGING_FACE
  }

  private static final double UNK_PENALTY = 10.0;

  private final String[] pieces;
  private final float[] scores;
  private final int[] types;
  private final Flavor flavor;
  private final int unkId;
  private final boolean byteFallback;
  private final ByteSequenceMap lattice = new ByteSequenceMap();
  private final int[] byteIds = new int[256];
  private final int maxPieceBytes;
  private final double minScore;
  private final double maxScore;

  /**
   * Creates a model.
   *
   * @param pieces pieces by id (with {@code ▁} for spaces)
   * @param scores scores by id
   * @param types token types by id ({@link SentencePieceTokenizer#NORMAL} ...)
   * @param unkId the unknown token's id ({@code -1}: none, Hugging Face flavour only; text no piece
   *     covers is then an error)
   * @param byteFallback whether unknown spans become {@code <0xXX>} tokens
   * @param flavor which reference to follow
   * @param source where the vocabulary came from, for messages
   * @throws IllegalArgumentException if the lengths differ or the unknown id is out of range
   */
  public UnigramModel(
      String[] pieces, float[] scores, int[] types, int unkId, boolean byteFallback,
      Flavor flavor, String source) {
    if (pieces.length != scores.length || pieces.length != types.length) {
      throw new IllegalArgumentException(
          source + ": " + pieces.length + " pieces but " + scores.length + " scores and "
              + types.length + " types");
    }
    if ((unkId < 0 && flavor == Flavor.SENTENCEPIECE) || unkId >= pieces.length) {
      throw new IllegalArgumentException(
          source + ": unknown token id " + unkId + " is outside the vocabulary [0, "
              + pieces.length + ")");
    }
    this.pieces = pieces.clone();
    this.scores = scores.clone();
    this.types = types.clone();
    this.unkId = unkId;
    this.byteFallback = byteFallback;
    this.flavor = flavor;
    java.util.Arrays.fill(byteIds, -1);
    double min = Double.POSITIVE_INFINITY;
    double max = flavor == Flavor.SENTENCEPIECE ? Float.MIN_NORMAL : Double.NEGATIVE_INFINITY;
    int maxLen = 1;
    for (int id = 0; id < pieces.length; id++) {
      int t = types[id];
      byte[] b = pieces[id].getBytes(StandardCharsets.UTF_8);
      boolean inLattice = flavor == Flavor.HUGGING_FACE
          || t == SentencePieceTokenizer.NORMAL || t == SentencePieceTokenizer.USER_DEFINED
          || t == SentencePieceTokenizer.UNUSED;
      if (inLattice && b.length > 0 && lattice.get(b) < 0) {
        lattice.put(b, id);
        maxLen = Math.max(maxLen, b.length);
      }
      if (flavor == Flavor.HUGGING_FACE || t == SentencePieceTokenizer.NORMAL) {
        min = Math.min(min, scores[id]);
        max = Math.max(max, scores[id]);
      }
      int by = SentencePieceTokenizer.parseByte(pieces[id]);
      if (by >= 0 && (flavor == Flavor.HUGGING_FACE || t == SentencePieceTokenizer.BYTE)
          && byteIds[by] < 0) {
        byteIds[by] = id;
      }
    }
    if (flavor == Flavor.SENTENCEPIECE && min == Double.POSITIVE_INFINITY) {
      min = Float.MAX_VALUE;
    }
    this.minScore = min;
    this.maxScore = max;
    this.maxPieceBytes = maxLen;
  }

  /**
   * The number of pieces.
   *
   * @return the vocabulary size
   */
  public int size() {
    return pieces.length;
  }

  /**
   * The unknown token's id.
   *
   * @return the id
   */
  public int unkId() {
    return unkId;
  }

  /**
   * Whether unknown spans become byte tokens.
   *
   * @return the flag
   */
  public boolean byteFallback() {
    return byteFallback;
  }

  /**
   * The piece of an id.
   *
   * @param id a valid id
   * @return the piece
   */
  public String piece(int id) {
    return pieces[id];
  }

  /**
   * The score of an id.
   *
   * @param id a valid id
   * @return the score
   */
  public float score(int id) {
    return scores[id];
  }

  /**
   * The type of an id.
   *
   * @param id a valid id
   * @return the type code
   */
  public int type(int id) {
    return types[id];
  }

  /**
   * The byte an id stands for when it is a byte-fallback token.
   *
   * @param id a valid id
   * @return the byte value, or -1
   */
  public int byteOf(int id) {
    int b = SentencePieceTokenizer.parseByte(pieces[id]);
    return b >= 0 && byteIds[b] == id ? b : -1;
  }

  /**
   * Segments normalised text by Viterbi, appending ids.
   *
   * @param s normalised UTF-8 bytes
   * @param from first byte
   * @param to end byte (exclusive)
   * @param out where the ids go
   */
  public void encode(byte[] s, int from, int to, IntList out) {
    int size = to - from;
    if (size <= 0) {
      return;
    }
    boolean sp = flavor == Flavor.SENTENCEPIECE;
    double unkScore = sp ? (float) ((float) minScore - (float) UNK_PENALTY) : minScore - UNK_PENALTY;
    double[] best = new double[size + 1];
    int[] startsAt = new int[size + 1];
    int[] ids = new int[size + 1];
    java.util.Arrays.fill(startsAt, -1);
    int start = 0;
    while (start < size) {
      double till = best[start];
      int lead = s[from + start] & 0xFF;
      int mblen = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
      mblen = Math.min(mblen, size - start);
      boolean single = false;
      int limit = Math.min(maxPieceBytes, size - start);
      for (int len = 1; len <= limit; len++) {
        int id = lattice.get(s, from + start, len);
        if (id < 0) {
          continue;
        }
        if (sp && types[id] == SentencePieceTokenizer.UNUSED) {
          continue;
        }
        // SentencePiece: the candidate is a double (the score's type is double because of the
        // user-defined branch), compared with the stored float and stored as a float
        double score = sp && types[id] == SentencePieceTokenizer.USER_DEFINED
            ? (double) (len * (float) maxScore) - 0.1
            : scores[id];
        double cand = score + till;
        int end = start + len;
        if (startsAt[end] == -1 || cand > best[end]) {
          best[end] = sp ? (float) cand : cand;
          startsAt[end] = start;
          ids[end] = id;
        }
        if (len == mblen) {
          single = true;
        }
      }
      if (!single) {
        if (unkId < 0) {
          throw new IllegalArgumentException(
              "'" + new String(s, from + start, mblen, StandardCharsets.UTF_8) + "' has no piece"
                  + " and the Unigram model has no unk_id");
        }
        int end = start + mblen;
        double cand = sp ? (float) (unkScore + till) : unkScore + till;
        if (startsAt[end] == -1 || cand > best[end]) {
          best[end] = cand;
          startsAt[end] = start;
          ids[end] = unkId;
        }
      }
      start += mblen;
    }
    // backtrack
    int[] path = new int[size + 1];
    int n = 0;
    for (int end = size; end > 0; end = startsAt[end]) {
      path[n++] = end;
    }
    int prevEnd = 0;
    int unkStart = -1;
    for (int k = n - 1; k >= 0; k--) {
      int end = path[k];
      int begin = startsAt[end];
      int id = ids[end];
      boolean unk = id == unkId;
      if (unk) {
        // both references fuse adjacent unknown spans into one
        if (unkStart < 0) {
          unkStart = begin;
        }
        if (k > 0 && ids[path[k - 1]] == unkId) {
          prevEnd = end;
          continue;
        }
        begin = unkStart;
        unkStart = -1;
      }
      if (unk && byteFallback && emitBytes(s, from + begin, from + end, out)) {
        prevEnd = end;
        continue;
      }
      out.add(id);
      prevEnd = end;
    }
  }

  private boolean emitBytes(byte[] s, int from, int to, IntList out) {
    for (int i = from; i < to; i++) {
      if (byteIds[s[i] & 0xFF] < 0) {
        return false;
      }
    }
    for (int i = from; i < to; i++) {
      out.add(byteIds[s[i] & 0xFF]);
    }
    return true;
  }
}
