package dev.llmkit.tokenizer.sentencepiece;

import dev.llmkit.tokenizer.TokenizerFormatException;
import dev.llmkit.tokenizer.UntrustedText;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.List;
import java.util.OptionalInt;

/**
 * Reads SentencePiece {@code .model} files (a serialised protobuf {@code ModelProto}: pieces with
 * scores and types, {@code TrainerSpec} with the model type, byte fallback and special ids,
 * {@code NormalizerSpec} with the precompiled normalisation rules and whitespace flags) into a
 * {@link SentencePieceModelTokenizer}. Unigram and BPE models are supported; WORD and CHAR models
 * are rejected by name.
 *
 * <p>Validation follows SentencePiece's own load-time checks ({@code model_interface.cc}) and is
 * stricter where a file can only be corrupt: no empty piece; a piece text at most once among the
 * normal kinds (NORMAL, USER_DEFINED, UNUSED) and at most once among the reserved kinds (UNKNOWN,
 * CONTROL, BYTE); exactly one UNKNOWN piece, which {@code trainer_spec.unk_id} names; BYTE pieces
 * only with {@code byte_fallback}, each spelled {@code <0xHH>}, all 256 present when
 * {@code byte_fallback} is on; piece types 1..6 (protobuf would silently read an unknown enum value
 * as NORMAL); strings well-formed UTF-8; varints, lengths and wire types exact. Every error is a
 * {@link TokenizerFormatException} naming the file and the piece or field.
 */
public final class SentencePieceModelFile {
  private SentencePieceModelFile() {}

  /**
   * Loads a {@code .model} file.
   *
   * @param file the file
   * @return the tokenizer
   * @throws IOException if the file cannot be read
   * @throws TokenizerFormatException if the file is not a valid SentencePiece model, naming the
   *     file and the field
   */
  public static SentencePieceModelTokenizer load(Path file) throws IOException {
    return read(Files.readAllBytes(file), file.toString());
  }

  /**
   * Reads a serialised {@code ModelProto}.
   *
   * @param bytes the file contents
   * @param fileName the file, for messages
   * @return the tokenizer
   * @throws TokenizerFormatException if the bytes are not a valid SentencePiece model, naming the
   *     file and the field
   */
  public static SentencePieceModelTokenizer read(byte[] bytes, String fileName) {
    List<String> pieces = new ArrayList<>();
    List<Float> scores = new ArrayList<>();
    List<Integer> types = new ArrayList<>();
    int modelType = 1;
    boolean byteFallback = false;
    boolean suffix = false;
    int unkId = 0;
    int bosId = 1;
    int eosId = 2;
    String unkSurface = " \u2047 ";
    byte[] charsmap = null;
    String normName = "";
    boolean addDummyPrefix = true;
    boolean removeExtra = true;
    boolean escape = true;
    boolean sawNormalizer = false;
    ProtoReader r = new ProtoReader(bytes, 0, bytes.length, fileName);
    try {
      while (r.next()) {
        switch (r.fieldNumber()) {
          case 1: {
            ProtoReader p = r.message();
            String piece = null;
            float score = 0;
            int type = SentencePieceTokenizer.NORMAL;
            while (p.next()) {
              switch (p.fieldNumber()) {
                case 1:
                  piece = p.string();
                  break;
                case 2:
                  score = p.float32();
                  break;
                case 3:
                  type = (int) p.varintField();
                  break;
                default:
                  p.skip();
              }
            }
            if (piece == null || piece.isEmpty()) {
              throw new TokenizerFormatException(
                  fileName, "pieces[" + pieces.size() + "] has no text (piece must not be empty)");
            }
            if (type < SentencePieceTokenizer.NORMAL || type > SentencePieceTokenizer.BYTE) {
              throw new TokenizerFormatException(
                  fileName, "pieces[" + pieces.size() + "] ('" + UntrustedText.name(piece)
                      + "') has type " + type + ", expected 1..6 (NORMAL..BYTE)");
            }
            pieces.add(piece);
            scores.add(score);
            types.add(type);
            break;
          }
          case 2: {
            ProtoReader t = r.message();
            while (t.next()) {
              switch (t.fieldNumber()) {
                case 3:
                  modelType = (int) t.varintField();
                  break;
                case 35:
                  byteFallback = t.varintField() != 0;
                  break;
                case 24:
                  suffix = t.varintField() != 0;
                  break;
                case 40:
                  unkId = (int) t.varintField();
                  break;
                case 41:
                  bosId = (int) t.varintField();
                  break;
                case 42:
                  eosId = (int) t.varintField();
                  break;
                case 44:
                  unkSurface = t.string();
                  break;
                default:
                  t.skip();
              }
            }
            break;
          }
          case 3: {
            sawNormalizer = true;
            ProtoReader n = r.message();
            while (n.next()) {
              switch (n.fieldNumber()) {
                case 1:
                  normName = n.string();
                  break;
                case 2:
                  charsmap = n.bytes();
                  break;
                case 3:
                  addDummyPrefix = n.varintField() != 0;
                  break;
                case 4:
                  removeExtra = n.varintField() != 0;
                  break;
                case 5:
                  escape = n.varintField() != 0;
                  break;
                default:
                  n.skip();
              }
            }
            break;
          }
          default:
            r.skip();
        }
      }
    } catch (IllegalArgumentException e) {
      throw e instanceof TokenizerFormatException ? e : new TokenizerFormatException(
          fileName, e.getMessage(), e);
    } catch (RuntimeException e) {
      throw r.bad(e.toString());
    }
    if (pieces.isEmpty() || !sawNormalizer) {
      throw new TokenizerFormatException(
          fileName + ": not a SentencePiece model (protobuf ModelProto expected): "
              + (pieces.isEmpty() ? "no pieces" : "no normalizer_spec"));
    }
    SentencePieceModelTokenizer.ModelType type;
    if (modelType == 1) {
      type = SentencePieceModelTokenizer.ModelType.UNIGRAM;
    } else if (modelType == 2) {
      type = SentencePieceModelTokenizer.ModelType.BPE;
    } else {
      throw new TokenizerFormatException(
          fileName + ": trainer_spec.model_type " + (modelType == 3 ? "WORD" : modelType == 4
              ? "CHAR" : String.valueOf(modelType)) + " is not supported (expected UNIGRAM or BPE)");
    }
    int n = pieces.size();
    String[] p = pieces.toArray(new String[0]);
    float[] s = new float[n];
    int[] t = new int[n];
    List<byte[]> user = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      s[i] = scores.get(i);
      t[i] = types.get(i);
      if (t[i] == SentencePieceTokenizer.USER_DEFINED) {
        user.add(p[i].getBytes(StandardCharsets.UTF_8));
      }
    }
    checkPieces(p, t, byteFallback, fileName);
    if (unkId < 0 || unkId >= n || t[unkId] != SentencePieceTokenizer.UNKNOWN) {
      throw new TokenizerFormatException(
          fileName, "trainer_spec.unk_id " + unkId + " is not the UNKNOWN piece of the " + n
              + "-piece vocabulary");
    }
    PrecompiledCharsMap map;
    try {
      map = charsmap == null || charsmap.length == 0 ? null
          : new PrecompiledCharsMap(charsmap, fileName + " (normalizer_spec "
              + UntrustedText.name(normName) + ")");
    } catch (IllegalArgumentException e) {
      throw new TokenizerFormatException(
          fileName, "normalizer_spec.precompiled_charsmap: " + e.getMessage(), e);
    }
    SentencePieceNormalizer normalizer =
        new SentencePieceNormalizer(map, addDummyPrefix, removeExtra, escape, suffix, user);
    return new SentencePieceModelTokenizer(
        fileName, type, p, s, t, normalizer, unkId, byteFallback, unkSurface,
        special(bosId, n), special(eosId, n));
  }

  /** SentencePiece's load-time rules for the pieces (see the class comment). */
  private static void checkPieces(String[] p, int[] t, boolean byteFallback, String fileName) {
    Map<String, Integer> normal = new HashMap<>();
    Map<String, Integer> reserved = new HashMap<>();
    boolean[] bytes = new boolean[256];
    int unk = -1;
    for (int i = 0; i < p.length; i++) {
      boolean isNormal = t[i] == SentencePieceTokenizer.NORMAL
          || t[i] == SentencePieceTokenizer.USER_DEFINED || t[i] == SentencePieceTokenizer.UNUSED;
      Integer prev = (isNormal ? normal : reserved).putIfAbsent(p[i], i);
      if (prev != null) {
        throw new TokenizerFormatException(fileName, "pieces[" + i + "] ('"
            + UntrustedText.name(p[i]) + "') is already defined as pieces[" + prev + "]");
      }
      if (t[i] == SentencePieceTokenizer.UNKNOWN) {
        if (unk >= 0) {
          throw new TokenizerFormatException(fileName, "pieces[" + i + "] is a second UNKNOWN piece"
              + " (the first is pieces[" + unk + "])");
        }
        unk = i;
      }
      if (t[i] == SentencePieceTokenizer.BYTE) {
        if (!byteFallback) {
          throw new TokenizerFormatException(fileName, "pieces[" + i + "] ('"
              + UntrustedText.name(p[i]) + "') is a BYTE piece but trainer_spec.byte_fallback is"
              + " false");
        }
        int b = byteOf(p[i]);
        if (b < 0) {
          throw new TokenizerFormatException(fileName, "pieces[" + i + "] ('"
              + UntrustedText.name(p[i]) + "') is a BYTE piece, expected the form <0xHH>");
        }
        bytes[b] = true;
      }
    }
    if (unk < 0) {
      throw new TokenizerFormatException(fileName, "no piece has type UNKNOWN (unk is not defined)");
    }
    if (byteFallback) {
      for (int b = 0; b < 256; b++) {
        if (!bytes[b]) {
          throw new TokenizerFormatException(fileName, String.format("trainer_spec.byte_fallback is"
              + " true but there is no BYTE piece <0x%02X> (all 256 are needed)", b));
        }
      }
    }
  }

  /** The byte a {@code <0xHH>} piece (upper-case hex, as SentencePiece writes it) stands for, or -1. */
  private static int byteOf(String piece) {
    if (piece.length() != 6 || !piece.startsWith("<0x") || piece.charAt(5) != '>') {
      return -1;
    }
    int hi = Character.digit(piece.charAt(3), 16);
    int lo = Character.digit(piece.charAt(4), 16);
    int b = hi * 16 + lo;
    return hi < 0 || lo < 0 || !piece.equals(String.format("<0x%02X>", b)) ? -1 : b;
  }

  private static OptionalInt special(int id, int n) {
    return id >= 0 && id < n ? OptionalInt.of(id) : OptionalInt.empty();
  }
}
