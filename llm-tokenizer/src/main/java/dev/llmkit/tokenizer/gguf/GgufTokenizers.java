package dev.llmkit.tokenizer.gguf;

import dev.llmkit.tokenizer.Tokenizer;
import dev.llmkit.tokenizer.TokenizerFormatException;
import dev.llmkit.tokenizer.Utf8;
import dev.llmkit.tokenizer.bpe.ByteLevel;
import dev.llmkit.tokenizer.bpe.BytePairTokenizer;
import dev.llmkit.tokenizer.pretokenize.PreTokenizers;
import dev.llmkit.tokenizer.sentencepiece.PrecompiledCharsMap;
import dev.llmkit.tokenizer.sentencepiece.SentencePieceModelTokenizer;
import dev.llmkit.tokenizer.sentencepiece.SentencePieceNormalizer;
import dev.llmkit.tokenizer.sentencepiece.SentencePieceTokenizer;
import dev.llmkit.tokenizer.wordpiece.WordPieceTokenizer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;

/**
 * Tokenizers from the {@code tokenizer.ggml.*} metadata of a GGUF file, as llama.cpp reads them:
 * model {@code gpt2} (byte-level BPE with merges, split pattern named by
 * {@code tokenizer.ggml.pre}), {@code llama} (SentencePiece scores with byte fallback),
 * {@code bert} (WordPiece with llama.cpp's "phantom space" pieces).
 */
public final class GgufTokenizers {
  private GgufTokenizers() {}

  /**
   * Loads the tokenizer of a GGUF file.
   *
   * @param file the file
   * @return the tokenizer
   * @throws IOException if reading fails
   * @throws IllegalArgumentException if the file is corrupt or its tokenizer unsupported, naming
   *     the file
   */
  public static Tokenizer load(Path file) throws IOException {
    return fromMetadata(GgufMetadata.read(file));
  }

  /**
   * Builds the tokenizer described by GGUF metadata.
   *
   * @param md the metadata
   * @return the tokenizer
   */
  public static Tokenizer fromMetadata(GgufMetadata md) {
    String model = md.require("tokenizer.ggml.model", String.class);
    String[] tokens = md.require("tokenizer.ggml.tokens", String[].class);
    int[] types = md.get("tokenizer.ggml.token_type") instanceof int[]
        ? (int[]) md.get("tokenizer.ggml.token_type")
        : filled(tokens.length, SentencePieceTokenizer.NORMAL);
    if (types.length != tokens.length) {
      throw new TokenizerFormatException(
          md.file() + ": " + tokens.length + " tokens but " + types.length + " token types");
    }
    String name = md.file().getFileName().toString();
    OptionalInt bos = id(md, "tokenizer.ggml.bos_token_id", tokens.length);
    OptionalInt eos = id(md, "tokenizer.ggml.eos_token_id", tokens.length);
    switch (model.toLowerCase(Locale.ROOT)) {
      case "gpt2":
        return gpt2(md, name, tokens, types, bos, eos);
      case "llama": {
        float[] scores = md.get("tokenizer.ggml.scores") instanceof float[]
            ? (float[]) md.get("tokenizer.ggml.scores")
            : new float[tokens.length];
        int unk = (int) md.getLong("tokenizer.ggml.unknown_token_id", 0);
        boolean prefix = md.getBoolean("tokenizer.ggml.add_space_prefix", true);
        return SentencePieceTokenizer.fromScores(
            name, tokens, scores, types, '\u2581', prefix, bos, eos, unk);
      }
      case "bert": {
        String[] vocab = new String[tokens.length];
        Map<String, Integer> specials = new LinkedHashMap<>();
        for (int i = 0; i < tokens.length; i++) {
          String t = tokens[i];
          if (types[i] == SentencePieceTokenizer.CONTROL
              || types[i] == SentencePieceTokenizer.UNKNOWN) {
            vocab[i] = t;
            specials.putIfAbsent(t, i);
          } else if (t.startsWith("\u2581")) {
            vocab[i] = t.substring(1);
          } else if (t.startsWith("[") && t.endsWith("]")) {
            vocab[i] = t;
          } else {
            vocab[i] = "##" + t;
          }
        }
        int unk = (int) md.getLong("tokenizer.ggml.unknown_token_id", 100);
        OptionalInt cls = id(md, "tokenizer.ggml.cls_token_id", tokens.length);
        OptionalInt sep = id(md, "tokenizer.ggml.seperator_token_id", tokens.length);
        return new WordPieceTokenizer(
            name, vocab, "##", unk, true, true, 100, specials,
            cls.isPresent() ? cls : bos, sep.isPresent() ? sep : eos);
      }
      case "t5":
        return t5(md, name, tokens, types, bos, eos);
      default:
        throw new TokenizerFormatException(
            md.file() + ": tokenizer.ggml.model '" + model
                + "' is not supported (expected gpt2, llama, bert or t5)");
    }
  }

  /**
   * llama.cpp's {@code t5} vocabulary (what {@code convert_hf_to_gguf.py} writes from a T5
   * {@code spiece.model}): a SentencePiece Unigram model with its pieces, scores and types, the
   * normalizer's precompiled rules as a {@code uint8} array, {@code add_space_prefix} and
   * {@code remove_extra_whitespaces}; byte fallback when the vocabulary has byte pieces.
   */
  private static Tokenizer t5(
      GgufMetadata md, String name, String[] tokens, int[] types, OptionalInt bos, OptionalInt eos) {
    if (!(md.get("tokenizer.ggml.scores") instanceof float[])) {
      throw new TokenizerFormatException(
          md.file() + ": tokenizer.ggml.scores (float32 array) is required for a t5 vocabulary");
    }
    float[] scores = (float[]) md.get("tokenizer.ggml.scores");
    if (scores.length != tokens.length) {
      throw new TokenizerFormatException(
          md.file() + ": " + tokens.length + " tokens but " + scores.length + " scores");
    }
    int unk = (int) md.getLong("tokenizer.ggml.unknown_token_id", 2);
    if (unk < 0 || unk >= tokens.length || types[unk] != SentencePieceTokenizer.UNKNOWN) {
      throw new TokenizerFormatException(
          md.file() + ": tokenizer.ggml.unknown_token_id " + unk + " is not the UNKNOWN piece");
    }
    PrecompiledCharsMap charsMap = null;
    Object cm = md.get("tokenizer.ggml.precompiled_charsmap");
    if (cm instanceof int[] && ((int[]) cm).length > 0) {
      int[] a = (int[]) cm;
      byte[] blob = new byte[a.length];
      for (int i = 0; i < a.length; i++) {
        blob[i] = (byte) a[i];
      }
      try {
        charsMap = new PrecompiledCharsMap(blob, name + " (tokenizer.ggml.precompiled_charsmap)");
      } catch (IllegalArgumentException e) {
        throw new TokenizerFormatException(
            md.file() + ": tokenizer.ggml.precompiled_charsmap: " + e.getMessage());
      }
    } else if (cm != null) {
      throw new TokenizerFormatException(
          md.file() + ": tokenizer.ggml.precompiled_charsmap must be a uint8 array");
    }
    List<byte[]> user = new ArrayList<>();
    boolean byteFallback = false;
    for (int i = 0; i < tokens.length; i++) {
      if (types[i] == SentencePieceTokenizer.USER_DEFINED) {
        user.add(tokens[i].getBytes(StandardCharsets.UTF_8));
      }
      byteFallback |= types[i] == SentencePieceTokenizer.BYTE;
    }
    SentencePieceNormalizer normalizer = new SentencePieceNormalizer(
        charsMap,
        md.getBoolean("tokenizer.ggml.add_space_prefix", true),
        md.getBoolean("tokenizer.ggml.remove_extra_whitespaces", true),
        true, false, user);
    return SentencePieceModelTokenizer.unigram(
        name, tokens, scores, types, normalizer, unk, byteFallback, bos, eos);
  }

  private static int[] filled(int n, int v) {
    int[] a = new int[n];
    Arrays.fill(a, v);
    return a;
  }

  private static OptionalInt id(GgufMetadata md, String key, int n) {
    long v = md.getLong(key, -1);
    if (v < 0) {
      return OptionalInt.empty();
    }
    if (v >= n) {
      throw new TokenizerFormatException(
          md.file() + ": " + key + " = " + v + " is outside the vocabulary of " + n + " tokens");
    }
    return OptionalInt.of((int) v);
  }

  private static Tokenizer gpt2(
      GgufMetadata md, String name, String[] tokens, int[] types, OptionalInt bos,
      OptionalInt eos) {
    String[] mergeLines = md.require("tokenizer.ggml.merges", String[].class);
    byte[][] bytes = new byte[tokens.length][];
    Map<String, Integer> specials = new LinkedHashMap<>();
    Map<String, Integer> added = new LinkedHashMap<>();
    Map<String, Integer> ids = new HashMap<>(tokens.length * 2);
    for (int i = 0; i < tokens.length; i++) {
      ids.put(tokens[i], i);
      switch (types[i]) {
        case SentencePieceTokenizer.CONTROL:
        case SentencePieceTokenizer.UNKNOWN:
          specials.putIfAbsent(tokens[i], i);
          break;
        case SentencePieceTokenizer.USER_DEFINED:
          added.putIfAbsent(tokens[i], i);
          break;
        default: {
          byte[] b = ByteLevel.decode(tokens[i]);
          bytes[i] = b != null ? b : Utf8.bytes(tokens[i]);
        }
      }
    }
    List<int[]> merges = new ArrayList<>(mergeLines.length);
    for (int r = 0; r < mergeLines.length; r++) {
      String m = mergeLines[r];
      int sp = m.indexOf(' ', 1);
      if (sp < 0 || m.indexOf(' ', sp + 1) >= 0) {
        throw new TokenizerFormatException(
            md.file() + ": tokenizer.ggml.merges[" + r + "] = '" + m
                + "', expected two tokens separated by one space");
      }
      Integer a = ids.get(m.substring(0, sp));
      Integer b = ids.get(m.substring(sp + 1));
      if (a == null || b == null) {
        throw new TokenizerFormatException(
            md.file() + ": tokenizer.ggml.merges[" + r + "] = '" + m
                + "' names a token that is not in tokenizer.ggml.tokens");
      }
      merges.add(new int[] {a, b});
    }
    String pre = md.getString("tokenizer.ggml.pre", "default");
    boolean ignoreMerges = pre.equals("llama-bpe") || pre.equals("llama3")
        || pre.equals("llama-v3") || pre.equals("falcon3");
    return BytePairTokenizer.fromMerges(
        name, bytes, merges, ignoreMerges, PreTokenizers.forGgufPre(pre), specials, added, bos,
        eos, md.file().toString());
  }
}
