package dev.llmkit.tokenizer.sentencepiece;

import dev.llmkit.tokenizer.TokenizerFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

/**
 * llama2.c's tokenizer file ({@code tokenizer.bin}, {@code tok512.bin}): a little-endian int32
 * {@code max_token_length}, then for each token a float32 score, an int32 byte length and the
 * bytes. Ids 0, 1, 2 are {@code <unk>}, BOS and EOS (special tokens keyed by their text without
 * the newlines the file wraps them in: {@code <s>}, {@code </s>}); {@code <0xXX>} pieces are byte fallback;
 * spaces are stored as plain spaces. Encoding is llama2.c's: a space in front of the text, one
 * symbol per character, merge the highest-scoring pair until none merges.
 */
public final class Llama2cTokenizerFile {
  private Llama2cTokenizerFile() {}

  /**
   * Reads a llama2.c tokenizer file.
   *
   * @param file the file
   * @return the tokenizer (BOS 1, EOS 2; {@code encode} adds no BOS, use
   *     {@link dev.llmkit.tokenizer.Tokenizer#encodeWithBos})
   * @throws IOException if reading fails
   * @throws IllegalArgumentException if the file is corrupt, naming the file and the byte offset
   */
  public static SentencePieceTokenizer load(Path file) throws IOException {
    byte[] all = Files.readAllBytes(file);
    ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
    if (all.length < 4) {
      throw new TokenizerFormatException(
          file + " at byte offset 0: too short for a llama2.c tokenizer (" + all.length
              + " bytes)");
    }
    int maxLen = b.getInt();
    if (maxLen <= 0 || maxLen > 1 << 16) {
      throw new TokenizerFormatException(
          file + " at byte offset 0: max_token_length " + maxLen + " is not plausible");
    }
    List<String> pieces = new ArrayList<>();
    List<Float> scores = new ArrayList<>();
    while (b.hasRemaining()) {
      int at = b.position();
      if (b.remaining() < 8) {
        throw new TokenizerFormatException(
            file + " at byte offset " + at + ": token " + pieces.size()
                + " is truncated (needs a score and a length)");
      }
      float score = b.getFloat();
      if (!Float.isFinite(score)) {
        throw new TokenizerFormatException(
            file + " at byte offset " + at + ": token " + pieces.size() + " has score " + score
                + ", expected a finite number");
      }
      int len = b.getInt();
      if (len < 0 || len > maxLen || len > b.remaining()) {
        throw new TokenizerFormatException(
            file + " at byte offset " + (at + 4) + ": token " + pieces.size() + " has length "
                + len + " (max_token_length " + maxLen + ", " + b.remaining()
                + " bytes left)");
      }
      byte[] piece = new byte[len];
      b.get(piece);
      pieces.add(new String(piece, StandardCharsets.UTF_8));
      scores.add(score);
    }
    if (pieces.size() < 3) {
      throw new TokenizerFormatException(
          file + ": only " + pieces.size() + " tokens, expected <unk>, BOS, EOS and more");
    }
    String[] p = pieces.toArray(new String[0]);
    float[] s = new float[p.length];
    int[] types = new int[p.length];
    for (int i = 0; i < p.length; i++) {
      s[i] = scores.get(i);
      types[i] = i == 0 ? SentencePieceTokenizer.UNKNOWN
          : i <= 2 ? SentencePieceTokenizer.CONTROL
          : SentencePieceTokenizer.parseByte(p[i]) >= 0 ? SentencePieceTokenizer.BYTE
          : SentencePieceTokenizer.NORMAL;
      if (i <= 2) {
        p[i] = p[i].strip(); // llama2.c stores BOS and EOS as "\n<s>\n" and "\n</s>\n"
      }
    }
    return SentencePieceTokenizer.fromScores(
        file.getFileName().toString(), p, s, types, ' ', true, OptionalInt.of(1),
        OptionalInt.of(2), 0);
  }
}
