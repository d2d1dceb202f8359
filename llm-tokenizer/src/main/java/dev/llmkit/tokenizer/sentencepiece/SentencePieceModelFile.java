package dev.llmkit.tokenizer.sentencepiece;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

/**
 * Reads SentencePiece {@code .model} files (a serialised protobuf {@code ModelProto}: pieces with
 * scores and types, {@code TrainerSpec} with the model type, byte fallback and special ids,
 * {@code NormalizerSpec} with the precompiled normalisation rules and whitespace flags) into a
 * {@link SentencePieceModelTokenizer}. Unigram and BPE models are supported; WORD and CHAR models
 * are rejected by name.
 */
public final class SentencePieceModelFile {
  private SentencePieceModelFile() {}

  /**
   * Loads a {@code .model} file.
   *
   * @param file the file
   * @return the tokenizer
   * @throws IOException if the file cannot be read
   * @throws IllegalArgumentException if the file is not a SentencePiece model, naming the file
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
   * @throws IllegalArgumentException if the bytes are not a SentencePiece model, naming the file
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
              throw new IllegalArgumentException(
                  fileName + ": piece " + pieces.size() + " has no text");
            }
            if (type < SentencePieceTokenizer.NORMAL || type > SentencePieceTokenizer.BYTE) {
              throw new IllegalArgumentException(
                  fileName + ": piece " + pieces.size() + " ('" + piece + "') has type " + type
                      + ", expected 1..6");
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
      throw e;
    } catch (RuntimeException e) {
      throw r.bad(e.toString());
    }
    if (pieces.isEmpty() || !sawNormalizer) {
      throw new IllegalArgumentException(
          fileName + ": not a SentencePiece model (protobuf ModelProto expected): "
              + (pieces.isEmpty() ? "no pieces" : "no normalizer_spec"));
    }
    SentencePieceModelTokenizer.ModelType type;
    if (modelType == 1) {
      type = SentencePieceModelTokenizer.ModelType.UNIGRAM;
    } else if (modelType == 2) {
      type = SentencePieceModelTokenizer.ModelType.BPE;
    } else {
      throw new IllegalArgumentException(
          fileName + ": SentencePiece model_type " + (modelType == 3 ? "WORD" : modelType == 4
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
    if (unkId < 0 || unkId >= n || t[unkId] != SentencePieceTokenizer.UNKNOWN) {
      throw new IllegalArgumentException(
          fileName + ": trainer_spec.unk_id " + unkId + " is not an UNKNOWN piece of the " + n
              + "-piece vocabulary");
    }
    PrecompiledCharsMap map = charsmap == null || charsmap.length == 0 ? null
        : new PrecompiledCharsMap(charsmap, fileName + " (normalizer " + normName + ")");
    SentencePieceNormalizer normalizer =
        new SentencePieceNormalizer(map, addDummyPrefix, removeExtra, escape, suffix, user);
    return new SentencePieceModelTokenizer(
        fileName, type, p, s, t, normalizer, unkId, byteFallback, unkSurface,
        special(bosId, n), special(eosId, n));
  }

  private static OptionalInt special(int id, int n) {
    return id >= 0 && id < n ? OptionalInt.of(id) : OptionalInt.empty();
  }
}
