package dev.llmkit.tokenizer.sentencepiece;

import dev.llmkit.tokenizer.AbstractTokenizer;
import dev.llmkit.tokenizer.IntList;
import dev.llmkit.tokenizer.Utf8;
import dev.llmkit.tokenizer.bpe.BpeMerger;
import dev.llmkit.tokenizer.bpe.ByteSequenceMap;
import dev.llmkit.tokenizer.bpe.PairTable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * SentencePiece-style BPE as Llama 1/2, Mistral and llama2.c use it: spaces become a visible space
 * symbol ({@code ▁}, or a plain space in llama2.c files), a space is put in front of the text,
 * the text starts as one symbol per character, and adjacent symbols merge while the merged piece
 * is in the vocabulary, highest score first (or by an explicit merge list, as Hugging Face's
 * {@code tokenizer.json} stores it). Characters with no piece become their UTF-8 bytes as
 * {@code <0xXX>} tokens (byte fallback), or the unknown token when there are none.
 *
 * <p>Immutable and thread-safe.
 */
public final class SentencePieceTokenizer extends AbstractTokenizer {
  /** GGUF token type codes (also used for llama2.c and Hugging Face vocabularies). */
  public static final int NORMAL = 1;
  /** The unknown token. */
  public static final int UNKNOWN = 2;
  /** Control tokens (BOS, EOS): decode to nothing. */
  public static final int CONTROL = 3;
  /** User-defined tokens: always matched in the text. */
  public static final int USER_DEFINED = 4;
  /** Unused slots. */
  public static final int UNUSED = 5;
  /** Byte-fallback tokens {@code <0xXX>}. */
  public static final int BYTE = 6;

  private final String[] pieces;
  private final float[] scores;
  private final int[] types;
  private final char spaceSymbol;
  private final boolean addSpacePrefix;
  private final ByteSequenceMap pieceIds;
  private final int[] byteIds = new int[256];
  private final int unkId;
  private final PairTable merges;
  private final boolean mergesFromScores;
  private final byte[][] decodePlain;
  private final byte[][] decodeLeading;

  private SentencePieceTokenizer(
      String name,
      String[] pieces,
      float[] scores,
      int[] types,
      char spaceSymbol,
      boolean addSpacePrefix,
      PairTable merges,
      boolean mergesFromScores,
      ByteSequenceMap pieceIds,
      Map<String, Integer> specials,
      Map<String, Integer> added,
      OptionalInt bos,
      OptionalInt eos,
      int unkId) {
    super(name, specials, added, bos, eos);
    this.pieces = pieces;
    this.scores = scores;
    this.types = types;
    this.spaceSymbol = spaceSymbol;
    this.addSpacePrefix = addSpacePrefix;
    this.merges = merges;
    this.mergesFromScores = mergesFromScores;
    this.pieceIds = pieceIds;
    this.unkId = unkId;
    Arrays.fill(byteIds, -1);
    decodePlain = new byte[pieces.length][];
    decodeLeading = new byte[pieces.length][];
    for (int id = 0; id < pieces.length; id++) {
      int b = types[id] == BYTE ? parseByte(pieces[id]) : -1;
      if (b >= 0) {
        byteIds[b] = id;
        decodePlain[id] = new byte[] {(byte) b};
        decodeLeading[id] = decodePlain[id];
      } else if (types[id] == CONTROL) {
        decodePlain[id] = new byte[0];
        decodeLeading[id] = decodePlain[id];
      } else {
        String text = pieces[id].replace(spaceSymbol, ' ');
        decodePlain[id] = text.getBytes(StandardCharsets.UTF_8);
        decodeLeading[id] = addSpacePrefix && text.startsWith(" ")
            ? text.substring(1).getBytes(StandardCharsets.UTF_8)
            : decodePlain[id];
      }
    }
  }

  /** {@code <0xXX>} to its byte, or -1. */
  static int parseByte(String piece) {
    if (piece.length() == 6 && piece.startsWith("<0x") && piece.endsWith(">")) {
      try {
        return Integer.parseInt(piece.substring(3, 5), 16);
      } catch (NumberFormatException e) {
        return -1;
      }
    }
    return -1;
  }

  private static ByteSequenceMap pieceMap(String[] pieces) {
    ByteSequenceMap m = new ByteSequenceMap();
    for (int id = 0; id < pieces.length; id++) {
      m.put(pieces[id].getBytes(StandardCharsets.UTF_8), id);
    }
    return m;
  }

  private static void splitSpecials(
      String[] pieces, int[] types, Map<String, Integer> specials, Map<String, Integer> added) {
    for (int id = 0; id < pieces.length; id++) {
      if (types[id] == CONTROL || types[id] == UNKNOWN) {
        specials.putIfAbsent(pieces[id], id);
      } else if (types[id] == USER_DEFINED) {
        added.putIfAbsent(pieces[id], id);
      }
    }
  }

  /**
   * A tokenizer whose merges follow the piece scores (SentencePiece, llama.cpp, llama2.c): a pair
   * merges when the concatenation is a piece, the higher the piece's score the earlier, the
   * leftmost first on equal scores.
   *
   * @param name a name for messages
   * @param pieces the pieces by id
   * @param scores the scores by id
   * @param types the token types by id ({@link #NORMAL} ... {@link #BYTE})
   * @param spaceSymbol the character that stands for a space in the pieces ({@code '▁'} or
   *     {@code ' '})
   * @param addSpacePrefix put a space in front of the text (and remove it when decoding)
   * @param bos BOS id or empty
   * @param eos EOS id or empty
   * @param unkId the unknown token's id, or -1
   * @return the tokenizer
   */
  public static SentencePieceTokenizer fromScores(
      String name,
      String[] pieces,
      float[] scores,
      int[] types,
      char spaceSymbol,
      boolean addSpacePrefix,
      OptionalInt bos,
      OptionalInt eos,
      int unkId) {
    checkLengths(name, pieces, scores, types);
    ByteSequenceMap ids = pieceMap(pieces);
    // dense rank of the scores, highest first
    float[] sorted = scores.clone();
    Arrays.sort(sorted);
    float[] distinct = new float[sorted.length];
    int nd = 0;
    for (int i = sorted.length - 1; i >= 0; i--) {
      if (nd == 0 || Float.compare(distinct[nd - 1], sorted[i]) != 0) {
        distinct[nd++] = sorted[i];
      }
    }
    PairTable merges = new PairTable();
    for (int t = 0; t < pieces.length; t++) {
      byte[] b = pieces[t].getBytes(StandardCharsets.UTF_8);
      if (ids.get(b) != t) {
        continue; // a duplicate piece: the last id wins, as in llama.cpp
      }
      int rank = -1;
      for (int k = 1; k < b.length; k++) {
        if ((b[k] & 0xC0) == 0x80) {
          continue; // not a character boundary
        }
        int l = ids.get(b, 0, k);
        int r = l < 0 ? -1 : ids.get(b, k, b.length - k);
        if (r >= 0) {
          if (rank < 0) {
            rank = rankOf(distinct, nd, scores[t]);
          }
          merges.put(l, r, rank, t);
        }
      }
    }
    Map<String, Integer> specials = new LinkedHashMap<>();
    Map<String, Integer> added = new LinkedHashMap<>();
    splitSpecials(pieces, types, specials, added);
    return new SentencePieceTokenizer(
        name, pieces.clone(), scores.clone(), types.clone(), spaceSymbol, addSpacePrefix, merges,
        true, ids, specials, added, bos, eos, unkId);
  }

  private static int rankOf(float[] distinctDesc, int n, float score) {
    int lo = 0;
    int hi = n - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      int c = Float.compare(distinctDesc[mid], score);
      if (c == 0) {
        return mid;
      }
      if (c > 0) {
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    throw new IllegalStateException("score " + score + " not found");
  }

  /**
   * A tokenizer with an explicit merge list (Hugging Face {@code tokenizer.json} BPE with
   * {@code byte_fallback}): merge k has rank k.
   *
   * @param name a name for messages
   * @param pieces the pieces by id
   * @param types the token types by id
   * @param spaceSymbol the space symbol in the pieces
   * @param addSpacePrefix put a space in front of the text
   * @param mergePairs {@code {left, right}} id pairs in priority order
   * @param bos BOS id or empty
   * @param eos EOS id or empty
   * @param unkId the unknown token's id, or -1
   * @param fileName the file, for error messages
   * @return the tokenizer
   */
  public static SentencePieceTokenizer fromMerges(
      String name,
      String[] pieces,
      int[] types,
      char spaceSymbol,
      boolean addSpacePrefix,
      List<int[]> mergePairs,
      OptionalInt bos,
      OptionalInt eos,
      int unkId,
      String fileName) {
    float[] scores = new float[pieces.length];
    checkLengths(name, pieces, scores, types);
    ByteSequenceMap ids = pieceMap(pieces);
    PairTable merges = new PairTable();
    for (int r = 0; r < mergePairs.size(); r++) {
      int[] p = mergePairs.get(r);
      String merged = pieces[p[0]] + pieces[p[1]];
      int t = ids.get(merged.getBytes(StandardCharsets.UTF_8));
      if (t < 0) {
        throw new IllegalArgumentException(
            fileName + ": merge " + r + " ('" + pieces[p[0]] + "' + '" + pieces[p[1]]
                + "') makes a piece that is not in the vocabulary");
      }
      merges.put(p[0], p[1], r, t);
      scores[t] = Math.min(scores[t], -r - 1); // earlier merges score higher
    }
    Map<String, Integer> specials = new LinkedHashMap<>();
    Map<String, Integer> added = new LinkedHashMap<>();
    splitSpecials(pieces, types, specials, added);
    return new SentencePieceTokenizer(
        name, pieces.clone(), scores, types.clone(), spaceSymbol, addSpacePrefix, merges, false,
        ids, specials, added, bos, eos, unkId);
  }

  private static void checkLengths(String name, String[] pieces, float[] scores, int[] types) {
    if (pieces.length != scores.length || pieces.length != types.length) {
      throw new IllegalArgumentException(
          name + ": " + pieces.length + " pieces but " + scores.length + " scores and "
              + types.length + " token types");
    }
  }

  @Override
  public int vocabSize() {
    return pieces.length;
  }

  /**
   * The piece of an id, as stored (with the space symbol).
   *
   * @param id the id
   * @return the piece
   */
  public String piece(int id) {
    if (id < 0 || id >= pieces.length) {
      throw unknownId(id);
    }
    return pieces[id];
  }

  /**
   * The score of an id (for merge-list vocabularies: minus the index of the first merge that
   * makes it, so earlier merges score higher).
   *
   * @param id the id
   * @return the score
   */
  public float score(int id) {
    if (id < 0 || id >= pieces.length) {
      throw unknownId(id);
    }
    return scores[id];
  }

  /**
   * The token type of an id ({@link #NORMAL} ... {@link #BYTE}).
   *
   * @param id the id
   * @return the type code
   */
  public int type(int id) {
    if (id < 0 || id >= pieces.length) {
      throw unknownId(id);
    }
    return types[id];
  }

  /**
   * The character that stands for a space in the pieces.
   *
   * @return {@code '▁'} or {@code ' '}
   */
  public char spaceSymbol() {
    return spaceSymbol;
  }

  /**
   * Whether a space is put in front of the text.
   *
   * @return the flag
   */
  public boolean addSpacePrefix() {
    return addSpacePrefix;
  }

  /**
   * The unknown token's id.
   *
   * @return the id, or -1
   */
  public int unkId() {
    return unkId;
  }

  /**
   * The merge rules, lowest rank first, as {@code {left, right, rank, result}}.
   *
   * @return the rules
   */
  public List<int[]> mergeRules() {
    List<int[]> out = new ArrayList<>();
    for (int t = 0; t < pieces.length; t++) {
      byte[] b = pieces[t].getBytes(StandardCharsets.UTF_8);
      for (int k = 1; k < b.length; k++) {
        if ((b[k] & 0xC0) == 0x80) {
          continue;
        }
        int l = pieceIds.get(b, 0, k);
        int r = l < 0 ? -1 : pieceIds.get(b, k, b.length - k);
        int s = merges.find(l, r);
        if (s >= 0 && merges.result(s) == t) {
          out.add(new int[] {l, r, merges.rank(s), t});
        }
      }
    }
    out.sort(
        (x, y) ->
            x[2] != y[2] ? Integer.compare(x[2], y[2])
                : x[3] != y[3] ? Integer.compare(x[3], y[3])
                : Integer.compare(x[0], y[0]));
    return out;
  }

  /**
   * Whether merges follow scores (true) or an explicit list.
   *
   * @return the flag
   */
  public boolean mergesFromScores() {
    return mergesFromScores;
  }

  @Override
  protected byte[] decodeBytes(int id, boolean leading) {
    if (id < 0 || id >= pieces.length) {
      return null;
    }
    return leading ? decodeLeading[id] : decodePlain[id];
  }

  @Override
  protected void encodeOrdinary(String text, int start, int end, boolean atStart, IntList out) {
    // normalise: optional leading space, spaces -> space symbol
    StringBuilder sb = new StringBuilder(end - start + 1);
    if (addSpacePrefix && atStart) {
      sb.append(spaceSymbol);
    }
    for (int i = start; i < end; i++) {
      char c = text.charAt(i);
      sb.append(c == ' ' ? spaceSymbol : c);
    }
    String norm = sb.toString();
    byte[] buf = new byte[3 * norm.length()];
    int nb = Utf8.encode(norm, 0, norm.length(), buf);
    int[] sym = new int[nb];
    int n = 0;
    int p = 0;
    while (p < nb) {
      int lead = buf[p] & 0xFF;
      int len = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
      len = Math.min(len, nb - p);
      int id = pieceIds.get(buf, p, len);
      if (id >= 0) {
        sym[n++] = id;
      } else {
        for (int k = 0; k < len; k++) {
          int b = byteIds[buf[p + k] & 0xFF];
          if (b < 0) {
            if (unkId < 0) {
              throw new IllegalArgumentException(
                  name() + " has neither a piece, byte tokens nor an unknown token for '"
                      + new String(buf, p, len, StandardCharsets.UTF_8) + "'");
            }
            sym[n++] = unkId;
            break;
          }
          sym[n++] = b;
        }
      }
      p += len;
    }
    new BpeMerger(merges).merge(sym, n, out);
  }
}
