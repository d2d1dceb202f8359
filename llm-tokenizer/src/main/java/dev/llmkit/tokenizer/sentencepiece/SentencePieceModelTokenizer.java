package dev.llmkit.tokenizer.sentencepiece;

import dev.llmkit.tokenizer.AbstractTokenizer;
import dev.llmkit.tokenizer.IntList;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalInt;

/**
 * A tokenizer as SentencePiece's {@code SentencePieceProcessor} runs a {@code .model} file: the
 * text is normalised by the model's {@link SentencePieceNormalizer}, then segmented by its
 * {@link UnigramModel} (Viterbi) or by score-ordered BPE merges ({@link SentencePieceTokenizer}),
 * with byte fallback as configured. Decoding turns {@code ▁} back into spaces, drops the dummy
 * prefix of the first piece, control tokens to nothing and the unknown token to the model's
 * {@code unk_surface} ({@code " ⁇ "} by default).
 *
 * <p>Control pieces ({@code <s>}, {@code </s>}) are special tokens: recognised in text only when
 * allowed, as everywhere in this library; SentencePiece itself never recognises them in text.
 *
 * <p>Immutable and thread-safe. Load one with {@link SentencePieceModelFile}.
 */
public final class SentencePieceModelTokenizer extends AbstractTokenizer {
  /** The segmentation algorithm of a model ({@code TrainerSpec.model_type}). */
  public enum ModelType {
    /** Unigram language model. */
    UNIGRAM,
    /** Byte-pair encoding by piece scores. */
    BPE
  }

  private final ModelType modelType;
  private final SentencePieceNormalizer normalizer;
  private final UnigramModel unigram;
  private final SentencePieceTokenizer bpe;
  private final Map<String, Integer> userIds;
  private final byte[][] decodePlain;
  private final byte[][] decodeLeading;
  private final String[] pieces;

  SentencePieceModelTokenizer(
      String name,
      ModelType modelType,
      String[] pieces,
      float[] scores,
      int[] types,
      SentencePieceNormalizer normalizer,
      int unkId,
      boolean byteFallback,
      String unkSurface,
      OptionalInt bos,
      OptionalInt eos) {
    super(name, specials(pieces, types), bos, eos);
    this.modelType = modelType;
    this.normalizer = normalizer;
    this.pieces = pieces.clone();
    this.unigram = new UnigramModel(
        pieces, scores, types, unkId, byteFallback, UnigramModel.Flavor.SENTENCEPIECE, name);
    this.bpe = modelType == ModelType.BPE
        ? SentencePieceTokenizer.fromScores(
            name, pieces, scores, bpeTypes(types, byteFallback),
            '\u2581', false, bos, eos, unkId)
        : null;
    this.userIds = new LinkedHashMap<>();
    for (int id = 0; id < pieces.length; id++) {
      if (types[id] == SentencePieceTokenizer.USER_DEFINED) {
        userIds.putIfAbsent(pieces[id], id);
      }
    }
    boolean stripFirst = normalizer.addDummyPrefix() || normalizer.removeExtraWhitespaces();
    byte[] unk = unkSurface.getBytes(StandardCharsets.UTF_8);
    decodePlain = new byte[pieces.length][];
    decodeLeading = new byte[pieces.length][];
    for (int id = 0; id < pieces.length; id++) {
      int b = unigram.byteOf(id);
      if (types[id] == SentencePieceTokenizer.BYTE && b >= 0) {
        decodePlain[id] = new byte[] {(byte) b};
        decodeLeading[id] = decodePlain[id];
      } else if (types[id] == SentencePieceTokenizer.CONTROL) {
        decodePlain[id] = new byte[0];
        decodeLeading[id] = decodePlain[id];
      } else if (id == unkId) {
        decodePlain[id] = unk;
        decodeLeading[id] = unk;
      } else {
        String p = pieces[id];
        decodePlain[id] = p.replace('\u2581', ' ').getBytes(StandardCharsets.UTF_8);
        decodeLeading[id] = stripFirst && p.startsWith("\u2581")
            ? p.substring(1).replace('\u2581', ' ').getBytes(StandardCharsets.UTF_8)
            : decodePlain[id];
      }
    }
  }

  /**
   * A Unigram tokenizer from its parts (what {@code UnigramTrainer} builds).
   *
   * @param name a name for messages
   * @param pieces pieces by id
   * @param scores scores (log probabilities) by id
   * @param types types by id ({@link SentencePieceTokenizer#NORMAL} ...)
   * @param normalizer the normaliser
   * @param unkId the unknown token's id (type {@link SentencePieceTokenizer#UNKNOWN})
   * @param byteFallback whether unknown text becomes {@code <0xXX>} byte pieces
   * @param bos BOS id or empty
   * @param eos EOS id or empty
   * @return the tokenizer
   */
  public static SentencePieceModelTokenizer unigram(
      String name, String[] pieces, float[] scores, int[] types,
      SentencePieceNormalizer normalizer, int unkId, boolean byteFallback, OptionalInt bos,
      OptionalInt eos) {
    return new SentencePieceModelTokenizer(
        name, ModelType.UNIGRAM, pieces, scores, types, normalizer, unkId, byteFallback,
        " \u2047 ", bos, eos);
  }

  /** Types for the BPE delegate: byte pieces count as bytes only with byte fallback. */
  private static int[] bpeTypes(int[] types, boolean byteFallback) {
    int[] t = types.clone();
    for (int i = 0; i < t.length; i++) {
      if (!byteFallback && t[i] == SentencePieceTokenizer.BYTE) {
        t[i] = SentencePieceTokenizer.UNUSED;
      }
    }
    return t;
  }

  private static Map<String, Integer> specials(String[] pieces, int[] types) {
    Map<String, Integer> m = new LinkedHashMap<>();
    for (int id = 0; id < pieces.length; id++) {
      if (types[id] == SentencePieceTokenizer.CONTROL || types[id] == SentencePieceTokenizer.UNKNOWN) {
        m.putIfAbsent(pieces[id], id);
      }
    }
    return m;
  }

  /**
   * The segmentation algorithm.
   *
   * @return unigram or BPE
   */
  public ModelType modelType() {
    return modelType;
  }

  /**
   * The normaliser.
   *
   * @return the normaliser configured by the model's {@code NormalizerSpec}
   */
  public SentencePieceNormalizer normalizer() {
    return normalizer;
  }

  /**
   * The unigram view of the vocabulary (pieces, scores, types); for a BPE model its Viterbi is not
   * what {@link #encode} uses.
   *
   * @return the model
   */
  public UnigramModel model() {
    return unigram;
  }

  /**
   * The piece of an id.
   *
   * @param id the id
   * @return the piece, with {@code ▁} for spaces
   * @throws IllegalArgumentException for an id outside the vocabulary
   */
  public String piece(int id) {
    if (id < 0 || id >= pieces.length) {
      throw unknownId(id);
    }
    return pieces[id];
  }

  @Override
  public int vocabSize() {
    return pieces.length;
  }

  @Override
  protected void encodeOrdinary(String text, int start, int end, boolean atStart, IntList out) {
    byte[] norm = normalizer.normalize(text.substring(start, end));
    if (modelType == ModelType.UNIGRAM) {
      unigram.encode(norm, 0, norm.length, out);
      return;
    }
    // BPE: user-defined pieces are whole symbols; the runs between them merge
    IntList ids = new IntList();
    int segStart = 0;
    int p = 0;
    while (p < norm.length) {
      int len = normalizer.userDefinedMatch(norm, p);
      if (len == 0) {
        p++;
        continue;
      }
      bpeSegment(norm, segStart, p, ids);
      ids.add(userIds.get(new String(norm, p, len, StandardCharsets.UTF_8)));
      p += len;
      segStart = p;
    }
    bpeSegment(norm, segStart, norm.length, ids);
    // SentencePieceProcessor fuses adjacent unknown pieces into one
    int unk = unigram.unkId();
    for (int r = 0; r < ids.size(); r++) {
      int id = ids.get(r);
      if (id != unk || r == 0 || ids.get(r - 1) != unk) {
        out.add(id);
      }
    }
  }

  private void bpeSegment(byte[] norm, int from, int to, IntList out) {
    if (to > from) {
      String s = new String(norm, from, to - from, StandardCharsets.UTF_8);
      bpe.encodeOrdinary(s, 0, s.length(), false, out);
    }
  }

  @Override
  protected byte[] decodeBytes(int id, boolean leading) {
    if (id < 0 || id >= pieces.length) {
      return null;
    }
    return leading ? decodeLeading[id] : decodePlain[id];
  }
}
